// The Merkle trees behind a header's roots: OpenZeppelin StandardMerkleTrees with the leaf
// encodings of contracts/consensus/CheckpointLeaves.sol. An empty list has the zero root.
import { SimpleMerkleTree, StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { getBytes, keccak256, toBeHex } from "ethers";
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

/**
 * The root StandardMerkleTree.of(leaves) would have. Validators recompute roots of every proposal
 * (N liveness leaves each), and the library's ABI encoder spent ~1 ms per 16 leaves building
 * error objects; for static leaf types the leaf hash keccak256(keccak256(abi.encode(values))) is
 * written here over 32-byte words and the tree built from the hashes (SimpleMerkleTree: same
 * sorted-pair node hash). Tests pin it to StandardMerkleTree for every kind.
 */
export function rootOf(kind: LeafKind, leaves: LeafValues[]): string {
  if (leaves.length === 0) return ZERO_HASH;
  const types: readonly string[] = LEAF_ENCODINGS[kind];
  if (!types.every((t) => wordOf[baseType(t)] !== undefined)) return buildTree(kind, leaves)!.root;
  return SimpleMerkleTree.of(leaves.map((values) => staticLeafHash(types, values))).root;
}

function baseType(type: string): string {
  return /^uint\d+$/.test(type) ? "uint" : type;
}

const wordOf: Record<string, ((value: unknown, type: string) => Uint8Array) | undefined> = {
  address: (v) => {
    const bytes = getBytes(String(v));
    if (bytes.length !== 20) throw new Error(`not an address: ${String(v)}`);
    return getBytes(toBeHex(BigInt(String(v)), 32));
  },
  bytes32: (v) => {
    const bytes = getBytes(String(v));
    if (bytes.length !== 32) throw new Error(`not a bytes32: ${String(v)}`);
    return bytes;
  },
  uint: (v, type) => {
    const n = BigInt(v as bigint | number | string);
    if (n < 0n || n >= 1n << BigInt(type.slice(4))) throw new Error(`${String(v)} does not fit ${type}`);
    return getBytes(toBeHex(n, 32));
  },
};

function staticLeafHash(types: readonly string[], values: LeafValues): string {
  if (values.length !== types.length) throw new Error(`leaf has ${values.length} values, expected ${types.length}`);
  const encoded = new Uint8Array(32 * types.length);
  types.forEach((t, i) => encoded.set(wordOf[baseType(t)]!(values[i], t), 32 * i));
  return keccak256(getBytes(keccak256(encoded)));
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
