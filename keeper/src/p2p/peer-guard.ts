// What every inbound path (gossip, push, request/response) does with a peer's input before and
// after handling it: a rate limit per peer and protocol, and for input refused, a counter, a
// bounded log line (reject-log.ts) and penalty points that lower the peer's score (penalties.ts),
// which ends in a ban (bans.ts) when it goes on.
import type { Logger } from "../observability/logger.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import type { PeerPenalties } from "./penalties.js";
import { BAN_PENALTY_POINTS } from "./options.js";
import { PeerRateLimiter, type RateLimit } from "./rate-limit.js";
import { RejectLog } from "./reject-log.js";

export interface PeerGuardModules {
  penalties: PeerPenalties;
  logger: Logger;
  metrics: KeeperMetrics;
  /** interval of the rejected-input summary lines */
  logIntervalMs?: number;
  /** whether the peer runs an active operator's keeper (its overruns are refused, not penalised) */
  isOperator?: (peer: string) => boolean;
}

export class PeerGuard {
  readonly rejects: RejectLog;
  private readonly limiter = new PeerRateLimiter();

  constructor(private readonly m: PeerGuardModules) {
    this.rejects = new RejectLog(m.logger, m.logIntervalMs);
  }

  get penalties(): PeerPenalties {
    return this.m.penalties;
  }

  start(): void {
    this.rejects.start();
  }

  stop(): void {
    this.rejects.stop();
  }

  /**
   * Takes one message of `bytes` from the peer's budget on `protocol`. Over the limit: counted,
   * noted (bounded log), `penalty` points, and false (the caller drops the input).
   */
  allow(peer: string, protocol: string, limit: RateLimit, bytes: number, penalty: number): boolean {
    // a peer with ban-level points is banned at the next check (p2p-node.ts): until then, nothing
    // it sends is parsed or verified
    if (this.m.penalties.points(peer) >= BAN_PENALTY_POINTS) {
      this.m.metrics.p2pRejectedInputTotal.inc({ kind: "ban-pending" });
      return false;
    }
    if (this.limiter.allow(peer, protocol, limit, bytes)) return true;
    this.m.metrics.p2pRateLimitedTotal.inc({ protocol });
    // an operator's keeper over a limit is refused the excess only: honest catch-up and sync can
    // burst, and points would end in a ban that cuts a validator off (its rejects still count)
    const points = this.m.isOperator?.(peer) ? 0 : penalty;
    this.refuse(peer, `rate-limit ${protocol}`, "peer over its rate limit", points, { protocol });
    return false;
  }

  /** Input refused: counted by kind, logged within bounds, and `penalty` points for the peer. */
  refuse(
    peer: string,
    kind: string,
    message: string,
    penalty: number,
    fields: Record<string, unknown> = {},
    level: "warn" | "debug" = "warn",
  ): void {
    this.m.metrics.p2pRejectedInputTotal.inc({ kind });
    if (penalty > 0) this.m.penalties.add(peer, penalty);
    this.rejects.note(peer, kind, message, fields, level);
  }

  forget(peer: string): void {
    this.limiter.forget(peer);
  }
}
