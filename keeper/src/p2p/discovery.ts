// Service discovery over the Kademlia DHT. A keeper offering service <name> provides the CID of
// "dsmp/service/<name>" (raw codec, sha2-256); others find it with findProviders. The loop here
// keeps the keeper connected: dial bootstrap peers, (re)provide our services, find keepers and
// dial the ones we are not connected to, until `targetPeers` or every wanted peer is connected.
import type { KadDHT } from "@libp2p/kad-dht";
import type { Libp2p, PeerId, PeerInfo } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import type { Logger } from "../observability/logger.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import type { ExchangedPeer } from "./peer-exchange.js";

export const KEEPER_SERVICE = "keeper";

export async function serviceCid(name: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`dsmp/service/${name}`)));
}

export interface DiscoveryOptions {
  bootstrap: string[];
  services: string[];
  /** steady-state interval between discovery rounds */
  intervalMs: number;
  /**
   * interval while not yet provided / not connected (start-up); doubles after every such round
   * up to `intervalMs`, so a DHT that keeps failing (a loaded mesh) is not hammered
   */
  fastIntervalMs: number;
  /** re-provide records this often (DHT provider records expire) */
  provideIntervalMs: number;
  /** stop dialling discovered keepers past this many connections */
  targetPeers: number;
  /** timeout of one DHT query or dial */
  queryTimeoutMs: number;
}

export interface DiscoveryModules {
  libp2p: Libp2p<{ dht: KadDHT }>;
  logger: Logger;
  metrics: KeeperMetrics;
  /**
   * The peers worth finding (the active operators' peer ids, from the chain). When every one of
   * them is connected, a round skips the DHT search: in a validator set smaller than `targetPeers`
   * it would otherwise query the DHT every round forever (measured: ~10% of a keeper's CPU at 32
   * keepers with 5 s rounds). Without it, or while it is empty, rounds search as before.
   */
  wantedPeers?: () => string[];
  /** asks a connected peer for the peers it is connected to (peer-exchange.ts) */
  askForPeers?: (peer: PeerId, signal: AbortSignal) => Promise<ExchangedPeer[]>;
}

export class Discovery {
  private timer?: ReturnType<typeof setTimeout>;
  private controller?: AbortController;
  private running?: Promise<void>;
  private lastProvidedAt = 0;
  private exchangeTurn = 0;
  /** rounds in a row that ended unsettled (not provided, or no peer) */
  private unsettledRounds = 0;
  /** peers from earlier runs, dialled once in the first round */
  rememberedPeers: string[] = [];

  constructor(
    private readonly modules: DiscoveryModules,
    private readonly opts: DiscoveryOptions,
  ) {}

