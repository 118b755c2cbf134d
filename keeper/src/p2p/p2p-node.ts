// The libp2p node of one keeper: TCP + Noise + Yamux, identify, ping, a private Kademlia DHT
// (/openmesh/kad/1.0.0) for service discovery, gossipsub without libp2p message signing (the
// operator's signature is inside each envelope), and request/response streams.
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { gossipsub, type GossipSub } from "@libp2p/gossipsub";
import { identify } from "@libp2p/identify";
import type { Libp2p, PeerId, PrivateKey } from "@libp2p/interface";
import {
  kadDHT,
  passthroughMapper,
  removePrivateAddressesMapper,
  removePublicAddressesMapper,
  type KadDHT,
} from "@libp2p/kad-dht";
import { peerIdFromString } from "@libp2p/peer-id";
import { ping, type Ping } from "@libp2p/ping";
import { tcp } from "@libp2p/tcp";
import { multiaddr } from "@multiformats/multiaddr";
import { createLibp2p } from "libp2p";
import type { P2pConfig } from "../config/index.js";
import type { Logger } from "../observability/logger.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import type { KeeperStore } from "../store/index.js";
import { keeperNoiseCrypto } from "./noise-crypto.js";
import { isActive, type OperatorDirectory } from "./directory.js";
import { askForPeers, servePeerExchange } from "./peer-exchange.js";
import { Discovery, type DiscoveryOptions } from "./discovery.js";
import type { EnvelopeSigner } from "./envelope.js";
import { Gossip, gossipMessageId } from "./gossip.js";
import { PeerPenalties } from "./penalties.js";
import { PeerGuard } from "./peer-guard.js";
import { PeerBans } from "./bans.js";
import {
  AGENT_NAME,
  AGENT_VERSION,
  BAN_CHECK_INTERVAL_MS,
  BAN_DURATION_MS,
  BAN_PENALTY_POINTS,
  BAN_SCORE,
  REJECT_LOG_INTERVAL_MS,
  CONNECTION_MONITOR,
  DHT_PROTOCOL,
  DISCOVERY_FAST_INTERVAL_MS,
  FORGET_PEERS_AFTER_MS,
  GOSSIP_MESH,
  MAX_GOSSIP_RPC_BYTES,
  MAX_REMEMBERED_PEERS_TO_DIAL,
  PROVIDE_INTERVAL_MS,
  QUERY_TIMEOUT_MS,
} from "./options.js";
import { ReqResp } from "./reqresp.js";
import { peerScoreParams, SCORE_THRESHOLDS } from "./score.js";
import { heartbeatTopic, type TopicSpec } from "./topics.js";

export type KeeperServices = { identify: unknown; ping: Ping; dht: KadDHT; pubsub: GossipSub };
export type KeeperLibp2p = Libp2p<KeeperServices>;

export interface P2pNodeModules {
  config: P2pConfig;
  privateKey: PrivateKey;
  signer: EnvelopeSigner;
  directory: OperatorDirectory;
  logger: Logger;
  metrics: KeeperMetrics;
  /** remembers peers across restarts when given */
  store?: KeeperStore;
  /** topics besides the heartbeat; all must be known now, for their score parameters */
  topics?: Array<TopicSpec<unknown>>;
  /** overrides of discovery timing (tests) */
  discovery?: Partial<DiscoveryOptions>;
}

const ADDRESS_MAPPERS = {
  wan: removePrivateAddressesMapper,
  lan: removePublicAddressesMapper,
  all: passthroughMapper,
};

export class P2pNode {
  readonly gossip: Gossip;
  readonly reqresp: ReqResp;
  readonly discovery: Discovery;
  /** rate limits, bounded rejection logs and penalty points per peer (gossip, push, reqresp) */
  readonly guard: PeerGuard;
  private started = false;
  private banTimer?: NodeJS.Timeout;

