// Log lines for rejected input, bounded. A peer can send hundreds of thousands of bad frames a
// minute; one warn line each filled 113 MB of log in 30 s (issue 16). Here the first rejection of
// each (peer, kind) in an interval is logged as it happens, with its details; the rest are only
// counted, and once the interval ends one summary line per peer gives the counts. At most
// (kinds + 1) lines per peer per interval, whatever the peer sends.
import type { Logger } from "../observability/logger.js";

interface PeerCounts {
  /** kinds already logged this interval */
  logged: Set<string>;
  /** rejections not logged one by one, by kind */
  suppressed: Map<string, number>;
}

export class RejectLog {
  private peers = new Map<string, PeerCounts>();
  private timer?: NodeJS.Timeout;
  /** lines not written (for metrics and tests) */
  suppressedTotal = 0;

  constructor(
    private readonly logger: Logger,
    readonly intervalMs = 10_000,
    /** peers tracked per interval; rejections from further peers are counted under "other peers" */
    private readonly maxPeers = 1024,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }

  /** A rejection of `kind` (e.g. "gossip/non-canonical") from `peer`; `fields` go on the line if it is logged. */
  note(
    peer: string,
    kind: string,
    message: string,
    fields: Record<string, unknown> = {},
    level: "warn" | "debug" = "warn",
  ): void {
    let p = this.peers.get(peer);
    if (p === undefined) {
      if (this.peers.size >= this.maxPeers) peer = "other peers";
      p = this.peers.get(peer) ?? { logged: new Set(), suppressed: new Map() };
      this.peers.set(peer, p);
    }
    if (!p.logged.has(kind)) {
      p.logged.add(kind);
      this.logger[level]({ peer, kind, ...fields }, message);
      return;
    }
    p.suppressed.set(kind, (p.suppressed.get(kind) ?? 0) + 1);
    this.suppressedTotal++;
  }

  /** One summary line per peer with suppressed rejections, then a fresh interval. */
  flush(): void {
    const peers = this.peers;
    this.peers = new Map();
    for (const [peer, p] of peers) {
      if (p.suppressed.size === 0) continue;
      let total = 0;
      for (const n of p.suppressed.values()) total += n;
      this.logger.warn(
        { peer, total, counts: Object.fromEntries(p.suppressed), intervalMs: this.intervalMs },
        "rejected input from peer (summary)",
      );
    }
  }
}