  start(): void {
    this.controller = new AbortController();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.controller?.abort();
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.controller?.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.running = this.round(this.controller!.signal)
        .catch((err: unknown) => this.modules.logger.warn({ err }, "discovery round failed"))
        .finally(() => {
          const settled = this.lastProvidedAt > 0 && this.modules.libp2p.getPeers().length > 0;
          this.unsettledRounds = settled ? 0 : this.unsettledRounds + 1;
          this.schedule(this.nextDelayMs(settled));
        });
    }, delayMs);
  }

  /**
   * Fast rounds at start-up, backing off (x2 per unsettled round) to the steady interval: when
   * provides keep failing under load, rounds every fastIntervalMs made every keeper run DHT
   * queries several times a second, which kept the mesh loaded and the provides failing (32
   * keepers on 2 cores: 561 failed provides in a run, CPU per height tripled).
   */
  nextDelayMs(settled: boolean): number {
    if (settled) return this.opts.intervalMs;
    const backoff = this.opts.fastIntervalMs * 2 ** Math.min(this.unsettledRounds - 1, 20);
    return Math.min(this.opts.intervalMs, Math.max(this.opts.fastIntervalMs, backoff));
  }

  /** One round: bootstrap, provide if due, ask a neighbour for wanted peers, find keepers and connect. */
  async round(signal: AbortSignal): Promise<void> {
    await Promise.all([this.dialBootstrap(signal), this.dialRemembered(signal)]);
    if (Date.now() - this.lastProvidedAt >= this.opts.provideIntervalMs) await this.provideAll(signal);
    if (this.modules.libp2p.getPeers().length >= this.opts.targetPeers) return;
    if (this.missingWantedPeers()) await this.exchangePeers(signal);
    if (this.missingWantedPeers()) await this.connectToService(KEEPER_SERVICE, signal);
  }

  /**
   * Asks one connected peer (a different one each round) for its peers and dials the wanted ones
   * not connected yet, at the addresses it gives: the peer id is checked by the handshake, so a
   * wrong address only fails the dial. Only with a list of wanted peers.
   */
  async exchangePeers(signal: AbortSignal): Promise<number> {
    const { libp2p, logger, askForPeers } = this.modules;
    const connected = libp2p.getPeers();
    const missing = new Set(this.missingWanted());
    if (!askForPeers || connected.length === 0 || missing.size === 0) return 0;
    const neighbour = connected[this.exchangeTurn++ % connected.length]!;
    let peers: ExchangedPeer[];
    try {
      peers = await askForPeers(neighbour, this.querySignal(signal));
    } catch (err) {
      logger.debug({ peer: neighbour.toString(), err: (err as Error).message }, "peer exchange failed");
      return 0;
    }
    const toDial = peers.filter((p) => missing.has(p.id));
    const dialled = await Promise.allSettled(
      toDial.map(async (p) => {
        const id = peerIdFromString(p.id);
        await libp2p.peerStore.merge(id, { multiaddrs: p.addrs.map((a) => multiaddr(a)) });
        await libp2p.dial(id, { signal: this.querySignal(signal) });
      }),
    );
    const ok = dialled.filter((r) => r.status === "fulfilled").length;
    if (toDial.length > 0) {
      logger.info({ from: neighbour.toString(), missing: missing.size, dialled: ok }, "connected to exchanged peers");
    }
    return ok;
  }

  /** Whether some wanted peer is not connected (true when nothing says which peers are wanted). */
  private missingWantedPeers(): boolean {
    return (this.modules.wantedPeers?.() ?? []).length === 0 || this.missingWanted().length > 0;
  }

  /** The wanted peers (active operators) this keeper is not connected to; none without a list. */
  missingWanted(): string[] {
    const { libp2p, wantedPeers } = this.modules;
    const have = new Set([libp2p.peerId.toString(), ...libp2p.getPeers().map((p) => p.toString())]);
    return (wantedPeers?.() ?? []).filter((id) => !have.has(id));
  }

  private querySignal(signal: AbortSignal): AbortSignal {
    return AbortSignal.any([signal, AbortSignal.timeout(this.opts.queryTimeoutMs)]);
  }

  private async dialBootstrap(signal: AbortSignal): Promise<void> {
    const { libp2p, logger } = this.modules;
    const connected = new Set(libp2p.getPeers().map((p) => p.toString()));
    await Promise.all(
      this.opts.bootstrap.map(async (addr) => {
        const ma = multiaddr(addr);
        const peer = ma.getComponents().findLast((c) => c.name === "p2p")?.value;
        if (peer === undefined || connected.has(peer) || peer === libp2p.peerId.toString()) return;
        try {
          await libp2p.dial(ma, { signal: this.querySignal(signal) });
          logger.info({ peer, addr }, "connected to bootstrap peer");
        } catch (err) {
          logger.warn({ peer, addr, err: (err as Error).message }, "bootstrap dial failed");
        }
      }),
    );
  }

  private async dialRemembered(signal: AbortSignal): Promise<void> {
    const peers = this.rememberedPeers;
    this.rememberedPeers = [];
    const { libp2p, logger } = this.modules;
    const results = await Promise.allSettled(
      peers.map((id) => libp2p.dial(peerIdFromString(id), { signal: this.querySignal(signal) })),
    );
    const ok = results.filter((r) => r.status === "fulfilled").length;
    if (peers.length > 0) logger.info({ remembered: peers.length, connected: ok }, "redialled peers from the store");
  }

  /** Provides every configured service; a failure is retried next round. */
  async provideAll(signal: AbortSignal): Promise<void> {
    if (this.modules.libp2p.getPeers().length === 0) return; // nobody to store the record
    const results = await Promise.allSettled(this.opts.services.map((s) => this.provide(s, signal)));
    const failed = results.filter((r) => r.status === "rejected");
    if (failed.length === 0) this.lastProvidedAt = Date.now();
  }

  async provide(service: string, signal: AbortSignal): Promise<void> {
    const { libp2p, metrics, logger } = this.modules;
    try {
      await libp2p.contentRouting.provide(await serviceCid(service), { signal: this.querySignal(signal) });
      metrics.dhtOperationsTotal.inc({ op: "provide", result: "ok" });
      logger.debug({ service }, "service provided");
    } catch (err) {
      metrics.dhtOperationsTotal.inc({ op: "provide", result: "error" });
      logger.debug({ service, err: (err as Error).message }, "service provide failed");
      throw err;
    }
  }

  /** Peers (other than us) providing `service`, as the DHT returns them. */
  async findByService(service: string, opts: { signal?: AbortSignal; limit?: number } = {}): Promise<PeerInfo[]> {
    const { libp2p, metrics } = this.modules;
    const self = libp2p.peerId.toString();
    const found = new Map<string, PeerInfo>();
    const signal = this.querySignal(opts.signal ?? new AbortController().signal);
    try {
      for await (const info of libp2p.contentRouting.findProviders(await serviceCid(service), { signal })) {
        if (info.id.toString() === self) continue;
        found.set(info.id.toString(), info);
        if (opts.limit !== undefined && found.size >= opts.limit) break;
      }
      metrics.dhtOperationsTotal.inc({ op: "find", result: "ok" });
    } catch (err) {
      metrics.dhtOperationsTotal.inc({ op: "find", result: "error" });
      // What was found before the query ended still counts (a timeout ends every long query).
      if (found.size === 0) throw err;
    }
    return [...found.values()];
  }

  /** Finds providers of `service` and dials those we are not connected to. */
  async connectToService(service: string, signal: AbortSignal): Promise<number> {
    const { libp2p, logger } = this.modules;
    let providers: PeerInfo[];
    try {
      providers = await this.findByService(service, { signal });
    } catch (err) {
      logger.debug({ service, err: (err as Error).message }, "find providers failed");
      return 0;
    }
    const connected = new Set(libp2p.getPeers().map((p) => p.toString()));
    const toDial = providers
      .filter((p) => !connected.has(p.id.toString()))
      .slice(0, Math.max(0, this.opts.targetPeers - connected.size));
    const dialled = await Promise.allSettled(
      toDial.map(async (p) => {
        if (p.multiaddrs.length > 0) await libp2p.peerStore.merge(p.id, { multiaddrs: p.multiaddrs });
        await libp2p.dial(p.id, { signal: this.querySignal(signal) });
      }),
    );
    const ok = dialled.filter((r) => r.status === "fulfilled").length;
    if (toDial.length > 0)
      logger.info({ service, found: providers.length, dialled: ok }, "connected to discovered peers");
    return ok;
  }
}
