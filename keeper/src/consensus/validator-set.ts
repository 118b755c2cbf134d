// Checks a ValidatorSet once and indexes it for the hot path (power of a signer, total power).
import type { ValidatorSet } from "./types.js";

const ADDRESS = /^0x[0-9a-f]{40}$/;

export class InvalidValidatorSetError extends Error {
  override name = "InvalidValidatorSetError";
}

/** Throws InvalidValidatorSetError unless ids are unique lowercase addresses and powers positive. */
export function assertValidatorSet(set: ValidatorSet): void {
  if (!Number.isSafeInteger(set.firstHeight) || set.firstHeight < 0) {
    throw new InvalidValidatorSetError(`firstHeight must be a non-negative integer, got ${set.firstHeight}`);
  }
  if (set.validators.length === 0) throw new InvalidValidatorSetError("validator set is empty");
  const seen = new Set<string>();
  for (const v of set.validators) {
    if (!ADDRESS.test(v.id)) throw new InvalidValidatorSetError(`validator id ${v.id} is not a lowercase 0x address`);
    if (seen.has(v.id)) throw new InvalidValidatorSetError(`validator ${v.id} listed twice`);
    if (typeof v.power !== "bigint" || v.power <= 0n) {
      throw new InvalidValidatorSetError(`validator ${v.id} has non-positive power ${String(v.power)}`);
    }
    seen.add(v.id);
  }
}

/** Read-only view of a checked set: who votes, with what power. */
export class ValidatorIndex {
  readonly totalPower: bigint;
  private readonly powers = new Map<string, bigint>();

  constructor(readonly set: ValidatorSet) {
    assertValidatorSet(set);
    let total = 0n;
    for (const v of set.validators) {
      this.powers.set(v.id, v.power);
      total += v.power;
    }
    this.totalPower = total;
  }

  /** 0n for an id outside the set */
  powerOf(id: string): bigint {
    return this.powers.get(id) ?? 0n;
  }

  has(id: string): boolean {
    return this.powers.has(id);
  }

  get size(): number {
    return this.powers.size;
  }
}
