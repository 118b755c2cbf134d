// Double-sign protection. A validator signs consensus messages in strictly increasing
// (height, round, step) order; the only exception is re-signing the very same message (same
// position, same value), which is harmless and lets a restarted node re-send what it signed.
//
// The rule for the host: persist the new signing state, THEN sign and release the message.
// If the process dies in between, the state on disk is ahead of what left the node (at worst a
// lost message, never a second, different one). SigningGuard enforces that order.
import type { SigningState, Step } from "./types.js";

const STEP_ORDER: Record<Step, number> = { propose: 0, prevote: 1, precommit: 2 };

/** <0, 0, >0 as a's (height, round, step) is before, equal to, after b's */
export function compareSigningPosition(
  a: Pick<SigningState, "height" | "round" | "step">,
  b: Pick<SigningState, "height" | "round" | "step">,
): number {
  if (a.height !== b.height) return a.height - b.height;
  if (a.round !== b.round) return a.round - b.round;
  return STEP_ORDER[a.step] - STEP_ORDER[b.step];
}

/**
 * Pure check: may a validator whose last signed message is `last` sign `next`?
 * Yes when next is at a later (height, round, step), or at the same one for the same value.
 */
export function canSign(last: SigningState | undefined, next: SigningState): boolean {
  if (last === undefined) return true;
  const order = compareSigningPosition(next, last);
  return order > 0 || (order === 0 && next.valueHash === last.valueHash);
}

/** Where the signing state lives between restarts. save() resolves only once the state is durable. */
export interface SigningStateStore {
  load(): Promise<SigningState | undefined>;
  save(state: SigningState): Promise<void>;
}

/** A store that forgets on process exit: for tests and simulations. */
export class MemorySigningStateStore implements SigningStateStore {
  saves = 0;
  constructor(private state?: SigningState) {}

  async load(): Promise<SigningState | undefined> {
    return this.state;
  }

  async save(state: SigningState): Promise<void> {
    this.saves++;
    this.state = state;
  }
}

export class DoubleSignRefusedError extends Error {
  override name = "DoubleSignRefusedError";
}

/**
 * The gate in front of the signing key. authorize(next) checks next against the last persisted
 * state, persists it, and only then resolves true; the caller signs and sends after that. Calls
 * run one at a time, so two concurrent authorizations cannot both pass against the same state.
 */
export class SigningGuard {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: SigningStateStore,
    private persisted: SigningState | undefined,
  ) {}

  static async open(store: SigningStateStore): Promise<SigningGuard> {
    return new SigningGuard(store, await store.load());
  }

  /** the last state known to be durable: hand it to the engine on start so it never signs against it */
  get last(): SigningState | undefined {
    return this.persisted;
  }

  /** resolves false (nothing persisted) when next would double-sign; rejects if the store fails */
  authorize(next: SigningState): Promise<boolean> {
    const run = this.queue.then(async () => {
      if (!canSign(this.persisted, next)) return false;
      // re-signing the same message: already durable, and the stored lock stays as it was
      if (this.persisted !== undefined && compareSigningPosition(next, this.persisted) === 0) return true;
      await this.store.save(next);
      this.persisted = next;
      return true;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** authorize, or throw DoubleSignRefusedError */
  async authorizeOrThrow(next: SigningState): Promise<void> {
    if (!(await this.authorize(next))) {
      const last = this.persisted;
      throw new DoubleSignRefusedError(
        `refusing to sign ${next.step} ${next.height}/${next.round} ${next.valueHash ?? "nil"}: ` +
          `already signed ${last?.step} ${last?.height}/${last?.round} ${last?.valueHash ?? "nil"}`,
      );
    }
  }
}
