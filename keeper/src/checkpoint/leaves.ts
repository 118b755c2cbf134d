// The Merkle trees behind a header's roots: OpenZeppelin StandardMerkleTrees with the leaf
// encodings of contracts/consensus/CheckpointLeaves.sol. An empty list has the zero root.
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { ZERO_HASH } from "./header.js";

export const LEAF_ENCODINGS = {
  resource: ["address", "uint32", "uint32", "uint64", "uint64"],
  liveness: ["address", "uint64", "uint64"],
  fault: ["address", "uint8", "bytes32"],
  reward: ["uint256", "address", "uint256"],
  taskResult: ["uint256", "bytes32", "address[]"],
} as const;

export type LeafKind = keyof typeof LEAF_ENCODINGS;

// A leaf is a tuple of ABI values; the library types it as any[].
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- StandardMerkleTree's own value type
export type LeafValues = any[];

export function buildTree(kind: LeafKind, leaves: LeafValues[]): StandardMerkleTree<LeafValues> | undefined {
  if (leaves.length === 0) return undefined;
  return StandardMerkleTree.of(leaves, [...LEAF_ENCODINGS[kind]]);
}

export function rootOf(kind: LeafKind, leaves: LeafValues[]): string {
  return buildTree(kind, leaves)?.root ?? ZERO_HASH;
}

/** Proof of the leaf at `position` in `leaves` (the input order, not the tree order). */
export function proofOf(kind: LeafKind, leaves: LeafValues[], position: number): string[] {
  const tree = buildTree(kind, leaves);
  if (!tree) throw new Error(`no ${kind} leaves to prove`);
  for (const [i, v] of tree.entries()) {
    if (JSON.stringify(v, bigintJson) === JSON.stringify(leaves[position], bigintJson)) return tree.getProof(i);
  }
  throw new Error(`${kind} leaf ${position} not found`);
}

function bigintJson(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}
