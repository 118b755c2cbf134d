// Peer exchange: a keeper asks one it is connected to which peers that one is connected to, with
// their listen addresses, and dials the operators it still misses. Consensus wants a full mesh
// of validators; the DHT alone left some keepers short of it (provider records only reach the
// peers a keeper knew when it provided, and under load the queries time out round after round:
// at 32 keepers on 2 cores about one run in six started with keepers 1-3 peers short after a
// minute). One request here names every peer a neighbour has.
import type { Libp2p, PeerId } from "@libp2p/interface";
import { z } from "zod";
import type { ProtocolSpec, ReqResp } from "./reqresp.js";

/** Peers listed in one answer, and addresses per peer: bounds what a neighbour can make us store. */
export const MAX_EXCHANGED_PEERS = 256;
export const MAX_ADDRS_PER_PEER = 8;

const PeerEntry = z.strictObject({
  id: z.string().min(1).max(128),
  addrs: z.array(z.string().min(1).max(256)).max(MAX_ADDRS_PER_PEER),
});
export type ExchangedPeer = z.infer<typeof PeerEntry>;

export const peerExchangeProtocol: ProtocolSpec<Record<string, never>, { peers: ExchangedPeer[] }> = {
  name: "peers",
  request: z.strictObject({}),
  response: z.strictObject({ peers: z.array(PeerEntry).max(MAX_EXCHANGED_PEERS) }),
  maxRequestBytes: 64,
  maxResponseBytes: 256 * 1024,
};

/** The peers this node is connected to, with the listen addresses identify told it. */
export async function connectedPeers(libp2p: Libp2p): Promise<ExchangedPeer[]> {
  const peers: ExchangedPeer[] = [];
  for (const id of libp2p.getPeers().slice(0, MAX_EXCHANGED_PEERS)) {
    try {
      const peer = await libp2p.peerStore.get(id);
      const addrs = peer.addresses.slice(0, MAX_ADDRS_PER_PEER).map((a) => a.multiaddr.toString());
      if (addrs.length > 0) peers.push({ id: id.toString(), addrs });
    } catch {
      // not in the peer store (yet): nothing to tell
    }
  }
  return peers;
}

export async function servePeerExchange(reqresp: ReqResp, libp2p: Libp2p): Promise<void> {
  await reqresp.handle(peerExchangeProtocol, async () => ({ peers: await connectedPeers(libp2p) }));
}

/** Asks `peer` for the peers it is connected to. */
export async function askForPeers(reqresp: ReqResp, peer: PeerId, signal: AbortSignal): Promise<ExchangedPeer[]> {
  return (await reqresp.request(peer, peerExchangeProtocol, {}, { signal })).peers;
}
