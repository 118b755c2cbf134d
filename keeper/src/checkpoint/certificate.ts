// Quorum certificates in the exact shape the CheckpointStore verifies (contracts/consensus/CertificateVerifier.sol).
// The encodings are packed to save calldata; docs/certificates.md describes them byte by byte.
import { concat, dataLength, dataSlice, getBytes, hexlify, Signature, solidityPacked, toBigInt } from "ethers";
import { aggregateSignatures } from "../crypto/bls.js";
import type { ValidatorSetTree } from "./validator-set.js";

/** Bytes of one packed ECDSA vote: uint8 index | uint96 stake | bytes32 r | bytes32 vs. */
export const ECDSA_VOTE_LENGTH = 77;
/** Bytes of one packed non-signer: uint8 index | uint96 stake | compact G2 key (192 bytes). */
export const NON_SIGNER_LENGTH = 205;
// A stake is OPEN wei, at most the fixed supply (1e27) < 2^96: encoding a larger one throws.
/** Bytes of an EIP-2537 field element's padding, dropped in the compact form. */
const FP_PADDING = 16;
/** The multiproof flags are the bits of one uint256. */
const MAX_PROOF_FLAGS = 256;

export interface SignedEcdsaVote {
  index: number;
  /** 65-byte ECDSA signature over the vote digest (no EIP-191 prefix) */
  signature: string;
}

/** Argument of `submitCheckpointEcdsa` / `verifyEcdsa`. */
export interface EcdsaCertificate {
  round: number;
  /** packed votes, ECDSA_VOTE_LENGTH bytes each, in multiproof order */
  votes: string;
  proof: string[];
  /** bit i = multiproof flag i */
  proofFlags: bigint;
}

/** Argument of `submitCheckpointBls` / `verifyBls`. */
export interface BlsCertificate {
  round: number;
  /** compact G1 (96 bytes) */
  aggregateSignature: string;
  /** compact G2 (192 bytes): the whole set's aggregate key */
  aggregatePubkey: string;
  /** packed non-signers, NON_SIGNER_LENGTH bytes each, in multiproof order */
  nonSigners: string;
  proof: string[];
  /** bit i = multiproof flag i */
  proofFlags: bigint;
}

/** One ECDSA vote of a certificate, unpacked. */
export interface EcdsaVoteRecord {
  index: number;
  stake: bigint;
  r: string;
  /** EIP-2098 compact form: y parity in the top bit, then s */
  yParityAndS: string;
}

/** One non-signer of a BLS certificate, unpacked. */
export interface NonSignerRecord {
  index: number;
  stake: bigint;
  /** 256-byte EIP-2537 G2 key */
  blsPubkey: Uint8Array;
}

export function buildEcdsaCertificate(
  set: ValidatorSetTree,
  round: number,
  votes: readonly SignedEcdsaVote[],
): EcdsaCertificate {
  const sigByIndex = new Map(votes.map((v) => [v.index, v.signature]));
  const { order, proof, proofFlags } = set.multiProof("signers", [...sigByIndex.keys()]);
  const records = order.map((index): EcdsaVoteRecord => {
    const m = set.member(index);
    const sig = Signature.from(sigByIndex.get(index)!);
    return { index, stake: m.stake, r: sig.r, yParityAndS: sig.yParityAndS };
  });
  return { round, votes: encodeEcdsaVotes(records), proof, proofFlags: packProofFlags(proofFlags) };
}

/**
 * Builds a BLS certificate from the signers' signatures (each a 128-byte EIP-2537 G1 point over
 * the precommit digest). Everyone else in the set is a non-signer, proven with one multiproof.
 */
