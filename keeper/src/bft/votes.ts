// Consensus votes as signed messages: an EIP-712 digest over the checkpoint store's domain,
// signed by the validator's ECDSA signer (every vote) and BLS key (precommits for a value, so a
// decision yields both certificate kinds).
import { getBytes, hexlify, type TypedDataDomain, type Wallet } from "ethers";
import { sign as blsSign, verify as blsVerify } from "../crypto/bls.js";
import { recoverDigestSigner, signDigest } from "../crypto/ecdsa.js";
import { voteDigest, VoteType, ZERO_HASH } from "../checkpoint/header.js";
import type { Vote } from "../consensus/types.js";
import { BoundedMap } from "./vote-cache.js";

export interface VoteKeys {
  signer: Wallet;
  blsSecret: Uint8Array;
}

export interface SignedVoteParts {
  ecdsa: string;
  /** "0x" when the vote carries no BLS share */
  bls: string;
}

// Enough for several heights of 100+ validators; a miss only costs a recomputation.
const digests = new BoundedMap<string, string>(4096);
const signers = new BoundedMap<string, string>(16384);

export function digestOf(domain: TypedDataDomain, epoch: bigint, vote: Vote): string {
  const key = `${domain.chainId}/${domain.verifyingContract}/${epoch}/${vote.height}/${vote.round}/${vote.type}/${vote.valueHash}`;
  return digests.getOrCompute(key, () =>
    voteDigest(domain, {
      voteType: vote.type === "prevote" ? VoteType.Prevote : VoteType.Precommit,
      epoch,
      height: BigInt(vote.height),
      round: vote.round,
      valueHash: vote.valueHash ?? ZERO_HASH,
    }),
  );
}

export function signVote(domain: TypedDataDomain, epoch: bigint, vote: Vote, keys: VoteKeys): SignedVoteParts {
  const digest = digestOf(domain, epoch, vote);
  const ecdsa = signDigest(getBytes(keys.signer.privateKey), digest);
  const withBls = vote.type === "precommit" && vote.valueHash !== null;
  return { ecdsa, bls: withBls ? hexlify(blsSign(keys.blsSecret, getBytes(digest))) : "0x" };
}

/**
 * The lowercase address that signed the vote's ECDSA signature (throws on a malformed one); a
 * signature seen before (the same precommit again in a lastCommit or a commit) is not recovered twice.
 */
export function recoverVoteSigner(domain: TypedDataDomain, epoch: bigint, vote: Vote, ecdsa: string): string {
  const digest = digestOf(domain, epoch, vote);
  return signers.getOrCompute(digest + ecdsa, () => recoverDigestSigner(digest, ecdsa));
}

export function verifyBlsShare(
  domain: TypedDataDomain,
  epoch: bigint,
  vote: Vote,
  blsPubkey: Uint8Array,
  bls: string,
): boolean {
  if (bls === "0x") return false;
  return blsVerify(blsPubkey, getBytes(bls), getBytes(digestOf(domain, epoch, vote)));
}
