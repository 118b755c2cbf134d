// Gossipsub peer scoring, with the numbers written down.
//
// Thresholds (gossipsub defaults, kept):
//   gossipThreshold   -10  below: no IHAVE/IWANT gossip exchanged with the peer
//   publishThreshold  -50  below: our own publishes are not sent to the peer
//   graylistThreshold -80  below: everything the peer sends is dropped unread
//
// Application score (weight 1): 0 for an active registered operator, UNREGISTERED_SCORE (-60)
// for anyone else, minus the peer's decaying penalty points (penalties.ts: stale consensus
// messages, refused pushes, requests over a rate limit). -60 sits between publish and graylist: an unregistered peer may stay
// connected (and use DHT / request-response), never enters a mesh, receives no gossip and none
// of our publishes, and what it sends is still read, rejected and logged, until its first
// rejected message pushes it past the graylist.
//
// Per topic (weight 1): P2 first deliveries +1 each (decay 0.5/s, cap 10) rewards useful peers;
// P4 invalid deliveries -20 x count^2 (decay 0.9/s): one rejected message takes a registered
// peer below the gossip threshold, two past the graylist, for tens of seconds. P3 (mesh delivery
// rate) is off: consensus topics are quiet between heights and P3 would punish honest peers.
import type { GossipsubOpts } from "@libp2p/gossipsub";
import { isActive, type OperatorDirectory } from "./directory.js";
import type { PeerPenalties } from "./penalties.js";

export const UNREGISTERED_SCORE = -60;

export const SCORE_THRESHOLDS = {
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 10,
  opportunisticGraftThreshold: 5,
};

const TOPIC_SCORE = {
  topicWeight: 1,
  timeInMeshWeight: 0,
  timeInMeshQuantum: 1_000,
  timeInMeshCap: 1,
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: 0.5,
  firstMessageDeliveriesCap: 10,
  meshMessageDeliveriesWeight: 0,
  meshMessageDeliveriesDecay: 0.5,
  meshMessageDeliveriesCap: 1,
  meshMessageDeliveriesThreshold: 1,
  meshMessageDeliveriesWindow: 10,
  meshMessageDeliveriesActivation: 5_000,
  meshFailurePenaltyWeight: 0,
  meshFailurePenaltyDecay: 0.5,
  invalidMessageDeliveriesWeight: -20,
  invalidMessageDeliveriesDecay: 0.9,
};

export function peerScoreParams(opts: {
  directory: OperatorDirectory;
  topicIds: string[];
  penalties?: PeerPenalties;
  /** dev flag p2p.loopbackWhitelist: exempt 127.0.0.1 from the IP-colocation penalty */
  loopbackWhitelist: boolean;
}): GossipsubOpts["scoreParams"] {
  return {
    appSpecificScore: (peerId: string) =>
      (isActive(opts.directory.byPeerId(peerId)) ? 0 : UNREGISTERED_SCORE) - (opts.penalties?.points(peerId) ?? 0),
    appSpecificWeight: 1,
    topics: Object.fromEntries(opts.topicIds.map((id) => [id, TOPIC_SCORE])),
    topicScoreCap: 10,
    IPColocationFactorWhitelist: new Set(opts.loopbackWhitelist ? ["127.0.0.1"] : []),
  };
}
