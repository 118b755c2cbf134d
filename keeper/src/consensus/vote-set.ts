// The votes of one height, tallied by (round, type, value) with power sums.
//
// A repeat of the same vote is ignored. A vote for another value from a validator that already
// voted at that (round, type) is equivocation: the pair becomes evidence (reported once per
// validator, round and type), the first vote stays the one that counts toward "2/3 of anything",
// and the conflicting vote ALSO counts toward its own value's tally, as the paper counts
// messages. That is safe (two quorums still intersect in more than 1/3 of the power, which
// contains honest validators, who vote once), and it is needed for liveness: if every node
// counted only the first vote it got, an equivocator could give honest nodes permanently
// different views (one node decides with its precommit for v, the others counted its nil and
// can never decide v). Storage stays bounded: at most MAX_VOTES_PER_SLOT different values per
// validator and (round, type); further conflicting votes are dropped.
import { isQuorum } from "./quorum.js";
import type { ValidatorIndex } from "./validator-set.js";
import type { Evidence, ValueHash, Vote, VoteType } from "./types.js";

/** first vote + conflicting ones kept per validator and (round, type) */
export const MAX_VOTES_PER_SLOT = 4;

const NIL = "nil";

function valueKey(hash: ValueHash | null): string {
  return hash ?? NIL;
}

class RoundTally {
  /** each validator's votes at this (round, type); the first one is the one it is counted by in totalPower */
  readonly byValidator = new Map<string, Vote[]>();
  readonly powerByValue = new Map<string, bigint>();
  /** power of the validators that voted at all (each once) */
  totalPower = 0n;
}

export interface AddVoteResult {
  /** added: counted toward its value; duplicate: already had it; dropped: over MAX_VOTES_PER_SLOT */
  readonly status: "added" | "duplicate" | "dropped";
  /** set the first time this validator is caught voting twice at this (round, type) */
  readonly evidence?: Evidence;
}

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
    const power = this.validators.powerOf(vote.validator);
    const votes = tally.byValidator.get(vote.validator);
    let evidence: Evidence | undefined;
    if (votes === undefined) {
      tally.byValidator.set(vote.validator, [vote]);
      tally.totalPower += power;
    } else {
      if (votes.some((v) => v.valueHash === vote.valueHash)) return { status: "duplicate" };
      if (votes.length === 1) evidence = { kind: "duplicateVote", first: votes[0]!, second: vote };
      if (votes.length >= MAX_VOTES_PER_SLOT) return { status: "dropped" };
      votes.push(vote);
    }
    const key = valueKey(vote.valueHash);
    tally.powerByValue.set(key, (tally.powerByValue.get(key) ?? 0n) + power);
    return evidence === undefined ? { status: "added" } : { status: "added", evidence };
  }

  /** power of the validators that voted valueHash (null: nil) at (round, type) */
  powerFor(round: number, type: VoteType, valueHash: ValueHash | null): bigint {
    return this.tally(round, type, false)?.powerByValue.get(valueKey(valueHash)) ?? 0n;
  }

  /** power of the validators that voted at (round, type), whatever for, each counted once */
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

  /** the counted votes for valueHash at (round, type), one per validator, in arrival order */
  votesFor(round: number, type: VoteType, valueHash: ValueHash | null): Vote[] {
    const tally = this.tally(round, type, false);
    if (tally === undefined) return [];
    const out: Vote[] = [];
    for (const votes of tally.byValidator.values()) {
      const match = votes.find((v) => v.valueHash === valueHash);
      if (match !== undefined) out.push(match);
    }
    return out;
  }

  /** the first vote of validator at (round, type), if any */
  voteOf(validator: string, round: number, type: VoteType): Vote | undefined {
    return this.tally(round, type, false)?.byValidator.get(validator)?.[0];
  }

  /** every counted vote, for gossip to peers that missed them */
  all(): Vote[] {
    const out: Vote[] = [];
    for (const tally of this.tallies.values()) for (const votes of tally.byValidator.values()) out.push(...votes);
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
