// Application-level penalty points per peer, fed into gossipsub's app-specific score (score.ts).
// gossipsub's own P4 counts messages a validator REJECTs (provably invalid); this counts what is
// useless but not provably malicious on its own: stale consensus messages (a height well behind),
// pushes refused, requests over a rate limit. One such message costs little; a flood of them drives
// the peer's score through the graylist and ban thresholds within seconds. Points decay
// exponentially, so an honest peer that sent a few stale messages while catching up recovers.

export interface PenaltyOptions {
  /** points halve every this many ms */
  halfLifeMs: number;
  /** a peer's points never exceed this (the score stays finite and recovers in bounded time) */
  maxPoints: number;
  /** peers tracked at once; the least recently penalised are forgotten beyond it */
  maxPeers: number;
}

export const DEFAULT_PENALTY_OPTIONS: PenaltyOptions = { halfLifeMs: 10_000, maxPoints: 10_000, maxPeers: 4096 };

interface Entry {
  points: number;
  atMs: number;
}

export class PeerPenalties {
  private readonly peers = new Map<string, Entry>();
  private readonly opts: PenaltyOptions;

  constructor(
    opts: Partial<PenaltyOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.opts = { ...DEFAULT_PENALTY_OPTIONS, ...opts };
  }

  /** Adds `points` (> 0) to the peer's penalty. */
  add(peer: string, points: number): void {
    const now = this.now();
    const current = this.decayed(this.peers.get(peer), now);
    this.peers.delete(peer); // re-insert: Map order is least recently penalised first
    this.peers.set(peer, { points: Math.min(this.opts.maxPoints, current + points), atMs: now });
    if (this.peers.size > this.opts.maxPeers) {
      const oldest = this.peers.keys().next();
      if (!oldest.done) this.peers.delete(oldest.value);
    }
  }

  /** The peer's current points (0 when unknown). */
  points(peer: string): number {
    const entry = this.peers.get(peer);
    if (!entry) return 0;
    const points = this.decayed(entry, this.now());
    if (points < 0.01) this.peers.delete(peer);
    return points;
  }

  forget(peer: string): void {
    this.peers.delete(peer);
  }

  private decayed(entry: Entry | undefined, now: number): number {
    if (!entry) return 0;
    return entry.points * Math.pow(0.5, Math.max(0, now - entry.atMs) / this.opts.halfLifeMs);
  }
}
