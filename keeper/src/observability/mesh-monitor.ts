// Open Observability: what this keeper sees of the mesh. Every heartbeat feeds a phi-accrual
// failure detector; a libp2p ping to one peer per heartbeat interval (round robin) measures
// round-trip times; each heartbeat carries the sender's own median RTTs, so every keeper can draw
// the whole latency matrix. Heartbeats received per operator per epoch are the receipts the uptime
// part certifies (checkpoint/parts/uptime-part.ts). Served as /mesh and in /metrics.
import type { Logger } from "./logger.js";
import type { KeeperMetrics } from "./metrics.js";
import { FailureDetector, type PhiAccrualOptions } from "./phi-accrual.js";
import { LatencyWindow, median } from "./latency.js";

export interface MeshMonitorOptions {
  /** this keeper's operator */
  self: string;
  /** heartbeat interval (ms): the detector's expected interval and the ping cadence */
  intervalMs: number;
  metrics?: KeeperMetrics;
  logger?: Logger;
  detector?: Omit<PhiAccrualOptions, "now" | "firstIntervalMs">;
  now?: () => number;
}

/** Late-bound access to the mesh (the p2p node exists after the monitor). */
export interface MeshAccess {
  /** RTT in ms to the keeper of `operator` (rejects when it cannot be reached) */
  ping(operator: string): Promise<number>;
  /** operators this keeper should watch (active ones with a known peer), lowercase */
  peers(): string[];
}

interface PeerStats {
  latency: LatencyWindow;
  pingsOk: number;
  pingsFailed: number;
  suspicions: number;
  heartbeats: number;
  /** the peer's own median RTT to others, from its last heartbeat */
  row: Map<string, number>;
}

export interface MeshPeerView {
  operator: string;
  phi: number;
  suspected: boolean;
  lastHeardMsAgo: number | null;
  rttMs: { p50: number | null; p99: number | null; samples: number };
  pings: { ok: number; failed: number };
  /** failed / attempted pings (null before any) */
  failureRate: number | null;
  suspicions: number;
  heartbeats: number;
}

export interface MeshView {
  self: string;
  heartbeatIntervalMs: number;
  phiThreshold: number;
  peers: MeshPeerView[];
  /** median RTT of this keeper's peers (ms), null before any sample */
  medianRttMs: number | null;
  /** from -> to -> median RTT (ms): this keeper's row and each peer's as its heartbeats report it */
  latencyMs: Record<string, Record<string, number>>;
  /** last Proof-of-Resource result per operator (filled by the PoR module when it runs) */
  por: Record<string, unknown>;
  /** the latest certified uptime (uptime checkpoint part): epoch and basis points per operator */
  uptime: { epoch: string; bps: Record<string, number> } | null;
}

/** Receipts of one epoch: heartbeats received per operator since the epoch began here. */
interface EpochReceipts {
  epoch: bigint;
  startedAtMs: number;
  endedAtMs?: number;
  received: Map<string, number>;
}

export class MeshMonitor {
  readonly detector: FailureDetector;
  private readonly stats = new Map<string, PeerStats>();
  private readonly por = new Map<string, unknown>();
  private certifiedUptime: MeshView["uptime"] = null;
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  private access?: MeshAccess;
  private turn = 0;
  private receipts: EpochReceipts | undefined;
  private readonly closed = new Map<bigint, EpochReceipts>();

  constructor(private readonly o: MeshMonitorOptions) {
    this.now = o.now ?? Date.now;
    this.detector = new FailureDetector({ ...o.detector, firstIntervalMs: o.intervalMs, now: this.now });
    this.detector.on("suspect", (peer, phi) => {
      this.peer(peer).suspicions++;
      o.metrics?.meshSuspicionsTotal.inc({ peer });
      o.logger?.warn({ peer, phi: Number(phi.toFixed(1)) }, "peer suspected (phi over threshold)");
    });
    this.detector.on("recover", (peer) => o.logger?.info({ peer }, "suspected peer heard again"));
  }

  get self(): string {
    return this.o.self.toLowerCase();
  }

