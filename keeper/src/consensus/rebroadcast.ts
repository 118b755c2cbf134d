// Eventual delivery of this node's own messages. Tendermint's liveness assumes every message
// between honest validators eventually arrives; gossip gives that only while nothing is lost
// (a vote dropped under load was never sent again, and the height halted). So the host keeps
// the last message it signed for each step of its current height and sends them again, with
// exponential backoff, until it sees the height advance (CometBFT re-gossips votes per peer
// for the same reason). The engine stays pure: this is host policy with an injected timer.
import type { Step } from "./types.js";

export interface RebroadcastOptions {
  /** first re-send this long after the latest newly signed message */
  readonly firstMs: number;
  /** the gap doubles after each re-send up to this */
  readonly maxMs: number;
}

/** keeper defaults: a lost vote costs at most ~1 s while the network is good, then every 4 s at most */
export const DEFAULT_REBROADCAST: RebroadcastOptions = { firstMs: 1_000, maxMs: 4_000 };

/** Schedules fn after ms; returns a function that cancels it. */
export type ScheduleFn = (ms: number, fn: () => void) => () => void;

export class Rebroadcaster<M> {
  private height = -1;
  private readonly latest = new Map<Step, M>();
  private cancel: (() => void) | undefined;
  /** re-sends since the last newly signed message (for tests and metrics) */
  resends = 0;

  constructor(
    private readonly options: RebroadcastOptions,
    private readonly schedule: ScheduleFn,
    private readonly send: (messages: M[], height: number) => void,
  ) {
    if (!(options.firstMs > 0 && options.maxMs >= options.firstMs)) {
      throw new RangeError("rebroadcast needs 0 < firstMs <= maxMs");
    }
  }

  /** the height whose messages are kept (-1 before the first) */
  get currentHeight(): number {
    return this.height;
  }

  /** The messages kept for re-sending, oldest step first. */
  messages(): M[] {
    return (["propose", "prevote", "precommit"] as const).flatMap((s) => {
      const m = this.latest.get(s);
      return m === undefined ? [] : [m];
    });
  }

  /** This node signed (or, after a restart, had signed) `message` at (height, step). */
  signed(height: number, step: Step, message: M): void {
    if (height < this.height) return;
    if (height > this.height) this.reset(height);
    this.latest.set(step, message);
    this.arm(this.options.firstMs);
  }

  /** The height advanced (decided here or caught up): stop re-sending what came before. */
  advance(height: number): void {
    if (height > this.height) this.reset(height);
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.latest.clear();
  }

  private reset(height: number): void {
    this.stop();
    this.height = height;
  }

  private arm(delayMs: number): void {
    this.cancel?.();
    this.cancel = this.schedule(delayMs, () => {
      this.cancel = undefined;
      if (this.latest.size === 0) return;
      this.resends++;
      this.send(this.messages(), this.height);
      this.arm(Math.min(delayMs * 2, this.options.maxMs));
    });
  }
}
