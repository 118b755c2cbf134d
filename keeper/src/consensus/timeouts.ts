// Round timeouts. They grow linearly with the round so that, after the network stabilises,
// some round's timeouts exceed the message delay and an honest proposer's value gets decided.
import type { Step, Timeouts } from "./types.js";

/**
 * CometBFT's defaults (propose 3 s, prevote/precommit 1 s, +0.5 s per round): generous for
 * gossip over the internet; a local net or a simulation passes smaller ones.
 */
export const DEFAULT_TIMEOUTS: Timeouts = {
  propose: { baseMs: 3000, perRoundMs: 500 },
  prevote: { baseMs: 1000, perRoundMs: 500 },
  precommit: { baseMs: 1000, perRoundMs: 500 },
};

export function timeoutMs(timeouts: Timeouts, step: Step, round: number): number {
  const t = timeouts[step];
  return t.baseMs + round * t.perRoundMs;
}

/**
 * The stall timer of a prevote or precommit step (engine.ts): the step's own timeout plus the
 * round's propose timeout, i.e. longer than the wait the paper already grants a proposal to
 * arrive. It only matters when votes were lost (the step's regular timer starts on > 2/3 of
 * them); it grows with the round like the others, so after GST some round outlasts the delay.
 */
export function stallTimeoutMs(timeouts: Timeouts, step: Exclude<Step, "propose">, round: number): number {
  return timeoutMs(timeouts, "propose", round) + timeoutMs(timeouts, step, round);
}

/** Throws RangeError unless every base and increment is a non-negative finite number and some grow. */
export function assertTimeouts(timeouts: Timeouts): void {
  for (const step of ["propose", "prevote", "precommit"] as const) {
    const t = timeouts[step];
    if (!(Number.isFinite(t.baseMs) && t.baseMs >= 0 && Number.isFinite(t.perRoundMs) && t.perRoundMs >= 0)) {
      throw new RangeError(`timeouts.${step} must have finite, non-negative baseMs and perRoundMs`);
    }
  }
  if (timeouts.propose.perRoundMs + timeouts.prevote.perRoundMs + timeouts.precommit.perRoundMs === 0) {
    throw new RangeError("timeouts must grow with the round (some perRoundMs > 0), or liveness is not guaranteed");
  }
}