  private constructor(
    readonly libp2p: KeeperLibp2p,
    private readonly modules: P2pNodeModules,
    /** penalty points per peer, part of its gossipsub score */
    readonly penalties: PeerPenalties,
    /** peers disconnected and refused for a time */
    readonly bans: PeerBans,
  ) {
    const { config, logger, metrics, directory, signer } = modules;
    this.guard = new PeerGuard({
      penalties,
      logger,
      metrics,
      logIntervalMs: REJECT_LOG_INTERVAL_MS,
      isOperator: (peer) => isActive(directory.byPeerId(peer)),
    });
    const topics = [heartbeatTopic as TopicSpec<unknown>, ...(modules.topics ?? [])];
    this.gossip = new Gossip({
      pubsub: libp2p.services.pubsub,
      directory,
      signer,
      topics,
      logger,
      metrics,
      guard: this.guard,
    });
    this.reqresp = new ReqResp({ libp2p, logger, metrics, guard: this.guard, timeoutMs: config.requestTimeoutMs });
    this.discovery = new Discovery(
      {
        libp2p,
        logger,
        metrics,
        wantedPeers: directory.activePeerIds?.bind(directory),
        askForPeers: (peer, signal) => askForPeers(this.reqresp, peer, signal),
      },
      {
        bootstrap: config.bootstrap,
        services: config.services,
        intervalMs: config.discoveryIntervalMs,
        fastIntervalMs: DISCOVERY_FAST_INTERVAL_MS,
        provideIntervalMs: PROVIDE_INTERVAL_MS,
        targetPeers: config.targetPeers,
        queryTimeoutMs: QUERY_TIMEOUT_MS,
        ...modules.discovery,
      },
    );
  }

  /** Who counts on the mesh (operator <-> peer id). */
  get directory(): OperatorDirectory {
    return this.modules.directory;
  }

  /** Builds the libp2p node (not started: no socket is opened here). */
  static async init(modules: P2pNodeModules): Promise<P2pNode> {
    const { config, privateKey, directory } = modules;
    const topicIds = Gossip.topicIds([heartbeatTopic as TopicSpec<unknown>, ...(modules.topics ?? [])]);
    const penalties = new PeerPenalties();
    const bans = new PeerBans({ logger: modules.logger, metrics: modules.metrics, store: modules.store?.bans });
    await bans.load();
    const libp2p = await createLibp2p<KeeperServices>({
      start: false,
      privateKey,
      nodeInfo: { name: AGENT_NAME, version: AGENT_VERSION },
      addresses: { listen: config.listen, announce: config.announce },
      transports: [tcp()],
      connectionEncrypters: [noise({ crypto: keeperNoiseCrypto })],
      streamMuxers: [yamux()],
      connectionMonitor: CONNECTION_MONITOR,
      connectionGater: bans.gater(),
      connectionManager: {
        maxConnections: config.maxConnections,
        inboundConnectionThreshold: config.inboundConnectionThreshold,
        maxIncomingPendingConnections: config.maxIncomingPendingConnections,
      },
      services: {
        identify: identify(),
        ping: ping(),
        dht: kadDHT({
          protocol: DHT_PROTOCOL,
          clientMode: false,
          peerInfoMapper: ADDRESS_MAPPERS[config.dhtAddressScope],
        }),
        pubsub: gossipsub({
          globalSignaturePolicy: "StrictNoSign",
          // the id of a message is its signed content, not its envelope bytes (envelope.ts)
          msgIdFn: gossipMessageId,
          allowPublishToZeroTopicPeers: true,
          fallbackToFloodsub: false,
          doPX: false,
          ...GOSSIP_MESH,
          maxInboundDataLength: MAX_GOSSIP_RPC_BYTES,
          // one RPC, and one message of it, at a time per inbound stream: a peer's messages wait
          // in its own stream (backpressure to the sender), never in an unbounded queue here
          awaitRpcHandler: true,
          awaitRpcMessageHandler: true,
          scoreParams: peerScoreParams({
            directory,
            topicIds,
            penalties,
            loopbackWhitelist: config.loopbackWhitelist,
          }),
          scoreThresholds: SCORE_THRESHOLDS,
        }),
      },
    });
    return new P2pNode(libp2p, modules, penalties, bans);
  }

  get peerId(): PeerId {
    return this.libp2p.peerId;
  }

  get multiaddrs(): string[] {
    return this.libp2p.getMultiaddrs().map((m) => m.toString());
  }

  get peerCount(): number {
    return this.libp2p.getPeers().length;
  }

  async start(): Promise<void> {
    if (this.started) return;
    const { libp2p, modules } = this;
    libp2p.addEventListener("peer:connect", this.onPeerChange);
    libp2p.addEventListener("peer:disconnect", this.onPeerChange);
    libp2p.addEventListener("peer:identify", this.onIdentify);
    await libp2p.start();
    this.guard.start();
    this.gossip.start();
    this.banTimer = setInterval(() => this.banLowScores(), BAN_CHECK_INTERVAL_MS);
    this.banTimer.unref();
    await this.rememberStoredPeers();
    await servePeerExchange(this.reqresp, libp2p);
    this.discovery.start();
    this.started = true;
    modules.logger.info({ peerId: libp2p.peerId.toString(), addrs: this.multiaddrs }, "p2p started");
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const { libp2p } = this;
    if (this.banTimer) clearInterval(this.banTimer);
    await this.discovery.stop();
    await this.reqresp.stop();
    this.gossip.stop();
    this.guard.stop();
    libp2p.removeEventListener("peer:connect", this.onPeerChange);
    libp2p.removeEventListener("peer:disconnect", this.onPeerChange);
    libp2p.removeEventListener("peer:identify", this.onIdentify);
    await libp2p.stop();
    this.modules.metrics.p2pPeers.set(0);
    this.modules.logger.info("p2p stopped");
  }

