// Quorum certificates in the exact shape the CheckpointStore verifies.
import { hexlify, keccak256, Signature } from "ethers";
import { aggregateSignatures } from "../crypto/bls.js";
import type { ValidatorSetTree } from "./validator-set.js";

export interface SignedEcdsaVote {
  index: number;
  /** 65-byte ECDSA signature over the vote digest (no EIP-191 prefix) */
  signature: string;
}

export interface EcdsaCertificate {
  round: number;
  votes: { index: bigint; blsPubkeyHash: string; stake: bigint; r: string; yParityAndS: string }[];
  proof: string[];
  proofFlags: boolean[];
}

export interface BlsCertificate {
  round: number;
  aggregateSignature: string;
  aggregatePubkey: string;
  nonSigners: { index: bigint; signer: string; stake: bigint; blsPubkey: string }[];
  proof: string[];
  proofFlags: boolean[];
}

export function buildEcdsaCertificate(
  set: ValidatorSetTree,
  round: number,
  votes: readonly SignedEcdsaVote[],
): EcdsaCertificate {
  const sigByIndex = new Map(votes.map((v) => [v.index, v.signature]));
  const { order, proof, proofFlags } = set.multiProof([...sigByIndex.keys()]);
  return {
    round,
    votes: order.map((index) => {
      const m = set.member(index);
      const sig = Signature.from(sigByIndex.get(index)!);
      return {
        index: BigInt(index),
        blsPubkeyHash: keccak256(m.blsPubkey),
        stake: m.stake,
        r: sig.r,
        yParityAndS: sig.yParityAndS,
      };
    }),
    proof,
    proofFlags,
  };
}

/**
 * Builds a BLS certificate from the signers' signatures (each a 128-byte G1 point over the
 * precommit digest). Everyone else in the set is a non-signer, proven with one multiproof.
 */
export function buildBlsCertificate(
  set: ValidatorSetTree,
  round: number,
  signatures: ReadonlyMap<number, Uint8Array>,
): BlsCertificate {
  if (signatures.size === 0) throw new Error("a BLS certificate needs at least one signature");
  const nonSignerIndices = set.members.map((m) => m.index).filter((i) => !signatures.has(i));
  const mp = nonSignerIndices.length > 0 ? set.multiProof(nonSignerIndices) : { order: [], proof: [], proofFlags: [] };
  return {
    round,
    aggregateSignature: hexlify(aggregateSignatures([...signatures.values()])),
    aggregatePubkey: hexlify(set.aggregatePubkey),
    nonSigners: mp.order.map((index) => {
      const m = set.member(index);
      return { index: BigInt(index), signer: m.signer, stake: m.stake, blsPubkey: hexlify(m.blsPubkey) };
    }),
    proof: mp.proof,
    proofFlags: mp.proofFlags,
  };
}
