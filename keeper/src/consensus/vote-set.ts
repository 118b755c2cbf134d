// The votes of one height, tallied by (round, type, value) with power sums.
// A validator counts once per (round, type): a repeat of the same vote is ignored, and a vote
// for another value is equivocation: the first vote keeps counting, the pair becomes evidence
// (reported once per validator, round and type).
import { isQuorum } from "./quorum.js";
import type { ValidatorIndex } from "./validator-set.js";
import type { Evidence, ValueHash, Vote, VoteType } from "./types.js";

const NIL = "nil";

function valueKey(hash: ValueHash | null): string {
  return hash ?? NIL;
}

class RoundTally {
  readonly byValidator = new Map<string, Vote>();
  readonly powerByValue = new Map<string, bigint>();
  readonly equivocators = new Set<string>();
  totalPower = 0n;
}

export type AddVoteResult =
  | { readonly status: "added" }
  | { readonly status: "duplicate" }
  /** evidence is set the first time this validator is caught at this (round, type) */
  | { readonly status: "conflict"; readonly evidence?: Evidence };

export class VoteSet {
  private readonly tallies = new Map<string, RoundTally>();

  constructor(
    readonly height: number,
    private readonly validators: ValidatorIndex,
  ) {}

  /** The caller has checked the vote's shape and signer (see message-checks.ts). */
  add(vote: Vote): AddVoteResult {
    if (vote.height !== this.height) throw new RangeError(`vote for height ${vote.height} added to ${this.height}`);
    const tally = this.tally(vote.round, vote.type, true);
    const first = tally.byValidator.get(vote.validator);
    if (first !== undefined) {
      if (first.valueHash === vote.valueHash) return { status: "duplicate" };
      if (tally.equivocators.has(vote.validator)) return { status: "conflict" };
      tally.equivocators.add(vote.validator);
      return { status: "conflict", evidence: { kind: "duplicateVote", first, second: vote } };
    }
    const power = this.validators.powerOf(vote.validator);
    tally.byValidator.set(vote.validator, vote);
    const key = valueKey(vote.valueHash);
    tally.powerByValue.set(key, (tally.powerByValue.get(key) ?? 0n) + power);
    tally.totalPower += power;
    return { status: "added" };
  }

  /** power of the validators that voted valueHash (null: nil) at (round, type) */
  powerFor(round: number, type: VoteType, valueHash: ValueHash | null): bigint {
    return this.tally(round, type, false)?.powerByValue.get(valueKey(valueHash)) ?? 0n;
  }

  /** power of the validators that voted anything at (round, type) */
  powerAny(round: number, type: VoteType): bigint {
    return this.tally(round, type, false)?.totalPower ?? 0n;
  }

  /** > 2/3 of the power voted valueHash (null: nil) at (round, type) */
  hasQuorumFor(round: number, type: VoteType, valueHash: ValueHash | null): boolean {
    return isQuorum(this.powerFor(round, type, valueHash), this.validators.totalPower);
  }

  /** > 2/3 of the power voted at (round, type), whatever for */
  hasQuorumAny(round: number, type: VoteType): boolean {
    return isQuorum(this.powerAny(round, type), this.validators.totalPower);
  }

  /** the counted votes for valueHash at (round, type), in arrival order */
  votesFor(round: number, type: VoteType, valueHash: ValueHash | null): Vote[] {
    const tally = this.tally(round, type, false);
    if (tally === undefined) return [];
    return [...tally.byValidator.values()].filter((v) => v.valueHash === valueHash);
  }

  /** the counted vote of validator at (round, type), if any */
  voteOf(validator: string, round: number, type: VoteType): Vote | undefined {
    return this.tally(round, type, false)?.byValidator.get(validator);
  }

  /** every counted vote, for gossip to peers that missed them */
  all(): Vote[] {
    const out: Vote[] = [];
    for (const tally of this.tallies.values()) out.push(...tally.byValidator.values());
    return out;
  }

  private tally(round: number, type: VoteType, create: true): RoundTally;
  private tally(round: number, type: VoteType, create: false): RoundTally | undefined;
  private tally(round: number, type: VoteType, create: boolean): RoundTally | undefined {
    const key = `${round}:${type}`;
    let tally = this.tallies.get(key);
    if (tally === undefined && create) {
      tally = new RoundTally();
      this.tallies.set(key, tally);
    }
    return tally;
  }
}