export function buildBlsCertificate(
  set: ValidatorSetTree,
  round: number,
  signatures: ReadonlyMap<number, Uint8Array>,
): BlsCertificate {
  if (signatures.size === 0) throw new Error("a BLS certificate needs at least one signature");
  const nonSignerIndices = set.members.map((m) => m.index).filter((i) => !signatures.has(i));
  const mp =
    nonSignerIndices.length > 0 ? set.multiProof("keys", nonSignerIndices) : { order: [], proof: [], proofFlags: [] };
  return {
    round,
    // the chain verifies the aggregate (pairing, subgroup): no ~1 ms subgroup check per share here
    aggregateSignature: hexlify(compactPoint(aggregateSignatures([...signatures.values()], { subgroupCheck: false }))),
    aggregatePubkey: hexlify(compactPoint(set.aggregatePubkey)),
    nonSigners: encodeNonSigners(mp.order.map((index) => set.member(index))),
    proof: mp.proof,
    proofFlags: packProofFlags(mp.proofFlags),
  };
}

export function encodeEcdsaVotes(votes: readonly EcdsaVoteRecord[]): string {
  return concat(
    votes.map((v) => solidityPacked(["uint8", "uint96", "bytes32", "bytes32"], [v.index, v.stake, v.r, v.yParityAndS])),
  );
}

export function decodeEcdsaVotes(packed: string): EcdsaVoteRecord[] {
  return records(packed, ECDSA_VOTE_LENGTH).map((at) => ({
    index: Number(toBigInt(dataSlice(packed, at, at + 1))),
    stake: toBigInt(dataSlice(packed, at + 1, at + 13)),
    r: dataSlice(packed, at + 13, at + 45),
    yParityAndS: dataSlice(packed, at + 45, at + ECDSA_VOTE_LENGTH),
  }));
}

export function encodeNonSigners(nonSigners: readonly NonSignerRecord[]): string {
  return concat(
    nonSigners.map((n) => concat([solidityPacked(["uint8", "uint96"], [n.index, n.stake]), compactPoint(n.blsPubkey)])),
  );
}

export function decodeNonSigners(packed: string): NonSignerRecord[] {
  return records(packed, NON_SIGNER_LENGTH).map((at) => ({
    index: Number(toBigInt(dataSlice(packed, at, at + 1))),
    stake: toBigInt(dataSlice(packed, at + 1, at + 13)),
    blsPubkey: expandPoint(getBytes(dataSlice(packed, at + 13, at + NON_SIGNER_LENGTH))),
  }));
}

/** EIP-2537 point (128 or 256 bytes) to its compact form: each 64-byte field element without its 16 zero bytes. */
export function compactPoint(eip2537: Uint8Array): Uint8Array {
  if (eip2537.length % 64 !== 0) throw new Error(`not an EIP-2537 point: ${eip2537.length} bytes`);
  const out = new Uint8Array((eip2537.length / 64) * 48);
  for (let i = 0; i < eip2537.length / 64; i++) {
    const fp = eip2537.subarray(i * 64, (i + 1) * 64);
    if (fp.subarray(0, FP_PADDING).some((b) => b !== 0)) throw new Error("EIP-2537 field element with nonzero padding");
    out.set(fp.subarray(FP_PADDING), i * 48);
  }
  return out;
}

/** Compact point (96 or 192 bytes) back to EIP-2537 (128 or 256 bytes). */
export function expandPoint(compact: Uint8Array): Uint8Array {
  if (compact.length % 48 !== 0) throw new Error(`not a compact point: ${compact.length} bytes`);
  const out = new Uint8Array((compact.length / 48) * 64);
  for (let i = 0; i < compact.length / 48; i++) out.set(compact.subarray(i * 48, (i + 1) * 48), i * 64 + FP_PADDING);
  return out;
}

/** Multiproof flags as the bits of one word: bit i = flags[i]. */
export function packProofFlags(flags: readonly boolean[]): bigint {
  if (flags.length > MAX_PROOF_FLAGS) throw new Error(`${flags.length} multiproof flags: at most ${MAX_PROOF_FLAGS}`);
  return flags.reduce((bits, flag, i) => (flag ? bits | (1n << BigInt(i)) : bits), 0n);
}

/** Byte offsets of the records of a packed list, after checking it holds a whole number of them. */
function records(packed: string, recordLength: number): number[] {
  const length = dataLength(packed);
  if (length % recordLength !== 0)
    throw new Error(`${length} bytes is not a whole number of ${recordLength}-byte records`);
  return Array.from({ length: length / recordLength }, (_, i) => i * recordLength);
}
