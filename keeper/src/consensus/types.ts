// Message and state shapes of the BFT engine (Tendermint, Buchman-Kwon-Milosevic 2018, Algorithm 1).
// The engine never sees signatures: the edge verifies them before a message becomes an input, and
// signs what the engine outputs only after the signing state of that output is persisted.
// Heights and rounds are JS numbers (safe integers); powers are bigint because stake is in wei.

/** 0x-prefixed lowercase hex of 32 bytes: the id of a proposed value (the checkpoint header hash). */
export type ValueHash = string;

/** One voting member: its signer address (0x + 40 lowercase hex) and its frozen stake. */
export interface Validator {
  readonly id: string;
  readonly power: bigint;
}

/**
 * The validators that vote at a height, in the order the chain lists them. `firstHeight` is the
 * first height this set votes at (the epoch start): proposer rotation counts heights from there,
 * so every node derives the same proposer from (set, height, round) alone.
 */
export interface ValidatorSet {
  readonly firstHeight: number;
  readonly validators: readonly Validator[];
}

/** What the validators agree on: opaque to the engine except its hash. */
export interface Value {
  readonly hash: ValueHash;
  /** the header and whatever the host needs to re-check it; the host binds hash to payload */
  readonly payload?: unknown;
}

/** ⟨PROPOSAL, height, round, value, validRound⟩ from the round's proposer. */
export interface Proposal {
  readonly height: number;
  readonly round: number;
  readonly value: Value;
  /** -1, or the earlier round in which the proposer saw a polka (> 2/3 prevotes) for value */
  readonly validRound: number;
  readonly proposer: string;
}

export type VoteType = "prevote" | "precommit";

/** ⟨PREVOTE|PRECOMMIT, height, round, id(v) | nil⟩ from one validator. */
export interface Vote {
  readonly type: VoteType;
  readonly height: number;
  readonly round: number;
  /** null is a nil vote */
  readonly valueHash: ValueHash | null;
  readonly validator: string;
}

export type ConsensusMessage =
  { readonly kind: "proposal"; readonly proposal: Proposal } | { readonly kind: "vote"; readonly vote: Vote };

export type Step = "propose" | "prevote" | "precommit";

/** A timeout of round r lasts baseMs + r * perRoundMs, so that some round eventually outlasts the network delay. */
export interface StepTimeout {
  readonly baseMs: number;
  readonly perRoundMs: number;
}

export interface Timeouts {
  readonly propose: StepTimeout;
  readonly prevote: StepTimeout;
  readonly precommit: StepTimeout;
}

/**
 * The last message this validator signed, persisted before the signature leaves the node.
 * It also carries the lock held at that moment (Tendermint's lockedRound/lockedValue): a
 * validator that precommitted v and then crashed must still refuse to prevote against v after
 * restart, or two honest-looking validators could finalize different values.
 */
export interface SigningState {
  readonly height: number;
  readonly round: number;
  readonly step: Step;
  readonly valueHash: ValueHash | null;
  /** -1 when not locked at `height` */
  readonly lockedRound: number;
  readonly lockedValueHash: ValueHash | null;
}

/** The decided value of a height with the precommits (> 2/3 of power) that prove it. */
export interface Decision {
  readonly height: number;
  readonly round: number;
  readonly value: Value;
  readonly precommits: readonly Vote[];
}

/** Double-signing seen in messages: the first message received and the first one conflicting with it. */
export type Evidence =
  | { readonly kind: "duplicateVote"; readonly first: Vote; readonly second: Vote }
  | { readonly kind: "duplicateProposal"; readonly first: Proposal; readonly second: Proposal };

export type Input =
  /** begin (or jump to) a height; after a decision the host sends the next height when ready */
  | { readonly type: "startHeight"; readonly height: number }
  | { readonly type: "proposal"; readonly proposal: Proposal }
  | { readonly type: "vote"; readonly vote: Vote }
  /** a timeout the engine scheduled has fired */
  | { readonly type: "timeout"; readonly height: number; readonly round: number; readonly step: Step }
  /**
   * catch-up: a peer's decision of the current height (its value and > 2/3 precommits, each
   * signature checked at the edge). The engine checks the certificate itself and decides.
   */
  | { readonly type: "certificate"; readonly decision: Decision };

export type Output =
  /** persist signingState, then sign and gossip the proposal (see SigningGuard) */
  | { readonly type: "broadcastProposal"; readonly proposal: Proposal; readonly signingState: SigningState }
  /** persist signingState, then sign and gossip the vote (see SigningGuard) */
  | { readonly type: "broadcastVote"; readonly vote: Vote; readonly signingState: SigningState }
  /** feed back { type: "timeout", height, round, step } after delayMs */
  | {
      readonly type: "scheduleTimeout";
      readonly height: number;
      readonly round: number;
      readonly step: Step;
      readonly delayMs: number;
      /** a stall timer (see engine.ts), not one of the paper's timeouts; fed back the same way */
      readonly stall?: true;
    }
  | { readonly type: "decide"; readonly decision: Decision }
  | { readonly type: "evidence"; readonly evidence: Evidence };

/**
 * What the engine asks of its host. Calls are synchronous and must be deterministic functions of
 * their arguments and of what the host already knew when it fed the current input: the engine
 * has no clock, no randomness and no I/O of its own.
 */
export interface ConsensusApp {
  /** the value to propose when this node is proposer and holds no validValue */
  getValue(height: number, round: number): Value;
  /**
   * true when value may be decided at height: the host recomputes the header's roots from the
   * signed inputs and checks value.hash binds the payload. An invalid proposal gets a nil prevote.
   * Called at most once per proposal (round and value).
   */
  validValue(height: number, value: Value): boolean;
  /** the frozen set that votes at height; asked for the current and the next height */
  validatorSet(height: number): ValidatorSet | undefined;
  /**
   * Validators whose proposer turns at `height` go to the next candidate (proposer-skip.ts); asked
   * when the height starts, after the previous one is decided (early proposals of it wait
   * unchecked until then). Must be the same on every honest node: derive it from decided data
   * only (the keeper: the liveness decided at height - 1).
   */
  skippedProposers?(height: number): ReadonlySet<string>;
}