  /** Dials an address (tests, operators' `bootstrap` additions at runtime). */
  async dial(addr: string, signal?: AbortSignal): Promise<void> {
    await this.libp2p.dial(multiaddr(addr), { signal: signal ?? AbortSignal.timeout(QUERY_TIMEOUT_MS) });
  }

  /** Round-trip time to a connected peer, in ms. */
  async ping(peerId: string, signal?: AbortSignal): Promise<number> {
    return this.libp2p.services.ping.ping(peerIdFromString(peerId), {
      signal: signal ?? AbortSignal.timeout(QUERY_TIMEOUT_MS),
    });
  }

  /**
   * Disconnects and bans every connected peer whose gossipsub score is below BAN_SCORE, or whose
   * penalty points alone pass BAN_PENALTY_POINTS (a peer that never speaks gossipsub has no score).
   */
  private banLowScores(): void {
    const pubsub = this.libp2p.services.pubsub as unknown as { getScore(peer: string): number };
    for (const peer of this.libp2p.getPeers()) {
      const id = peer.toString();
      const score = pubsub.getScore(id);
      const points = this.penalties.points(id);
      // An active operator's keeper is banned on this keeper's own evidence only (penalty points:
      // rejects, refused frames, overruns): gossipsub's score also holds protocol penalties an
      // honest keeper earns by restarting (a GRAFT during a prune backoff, P7), and banning a
      // validator for that cut it off for 10 minutes; its low score still graylists it.
      const registered = isActive(this.modules.directory.byPeerId(id));
      const low = !registered && score < BAN_SCORE;
      if ((!low && points < BAN_PENALTY_POINTS) || this.bans.isBanned(id)) continue;
      void this.bans
        .ban(id, low ? "score" : "penalty", BAN_DURATION_MS, { score: Math.round(score), penalty: Math.round(points) })
        .then(() => this.libp2p.hangUp(peer))
        .catch((err: unknown) =>
          this.modules.logger.debug({ peer: id, err: (err as Error).message }, "hang-up failed"),
        );
    }
  }

  private readonly onPeerChange = (evt: CustomEvent<PeerId>): void => {
    const event = evt.type === "peer:connect" ? "connect" : "disconnect";
    this.modules.metrics.p2pConnectionsTotal.inc({ event });
    this.modules.metrics.p2pPeers.set(this.libp2p.getPeers().length);
    this.modules.logger.debug({ peer: evt.detail.toString(), event }, "peer");
  };

  private readonly onIdentify = (evt: CustomEvent<{ peerId: PeerId; listenAddrs: Array<{ toString(): string }> }>) => {
    const { store, logger } = this.modules;
    if (!store?.isOpen) return;
    const { peerId, listenAddrs } = evt.detail;
    store.peers
      .put(peerId.toString(), { addrs: listenAddrs.map((a) => a.toString()), lastSeenMs: Date.now() })
      .catch((err: unknown) => logger.warn({ err, peer: peerId.toString() }, "could not remember peer"));
  };

  /** Puts peers seen in earlier runs into the peer store so discovery can dial them by id. */
  private async rememberStoredPeers(): Promise<void> {
    const { store, logger } = this.modules;
    if (!store) return;
    const remembered: Array<{ id: string; addrs: string[]; lastSeenMs: number }> = [];
    const stale: string[] = [];
    for await (const [id, peer] of store.peers.entries()) {
      if (Date.now() - peer.lastSeenMs > FORGET_PEERS_AFTER_MS) stale.push(id);
      else remembered.push({ id, ...peer });
    }
    // Everyone ever seen would otherwise accumulate, unregistered peers included.
    if (stale.length > 0) await store.peers.batch(stale.map((key) => ({ type: "del", key })));
    remembered.sort((a, b) => b.lastSeenMs - a.lastSeenMs);
    const chosen = remembered.slice(0, MAX_REMEMBERED_PEERS_TO_DIAL);
    for (const peer of chosen) {
      try {
        await this.libp2p.peerStore.merge(peerIdFromString(peer.id), {
          multiaddrs: peer.addrs.map((a) => multiaddr(a)),
        });
      } catch (err) {
        logger.debug({ peer: peer.id, err: (err as Error).message }, "ignoring unusable stored peer");
      }
    }
    this.discovery.rememberedPeers = chosen.map((p) => p.id);
  }
}
