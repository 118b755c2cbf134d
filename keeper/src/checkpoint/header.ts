// Checkpoint headers and consensus votes as EIP-712 structs: the exact hashes the
// CheckpointStore contract computes (contracts/consensus/CertificateVerifier.sol).
import { TypedDataEncoder, type TypedDataDomain } from "ethers";

export interface Header {
  chainId: bigint;
  epoch: bigint;
  height: bigint;
  parentHash: string;
  porRoot: string;
  taskRoot: string;
  livenessRoot: string;
  rewardsRoot: string;
  totalRewards: bigint;
  faultsRoot: string;
}

export const ZERO_HASH = "0x" + "00".repeat(32);

export const HEADER_TYPES = {
  Header: [
    { name: "chainId", type: "uint256" },
    { name: "epoch", type: "uint64" },
    { name: "height", type: "uint64" },
    { name: "parentHash", type: "bytes32" },
    { name: "porRoot", type: "bytes32" },
    { name: "taskRoot", type: "bytes32" },
    { name: "livenessRoot", type: "bytes32" },
    { name: "rewardsRoot", type: "bytes32" },
    { name: "totalRewards", type: "uint256" },
    { name: "faultsRoot", type: "bytes32" },
  ],
};

export const VOTE_TYPES = {
  Vote: [
    { name: "voteType", type: "uint8" },
    { name: "epoch", type: "uint64" },
    { name: "height", type: "uint64" },
    { name: "round", type: "uint32" },
    { name: "valueHash", type: "bytes32" },
  ],
};

export const VoteType = { Prevote: 1, Precommit: 2 } as const;
export type VoteTypeCode = (typeof VoteType)[keyof typeof VoteType];

export interface VoteFields {
  voteType: VoteTypeCode;
  epoch: bigint;
  height: bigint;
  round: number;
  /** the header's struct hash, or ZERO_HASH for nil */
  valueHash: string;
}

/** The EIP-712 domain of the CheckpointStore deployed at `verifyingContract` on `chainId`. */
export function checkpointDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return { name: "OpenMesh Checkpoints", version: "1", chainId, verifyingContract };
}

/** EIP-712 struct hash of a header: the value validators vote on. */
export function headerHash(h: Header): string {
  return TypedDataEncoder.hashStruct("Header", HEADER_TYPES, h);
}

/** The digest a validator signs (ECDSA directly, BLS as the 32-byte message). */
export function voteDigest(domain: TypedDataDomain, vote: VoteFields): string {
  return TypedDataEncoder.hash(domain, VOTE_TYPES, vote);
}

/** The header as the tuple a typechain binding takes. */
export function headerTuple(h: Header) {
  return {
    chainId: h.chainId,
    epoch: h.epoch,
    height: h.height,
    parentHash: h.parentHash,
    porRoot: h.porRoot,
    taskRoot: h.taskRoot,
    livenessRoot: h.livenessRoot,
    rewardsRoot: h.rewardsRoot,
    totalRewards: h.totalRewards,
    faultsRoot: h.faultsRoot,
  };
}
