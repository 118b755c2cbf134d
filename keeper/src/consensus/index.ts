// Public API of the BFT consensus engine.
export * from "./types.js";
export { ConsensusEngine, MissingValidatorSetError } from "./engine.js";
export type { EngineOptions, EngineSnapshot, EngineStatus } from "./engine.js";
export { ProposerRotation, proposerOf } from "./proposer.js";
export { MAX_VOTES_PER_SLOT, VoteSet } from "./vote-set.js";
export { MAX_PROPOSALS_PER_ROUND, ROUNDS_STORED_AHEAD } from "./height-messages.js";
export type { AddVoteResult } from "./vote-set.js";
export { checkProposal, checkProposalShape, checkProposer, checkVote } from "./message-checks.js";
export { isOneThirdPlus, isQuorum } from "./quorum.js";
export { assertValidatorSet, InvalidValidatorSetError, ValidatorIndex } from "./validator-set.js";
export { assertTimeouts, DEFAULT_TIMEOUTS, stallTimeoutMs, timeoutMs } from "./timeouts.js";
export {
  canSign,
  compareSigningPosition,
  DoubleSignRefusedError,
  MemorySigningStateStore,
  SigningGuard,
} from "./signing-guard.js";
export type { SigningStateStore } from "./signing-guard.js";
export { CorruptSigningStateError, FileSigningStateStore } from "./file-signing-store.js";
export { DEFAULT_REBROADCAST, Rebroadcaster } from "./rebroadcast.js";
export type { RebroadcastOptions, ScheduleFn } from "./rebroadcast.js";
export { describeHave, MAX_SYNC_VOTES, missingFor, parseBitmap } from "./vote-sync.js";
export type { KnownMessages, VoteSetHave } from "./vote-sync.js";
export { consensusProgress, describeWait, STALL_HEIGHTS } from "./progress.js";
export type { ConsensusProgress } from "./progress.js";
export { SKIP_AFTER_MISSED, SKIP_LAG, skippedByLiveness, SkippingSchedule } from "./proposer-skip.js";
export type { LivenessBits, ProposerSchedule } from "./proposer-skip.js";
