// The phi-accrual failure detector (Hayashibara, Défago, Yared, Katayama, "The phi accrual failure
// detector", SRDS 2004). Instead of a yes/no timeout it outputs a suspicion level
//   phi(t) = -log10(P(a heartbeat arrives later than t since the last one))
// from the distribution of recent inter-arrival times (taken as normal). phi = 8 means the silence
// would happen by chance once in 10^8 heartbeats. The normal tail uses the logistic approximation
// of the normal CDF (max error ~1e-4), which stays finite far into the tail.

export interface PhiAccrualOptions {
  /** suspicion threshold (default 8) */
  threshold?: number;
  /** inter-arrival samples kept per peer (default 100) */
  windowSize?: number;
  /** floor of the standard deviation: perfectly regular heartbeats must not make a jitter fatal (default 250 ms) */
  minStdDevMs?: number;
  /** silence tolerated on top of the distribution, e.g. for GC pauses (default 0) */
  acceptablePauseMs?: number;
  /** expected interval before any sample (the heartbeat interval, default 1000 ms) */
  firstIntervalMs?: number;
  /**
   * pseudo-samples every window starts with, half at 3/4 and half at 5/4 of firstIntervalMs (mean
   * the interval, deviation a quarter of it; default 16, even). Akka seeds two: then a young window
   * (a peer just heard, or heard again after a suspicion) is mostly its first few real gaps, and a
   * few bunched ones (a busy observer, a mesh forming) gave a deviation of ~500 ms and a detection
   * after 3.5 s instead of 2.3 s (the reassignment bench's slow kills). Sixteen keep a young window
   * near the configured interval until real samples outweigh them (displaced after windowSize).
   */
  seedSamples?: number;
  /**
   * longest inter-arrival recorded (default 2 x firstIntervalMs): a longer gap (a stall, a lost
   * heartbeat, a restart not long enough to be suspected everywhere) is not a sample. Kept, a few
   * such gaps raise mean and deviation for the next ~100 heartbeats and so delay the next detection
   * of that peer from ~2 s to 4-5 s (measured in the reassignment bench, docs/tasks.md). Cassandra's
   * detector drops long intervals the same way. The heartbeat interval is network-wide, so an
   * honest peer's gaps are near it.
   */
  maxSampleMs?: number;
  /**
   * shortest inter-arrival recorded (default firstIntervalMs / 4): heartbeats handled in a bunch (an
   * observer whose event loop was blocked, a mesh delivering a backlog) are not the sender's rhythm.
   * The long gap before such a bunch is already dropped (maxSampleMs); keeping the near-zero gaps
   * after it pulled a restarted keeper's windows to a mean of 500-900 ms and a deviation of 400-500 ms,
   * so it detected a peer's death after 3-4 s (the reassignment bench's slow kills, docs/tasks.md).
   */
  minSampleMs?: number;
  /** the clock (a virtual one in tests) */
  now?: () => number;
}

/** Inter-arrival statistics of one peer over a sliding window (running sums: O(1) per heartbeat). */
class ArrivalWindow {
  private readonly samples: number[] = [];
  private next = 0;
  private sum = 0;
  private sumSq = 0;
  last: number;

  /** true until the first real heartbeat when the window was opened by `expect`, not by a heartbeat */
  expected = false;

  constructor(
    private readonly size: number,
    at: number,
    firstIntervalMs: number,
    seedSamples: number,
  ) {
    this.last = at;
    // seeded as if heartbeats had come at the expected interval, spread by a quarter of it
    for (let i = 0; i < seedSamples; i++) this.add(firstIntervalMs + ((i % 2 === 0 ? -1 : 1) * firstIntervalMs) / 4);
  }

  add(interval: number): void {
    if (this.samples.length < this.size) this.samples.push(interval);
    else {
      const old = this.samples[this.next]!;
      this.sum -= old;
      this.sumSq -= old * old;
      this.samples[this.next] = interval;
      this.next = (this.next + 1) % this.size;
    }
    this.sum += interval;
    this.sumSq += interval * interval;
  }

  get mean(): number {
    return this.sum / this.samples.length;
  }

  get stdDev(): number {
    const m = this.mean;
    return Math.sqrt(Math.max(0, this.sumSq / this.samples.length - m * m));
  }
}

/** -log10(1 - F(elapsed)) for a normal F(mean, std): the phi of the paper. */
export function phiOf(elapsedMs: number, meanMs: number, stdDevMs: number): number {
  const y = (elapsedMs - meanMs) / stdDevMs;
  const exponent = y * (1.5976 + 0.070566 * y * y);
  const e = Math.exp(-exponent);
  // 1 - F(y) = e / (1 + e) in the logistic approximation; past the mean, -log10 of it is taken in
  // log space so that it stays finite where e underflows
  return elapsedMs > meanMs ? exponent / Math.LN10 + Math.log10(1 + e) : -Math.log10(1 - 1 / (1 + e));
}

type Listener = (peer: string, phi: number) => void;

