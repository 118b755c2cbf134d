// Builders for the engine's unit tests: addresses, validator sets, values, a scripted host.
import { createHash } from "node:crypto";
import {
  ConsensusEngine,
  proposerOf,
  type ConsensusApp,
  type Output,
  type Proposal,
  type SigningState,
  type Timeouts,
  type Value,
  type ValidatorSet,
  type Vote,
  type VoteType,
} from "../../../keeper/src/consensus/index.js";

export function address(i: number): string {
  return "0x" + (i + 1).toString(16).padStart(40, "0");
}

export function hashOf(label: string): string {
  return "0x" + createHash("sha256").update(label).digest("hex");
}

export function valueOf(label: string): Value {
  return { hash: hashOf(label), payload: label };
}

export function validatorSet(powers: readonly (number | bigint)[], firstHeight = 1): ValidatorSet {
  return { firstHeight, validators: powers.map((p, i) => ({ id: address(i), power: BigInt(p) })) };
}

export const TEST_TIMEOUTS: Timeouts = {
  propose: { baseMs: 300, perRoundMs: 100 },
  prevote: { baseMs: 200, perRoundMs: 50 },
  precommit: { baseMs: 200, perRoundMs: 50 },
};

export interface Harness {
  engine: ConsensusEngine;
  set: ValidatorSet;
  ids: string[];
  self: string;
  /** labels the host rejects as invalid */
  invalid: Set<string>;
  /** how many times the host was asked to validate */
  validations: number;
  proposerAt(height: number, round: number): string;
  /** a proposal of (height, round) from its rightful proposer */
  proposal(height: number, round: number, value: Value, validRound?: number): Proposal;
  vote(type: VoteType, validatorIndex: number, height: number, round: number, value: Value | null): Vote;
  /** feeds one vote per listed validator, returns all outputs */
  votes(type: VoteType, validatorIndexes: number[], height: number, round: number, value: Value | null): Output[];
}

export interface HarnessOptions {
  powers: readonly (number | bigint)[];
  /** index of this node in the set; default: a validator that is NOT the proposer of (1, 0) */
  selfIndex?: number;
  /** make this node the proposer of (height, round) */
  selfProposerOf?: [number, number];
  /** a node outside the set: follows and decides, never signs */
  follower?: boolean;
  signingState?: SigningState;
  firstHeight?: number;
}

export function harness(options: HarnessOptions): Harness {
  const set = validatorSet(options.powers, options.firstHeight ?? 1);
  const ids = set.validators.map((v) => v.id);
  const firstProposer = proposerOf(set, set.firstHeight, 0);
  const chosen = options.selfProposerOf;
  const selfIndex =
    options.selfIndex ??
    (chosen !== undefined
      ? ids.indexOf(proposerOf(set, chosen[0], chosen[1]))
      : ids.findIndex((id) => id !== firstProposer));
  const self = options.follower ? address(999) : ids[selfIndex]!;
  const invalid = new Set<string>();
  const h: Partial<Harness> = { set, ids, self, invalid, validations: 0 };
  const app: ConsensusApp = {
    getValue: (height, round) => valueOf(`own ${height}/${round}`),
    validValue: (_height, value) => {
      h.validations!++;
      return !invalid.has(String(value.payload));
    },
    validatorSet: () => set,
  };
  h.engine = new ConsensusEngine({
    self: options.follower ? undefined : self,
    app,
    timeouts: TEST_TIMEOUTS,
    signingState: options.signingState,
  });
  h.proposerAt = (height, round) => proposerOf(set, height, round);
  h.proposal = (height, round, value, validRound = -1) => ({
    height,
    round,
    value,
    validRound,
    proposer: proposerOf(set, height, round),
  });
  h.vote = (type, i, height, round, value) => ({
    type,
    height,
    round,
    valueHash: value === null ? null : value.hash,
    validator: ids[i]!,
  });
  h.votes = (type, indexes, height, round, value) =>
    indexes.flatMap((i) => h.engine!.handle({ type: "vote", vote: h.vote!(type, i, height, round, value) }));
  return h as Harness;
}

/** the votes this node broadcast in outputs */
export function broadcastVotes(outputs: readonly Output[]): Vote[] {
  return outputs.flatMap((o) => (o.type === "broadcastVote" ? [o.vote] : []));
}

export function broadcastProposals(outputs: readonly Output[]): Proposal[] {
  return outputs.flatMap((o) => (o.type === "broadcastProposal" ? [o.proposal] : []));
}

/** the indexes of validators, self excluded, in set order */
export function others(h: Harness): number[] {
  return h.ids.flatMap((id, i) => (id === h.self ? [] : [i]));
}
