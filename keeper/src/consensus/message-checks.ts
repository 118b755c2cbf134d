// Shape checks of consensus messages against the validator set of their height. The edge runs
// them (with the signature check) to accept or reject gossip; the engine runs them again and
// ignores what fails, so a bad message can never change its state.
import type { ProposerSchedule } from "./proposer-skip.js";
import type { ValidatorIndex } from "./validator-set.js";
import type { Proposal, Vote } from "./types.js";

const HASH = /^0x[0-9a-f]{64}$/;

function isCount(n: unknown): n is number {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
}

/** undefined when the vote is well formed and its signer votes at its height; else why not */
export function checkVote(validators: ValidatorIndex, vote: Vote): string | undefined {
  if (vote.type !== "prevote" && vote.type !== "precommit") return `unknown vote type ${String(vote.type)}`;
  if (!isCount(vote.height) || !isCount(vote.round)) return "height and round must be non-negative integers";
  if (vote.valueHash !== null && !(typeof vote.valueHash === "string" && HASH.test(vote.valueHash))) {
    return "valueHash must be null or 0x + 64 lowercase hex";
  }
  if (!validators.has(vote.validator)) return `${vote.validator} is not a validator at height ${vote.height}`;
  return undefined;
}

/**
 * undefined when the proposal is well formed and signed by a validator of its height; else why
 * not. Whether that validator is the round's proposer is checkProposer's job (it costs one
 * rotation step per round, so the engine runs it only for rounds it is about to use).
 */
export function checkProposalShape(validators: ValidatorIndex, proposal: Proposal): string | undefined {
  if (!isCount(proposal.height) || !isCount(proposal.round)) return "height and round must be non-negative integers";
  if (!Number.isSafeInteger(proposal.validRound) || proposal.validRound < -1 || proposal.validRound >= proposal.round) {
    return `validRound ${proposal.validRound} must be -1 or an earlier round than ${proposal.round}`;
  }
  if (typeof proposal.value?.hash !== "string" || !HASH.test(proposal.value.hash)) {
    return "value.hash must be 0x + 64 lowercase hex";
  }
  if (!validators.has(proposal.proposer)) return `${proposal.proposer} is not a validator at height ${proposal.height}`;
  return undefined;
}

/** undefined when proposal.proposer is the proposer of its (height, round); else why not */
export function checkProposer(rotation: ProposerSchedule, proposal: Proposal): string | undefined {
  if (proposal.height < rotation.set.firstHeight) return `height ${proposal.height} precedes the validator set`;
  const expected = rotation.proposer(proposal.height, proposal.round);
  if (proposal.proposer !== expected) {
    return `${proposal.proposer} is not the proposer of ${proposal.height}/${proposal.round} (${expected} is)`;
  }
  return undefined;
}

/** checkProposalShape, then checkProposer */
export function checkProposal(
  validators: ValidatorIndex,
  rotation: ProposerSchedule,
  proposal: Proposal,
): string | undefined {
  return checkProposalShape(validators, proposal) ?? checkProposer(rotation, proposal);
}