  /** Starts the detector checks and pings (one peer per interval, in turn). */
  start(access: MeshAccess): void {
    this.access = access;
    this.timer = setInterval(() => this.tick(), this.o.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A heartbeat from `operator` (checked by the gossip layer), with the RTT row it reports. */
  onHeartbeat(operator: string, rttMs?: ReadonlyArray<readonly [string, number]>): void {
    const peer = operator.toLowerCase();
    if (peer === this.self) return;
    this.detector.heartbeat(peer);
    const s = this.peer(peer);
    s.heartbeats++;
    if (rttMs) s.row = new Map(rttMs.map(([to, ms]) => [to.toLowerCase(), ms]));
    this.o.metrics?.meshHeartbeatsTotal.inc({ peer });
    if (this.receipts) this.receipts.received.set(peer, (this.receipts.received.get(peer) ?? 0) + 1);
  }

  isSuspected(operator: string): boolean {
    return this.detector.isSuspected(operator.toLowerCase());
  }

  /** suspect: phi crossed the threshold; recover: heard again. Returns the unsubscribe. */
  on(event: "suspect" | "recover", fn: (operator: string, phi: number) => void): () => void {
    return this.detector.on(event, fn);
  }

  /** This keeper's median RTT per peer, for its heartbeat (bounded: the heartbeat is small). */
  rttRow(max = 64): Array<[string, number]> {
    const row: Array<[string, number]> = [];
    for (const [peer, s] of this.stats) {
      const p50 = s.latency.quantile(50);
      if (p50 !== null && row.length < max) row.push([peer, Math.round(p50)]);
    }
    return row;
  }

  /** The PoR module records each operator's last result here (shown in /mesh). */
  setPor(operator: string, result: unknown): void {
    this.por.set(operator.toLowerCase(), result);
  }

  /** The uptime part records each newly certified epoch here (shown in /mesh). */
  setCertifiedUptime(epoch: bigint, bps: ReadonlyMap<string, number>): void {
    if (this.certifiedUptime && BigInt(this.certifiedUptime.epoch) >= epoch) return;
    this.certifiedUptime = { epoch: epoch.toString(), bps: Object.fromEntries(bps) };
  }

  // ---- uptime receipts ----

  /** The consensus epoch `epoch` began (seen here now): closes the previous epoch's receipts. */
  beginEpoch(epoch: bigint): void {
    if (this.receipts && this.receipts.epoch >= epoch) return;
    const at = this.now();
    if (this.receipts) {
      this.receipts.endedAtMs = at;
      this.closed.set(this.receipts.epoch, this.receipts);
      for (const e of this.closed.keys()) if (e < epoch - 4n) this.closed.delete(e);
    }
    this.receipts = { epoch, startedAtMs: at, received: new Map() };
  }

  /**
   * Heartbeats answered in a closed epoch, per operator heard or watched, in basis points of the
   * heartbeats the epoch's length (as this keeper saw it) allowed. Undefined until the epoch closed,
   * and for a window too short to say anything (under 2 intervals: e.g. epochs replayed at a restart).
   */
  uptimeReceipts(epoch: bigint): Array<[string, number]> | undefined {
    const r = this.closed.get(epoch);
    if (!r || r.endedAtMs === undefined) return undefined;
    const expected = Math.floor((r.endedAtMs - r.startedAtMs) / this.o.intervalMs);
    if (expected < 2) return undefined;
    const operators = new Set([...r.received.keys(), ...(this.access?.peers() ?? [])]);
    operators.delete(this.self);
    return [...operators]
      .sort()
      .map((op) => [op, Math.min(10_000, Math.floor(((r.received.get(op) ?? 0) * 10_000) / expected))]);
  }

  // ---- view ----

  view(): MeshView {
    const now = this.now();
    const peers = [...new Set([...this.stats.keys(), ...(this.access?.peers() ?? [])])]
      .filter((p) => p !== this.self)
      .sort();
    const latencyMs: Record<string, Record<string, number>> = { [this.self]: Object.fromEntries(this.rttRow()) };
    const views = peers.map((operator): MeshPeerView => {
      const s = this.peer(operator);
      const last = this.detector.stats(operator)?.lastMs;
      const attempted = s.pingsOk + s.pingsFailed;
      if (s.row.size > 0) latencyMs[operator] = Object.fromEntries(s.row);
      return {
        operator,
        phi: Number(this.detector.phi(operator).toFixed(3)),
        suspected: this.detector.isSuspected(operator),
        lastHeardMsAgo: last === undefined ? null : now - last,
        rttMs: { p50: s.latency.quantile(50), p99: s.latency.quantile(99), samples: s.latency.count },
        pings: { ok: s.pingsOk, failed: s.pingsFailed },
        failureRate: attempted === 0 ? null : s.pingsFailed / attempted,
        suspicions: s.suspicions,
        heartbeats: s.heartbeats,
      };
    });
    const p50s = views.map((v) => v.rttMs.p50).filter((x): x is number => x !== null);
    return {
      self: this.self,
      heartbeatIntervalMs: this.o.intervalMs,
      phiThreshold: this.detector.threshold,
      peers: views,
      medianRttMs: median(p50s),
      latencyMs,
      por: Object.fromEntries(this.por),
      uptime: this.certifiedUptime,
    };
  }

  // ---- internals ----

  private peer(operator: string): PeerStats {
    let s = this.stats.get(operator);
    if (!s) {
      s = { latency: new LatencyWindow(), pingsOk: 0, pingsFailed: 0, suspicions: 0, heartbeats: 0, row: new Map() };
      this.stats.set(operator, s);
    }
    return s;
  }

  private tick(): void {
    this.detector.check();
    const m = this.o.metrics;
    let suspected = 0;
    for (const peer of this.detector.peers()) {
      const phi = this.detector.phi(peer);
      m?.meshPhi.set({ peer }, Number.isFinite(phi) ? phi : 1e9);
      if (phi >= this.detector.threshold) suspected++;
    }
    m?.meshSuspectedPeers.set(suspected);
    const peers = (this.access?.peers() ?? []).filter((p) => p !== this.self);
    if (peers.length === 0 || !this.access) return;
    const peer = peers[this.turn++ % peers.length]!;
    this.access.ping(peer).then(
      (ms) => {
        const s = this.peer(peer);
        s.pingsOk++;
        s.latency.add(ms);
        m?.meshRttSeconds.observe({ peer }, ms / 1000);
        m?.meshPingsTotal.inc({ peer, result: "ok" });
      },
      () => {
        this.peer(peer).pingsFailed++;
        m?.meshPingsTotal.inc({ peer, result: "failed" });
      },
    );
  }
}