/** Per-peer phi-accrual detection with suspect / recover events (fired by `check` and `heartbeat`). */
export class FailureDetector {
  readonly threshold: number;
  private readonly windows = new Map<string, ArrivalWindow>();
  private readonly suspected = new Set<string>();
  private readonly listeners = { suspect: new Set<Listener>(), recover: new Set<Listener>() };
  private readonly o: Required<Omit<PhiAccrualOptions, "threshold">>;

  constructor(opts: PhiAccrualOptions = {}) {
    this.threshold = opts.threshold ?? 8;
    this.o = {
      windowSize: opts.windowSize ?? 100,
      minStdDevMs: opts.minStdDevMs ?? 250,
      acceptablePauseMs: opts.acceptablePauseMs ?? 0,
      firstIntervalMs: opts.firstIntervalMs ?? 1000,
      maxSampleMs: opts.maxSampleMs ?? 2 * (opts.firstIntervalMs ?? 1000),
      minSampleMs: opts.minSampleMs ?? (opts.firstIntervalMs ?? 1000) / 4,
      seedSamples: Math.max(2, 2 * Math.round((opts.seedSamples ?? 16) / 2)),
      now: opts.now ?? Date.now,
    };
  }

  /** A heartbeat of `peer` arrived now. */
  heartbeat(peer: string): void {
    const now = this.o.now();
    const w = this.windows.get(peer);
    // A peer heard again after phi crossed the threshold (a crash and restart, a partition) starts a
    // fresh window: its silence was a failure, not an inter-arrival sample, and kept in the window
    // it would inflate mean and deviation and delay the next detection of that peer by many seconds.
    if (!w || (now > w.last && this.phi(peer) >= this.threshold)) {
      this.windows.set(peer, this.newWindow(now));
    } else if (w.expected) {
      // the first heartbeat after `expect` ends a wait of our choosing, not an inter-arrival
      w.expected = false;
      w.last = now;
    } else if (now > w.last) {
      const gap = now - w.last;
      if (gap <= this.o.maxSampleMs && gap >= this.o.minSampleMs) w.add(gap);
      w.last = now;
    }
    if (this.suspected.has(peer) && this.phi(peer) < this.threshold) {
      this.suspected.delete(peer);
      for (const fn of this.listeners.recover) fn(peer, this.phi(peer));
    }
  }

  /**
   * Starts monitoring a peer this keeper should hear (a member of the validator set) as if it would
   * send a heartbeat one interval from now, unless it is monitored already: Akka's expected first
   * heartbeat (after its HeartbeatExpectedResponseAfter, the interval that lets a mesh still forming
   * deliver one). A peer never heard is otherwise never suspected, so a member that this keeper's
   * mesh never delivered (or one down since before this keeper started) held its tasks until the
   * slower recent-commit rule passed it over (3.4 s in the bench). Suspected ~3.3 s after this call.
   */
  expect(peer: string): void {
    if (this.windows.has(peer)) return;
    const w = this.newWindow(this.o.now() + this.o.firstIntervalMs);
    w.expected = true;
    this.windows.set(peer, w);
  }

  private newWindow(at: number): ArrivalWindow {
    return new ArrivalWindow(this.o.windowSize, at, this.o.firstIntervalMs, this.o.seedSamples);
  }

  /** Suspicion level of `peer` now; 0 for a peer never heard. */
  phi(peer: string): number {
    const w = this.windows.get(peer);
    if (!w) return 0;
    const elapsed = this.o.now() - w.last;
    return phiOf(elapsed, w.mean + this.o.acceptablePauseMs, Math.max(w.stdDev, this.o.minStdDevMs));
  }

  isSuspected(peer: string): boolean {
    return this.windows.has(peer) && this.phi(peer) >= this.threshold;
  }

  /** Fires `suspect` for every peer that crossed the threshold since the last check (call it on a timer). */
  check(): void {
    for (const peer of this.windows.keys()) {
      const phi = this.phi(peer);
      if (phi >= this.threshold && !this.suspected.has(peer)) {
        this.suspected.add(peer);
        for (const fn of this.listeners.suspect) fn(peer, phi);
      }
    }
  }

  on(event: "suspect" | "recover", fn: Listener): () => void {
    this.listeners[event].add(fn);
    return () => this.listeners[event].delete(fn);
  }

  /** Peers ever heard (and not forgotten). */
  peers(): string[] {
    return [...this.windows.keys()];
  }

  /** Mean and standard deviation of a peer's inter-arrival times (ms), for /mesh; undefined if never heard. */
  stats(peer: string): { meanMs: number; stdDevMs: number; lastMs: number } | undefined {
    const w = this.windows.get(peer);
    // a peer only expected was never heard: no statistics (/mesh shows it as never heard)
    return w && !w.expected ? { meanMs: w.mean, stdDevMs: w.stdDev, lastMs: w.last } : undefined;
  }

  forget(peer: string): void {
    this.windows.delete(peer);
    this.suspected.delete(peer);
  }
}
