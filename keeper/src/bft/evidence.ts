// Double-sign evidence as EvidenceHandler.submitDoubleSign takes it: two conflicting votes of
// one validator with their EIP-712 ECDSA signatures, and the validator's leaf in the epoch's set.
import { AbiCoder, keccak256 } from "ethers";
import { VoteType, ZERO_HASH } from "../checkpoint/header.js";
import type { ValidatorSetTree } from "../checkpoint/validator-set.js";
import type { Vote } from "../consensus/types.js";

export interface SignedVoteStruct {
  voteType: number;
  epoch: bigint;
  height: bigint;
  round: number;
  valueHash: string;
  signature: string;
}

export interface DoubleSignEvidenceStruct {
  first: SignedVoteStruct;
  second: SignedVoteStruct;
  validator: { index: bigint; signer: string; stake: bigint };
  proof: string[];
}

function signed(epoch: bigint, v: Vote, signature: string): SignedVoteStruct {
  return {
    voteType: v.type === "prevote" ? VoteType.Prevote : VoteType.Precommit,
    epoch,
    height: BigInt(v.height),
    round: v.round,
    valueHash: v.valueHash ?? ZERO_HASH,
    signature,
  };
}

/** Builds the evidence; undefined when the validator is not in the set. */
export function buildDoubleSignEvidence(
  tree: ValidatorSetTree,
  epoch: bigint,
  first: { vote: Vote; signature: string },
  second: { vote: Vote; signature: string },
): DoubleSignEvidenceStruct | undefined {
  const member = tree.members.find((m) => m.signer.toLowerCase() === first.vote.validator.toLowerCase());
  if (!member) return undefined;
  return {
    first: signed(epoch, first.vote, first.signature),
    second: signed(epoch, second.vote, second.signature),
    validator: {
      index: BigInt(member.index),
      signer: member.signer,
      stake: member.stake,
    },
    proof: tree.signerProof(member.index),
  };
}

/** The key under which EvidenceHandler remembers a punished double-sign (`used(key)`). */
export function doubleSignKey(e: DoubleSignEvidenceStruct): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["string", "address", "uint8", "uint64", "uint64", "uint32"],
      ["double-sign", e.validator.signer, e.first.voteType, e.first.epoch, e.first.height, e.first.round],
    ),
  );
}
