// Proposer skip: a validator that stopped taking part (jailed, tombstoned, crashed: its keeper's
// messages are refused or absent) keeps its turns in the frozen rotation until the epoch ends,
// and each turn costs a propose timeout. Every keeper must skip the same validators at the same
// heights, so the rule reads only decided data: the liveness bitmaps of the payload decided two
// height before (the certified header's livenessRoot commits to them). The engine keeps early
// proposals of the next height unchecked until that height starts and its schedule is final.
// See docs/consensus.md, "Proposer skip".
import type { ProposerRotation } from "./proposer.js";
import type { ValidatorSet } from "./types.js";

/** a validator absent from this many consecutive commits in a row is skipped */
export const SKIP_AFTER_MISSED = 3;

/** How far back the liveness used at a height is: the payload decided at height - SKIP_LAG. */
export const SKIP_LAG = 1;

/** What the engine needs from a rotation: the proposer of (height, round) and the set. */
export interface ProposerSchedule {
  readonly set: ValidatorSet;
  proposer(height: number, round: number): string;
}

/** The liveness fields the rule reads (checkpoint/liveness.ts LivenessEntry). */
export interface LivenessBits {
  readonly signer: string;
  /** bit i set = signed the commit of the i-th most recent height */
  readonly bits: bigint;
  readonly filled: number;
}

/** Validators whose precommits are missing from each of the last `missed` commits recorded. */
export function skippedByLiveness(entries: readonly LivenessBits[], missed = SKIP_AFTER_MISSED): Set<string> {
  const mask = (1n << BigInt(missed)) - 1n;
  return new Set(entries.filter((e) => e.filled >= missed && (e.bits & mask) === 0n).map((e) => e.signer));
}

/**
 * The rotation with skipped validators passed over: round r of the height goes to the r-th
 * validator, in the rotation's own order for that height, that is not skipped. If every
 * candidate is skipped (never, while a commit needs > 2/3 of the stake) the plain rotation holds.
 */
export class SkippingSchedule implements ProposerSchedule {
  private readonly order: string[] = [];
  private next = 0;

  constructor(
    private readonly rotation: ProposerRotation,
    private readonly height: number,
    private readonly skipped: ReadonlySet<string>,
  ) {}

  get set(): ValidatorSet {
    return this.rotation.set;
  }

  proposer(height: number, round: number): string {
    if (height !== this.height || this.skipped.size === 0) return this.rotation.proposer(height, round);
    const limit = round + 1 + this.skipped.size * 4 + this.rotation.set.validators.length;
    while (this.order.length <= round && this.next < limit) {
      const candidate = this.rotation.proposer(height, this.next++);
      if (!this.skipped.has(candidate)) this.order.push(candidate);
    }
    return this.order[round] ?? this.rotation.proposer(height, round);
  }
}
