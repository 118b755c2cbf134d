// Stake-weighted proposer rotation: the CometBFT proposer-priority algorithm (weighted round
// robin). Each increment adds every validator's power to its priority, picks the highest
// priority (ties: the smaller address) and subtracts the total power from it. Over any window of
// `totalPower` consecutive increments a validator proposes close to `power` times.
//
// Heights and rounds map onto increments exactly as in CometBFT:
// - a fresh set starts at priority 0 for everyone and is incremented once for its first height;
// - each later height is one more increment of the previous height's priorities (whatever round
//   that height decided in), so all nodes agree without sharing state;
// - round r of a height is that height's priorities incremented r more times (on a copy).
// Every increment call first rescales priorities into a window of 2 * totalPower and centres
// them on their average, as CometBFT does, which keeps them bounded forever.
import { ValidatorIndex } from "./validator-set.js";
import type { ValidatorSet } from "./types.js";

const PRIORITY_WINDOW_FACTOR = 2n;

/** Floor division for a positive divisor (bigint `/` truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

class Priorities {
  constructor(
    private readonly ids: readonly string[],
    private readonly powers: readonly bigint[],
    private readonly total: bigint,
    readonly values: bigint[],
  ) {}

  copy(): Priorities {
    return new Priorities(this.ids, this.powers, this.total, [...this.values]);
  }

  /** CometBFT IncrementProposerPriority(times): rescale and centre once, then `times` steps. */
  increment(times: number): string {
    this.rescale(PRIORITY_WINDOW_FACTOR * this.total);
    this.centre();
    let proposer = "";
    for (let i = 0; i < times; i++) proposer = this.step();
    return proposer;
  }

  /** one step without the rescale/centre prologue */
  step(): string {
    const v = this.values;
    let best = 0;
    for (let i = 0; i < v.length; i++) {
      v[i] = v[i]! + this.powers[i]!;
      if (i === 0) continue;
      if (v[i]! > v[best]! || (v[i] === v[best] && this.ids[i]! < this.ids[best]!)) best = i;
    }
    v[best] = v[best]! - this.total;
    return this.ids[best]!;
  }

  private rescale(diffMax: bigint): void {
    let max = this.values[0]!;
    let min = max;
    for (const p of this.values) {
      if (p > max) max = p;
      if (p < min) min = p;
    }
    const diff = max - min;
    if (diff <= diffMax) return;
    const ratio = (diff + diffMax - 1n) / diffMax;
    for (let i = 0; i < this.values.length; i++) this.values[i] = this.values[i]! / ratio;
  }

  private centre(): void {
    let sum = 0n;
    for (const p of this.values) sum += p;
    const avg = floorDiv(sum, BigInt(this.values.length));
    for (let i = 0; i < this.values.length; i++) this.values[i] = this.values[i]! - avg;
  }
}

/**
 * Proposer of (height, round) for one validator set. Keeps the priorities of the last height
 * asked and the proposers of every round computed at it, so the engine's queries cost one step
 * per new round. Asking for an earlier height recomputes from the set's first height.
 */
export class ProposerRotation {
  private readonly fresh: Priorities;
  private heightState!: Priorities;
  private height = -1;
  /** proposers of rounds 0..length-1 at `height` */
  private roundProposers: string[] = [];
  /** heightState incremented (roundProposers.length - 1) times, once a round > 0 was asked */
  private roundState: Priorities | undefined;

  constructor(readonly set: ValidatorSet) {
    const index = new ValidatorIndex(set);
    this.fresh = new Priorities(
      set.validators.map((v) => v.id),
      set.validators.map((v) => v.power),
      index.totalPower,
      set.validators.map(() => 0n),
    );
    this.resetToFirstHeight();
  }

  proposer(height: number, round: number): string {
    if (!Number.isSafeInteger(height) || height < this.set.firstHeight) {
      throw new RangeError(`height ${height} is before this set's first height ${this.set.firstHeight}`);
    }
    if (!Number.isSafeInteger(round) || round < 0) throw new RangeError(`round ${round} must be >= 0`);
    if (height < this.height) this.resetToFirstHeight();
    while (this.height < height) {
      this.roundProposers = [this.heightState.increment(1)];
      this.roundState = undefined;
      this.height++;
    }
    while (this.roundProposers.length <= round) {
      if (this.roundState === undefined) {
        this.roundState = this.heightState.copy();
        this.roundProposers.push(this.roundState.increment(1));
      } else {
        this.roundProposers.push(this.roundState.step());
      }
    }
    return this.roundProposers[round]!;
  }

  private resetToFirstHeight(): void {
    this.heightState = this.fresh.copy();
    this.roundProposers = [this.heightState.increment(1)];
    this.roundState = undefined;
    this.height = this.set.firstHeight;
  }
}

/** Proposer of (height, round), computed from scratch: deterministic in (set, height, round). */
export function proposerOf(set: ValidatorSet, height: number, round: number): string {
  return new ProposerRotation(set).proposer(height, round);
}
