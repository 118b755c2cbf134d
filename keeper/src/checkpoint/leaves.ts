// The Merkle trees behind a header's roots: OpenZeppelin StandardMerkleTrees with the leaf
// encodings of contracts/consensus/CheckpointLeaves.sol. An empty list has the zero root.
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { ZERO_HASH } from "./header.js";

export const LEAF_ENCODINGS = {
  resource: ["address", "uint32", "uint32", "uint64", "uint64", "uint32", "uint32"],
  liveness: ["address", "uint64", "uint64"],
  fault: ["address", "uint8", "bytes32"],
  reward: ["uint256", "address", "uint256"],
  // (taskId, round, result, executors): result is the agreed value itself (http-oracle: abi.encode(int256))
  taskResult: ["uint256", "uint32", "bytes", "address[]"],
} as const;

export type LeafKind = keyof typeof LEAF_ENCODINGS;

// A leaf is a tuple of ABI values; the library types it as any[].
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- StandardMerkleTree's own value type
export type LeafValues = any[];

/** A porRoot leaf's values (contracts: `ICheckpointTypes.ProvenResources`). */
export interface ProvenResources {
  cpuCores: bigint;
  bandwidthMbps: bigint;
  memoryMiB: bigint;
  storageGiB: bigint;
  /** median round-trip time to the verifiers, microseconds */
  latencyUs: bigint;
  /** share of the epoch the operator was up, basis points (0..10,000) */
  uptimeBps: bigint;
}

/** The porRoot leaf of `operator`, in LEAF_ENCODINGS.resource order. */
export function resourceLeaf(operator: string, r: ProvenResources): LeafValues {
  return [operator, r.cpuCores, r.bandwidthMbps, r.memoryMiB, r.storageGiB, r.latencyUs, r.uptimeBps];
}

export function buildTree(kind: LeafKind, leaves: LeafValues[]): StandardMerkleTree<LeafValues> | undefined {
  if (leaves.length === 0) return undefined;
  return StandardMerkleTree.of(leaves, [...LEAF_ENCODINGS[kind]]);
}

/**
 * The root StandardMerkleTree.of(leaves) would have. Validators recompute the roots of every
 * proposal (N liveness leaves each) and the library spent ~0.1 ms a leaf in its ABI encoder and
 * hex conversions (~4 ms per height per keeper at N = 32). For static leaf types the leaf hash
 * keccak256(keccak256(abi.encode(values))) is written here over 32-byte words and the tree is
 * built the library's way (leaves sorted, sorted-pair node hash) over bytes. Tests pin it to
 * StandardMerkleTree for every kind.
 */
export function rootOf(kind: LeafKind, leaves: LeafValues[]): string {
  if (leaves.length === 0) return ZERO_HASH;
  const types: readonly string[] = LEAF_ENCODINGS[kind];
  if (!types.every((t) => wordOf[baseType(t)] !== undefined)) return buildTree(kind, leaves)!.root;
  return "0x" + bytesToHex(rootOfHashes(leaves.map((values) => staticLeafHash(types, values))));
}

/** OpenZeppelin's makeMerkleTree root over leaf hashes, sorted first (StandardMerkleTree's default). */
function rootOfHashes(hashes: Uint8Array[]): Uint8Array {
  const sorted = [...hashes].sort(compareBytes);
  // the library's array layout: leaves at the end in reverse order, node i = hash(2i + 1, 2i + 2)
  const tree = new Array<Uint8Array>(2 * sorted.length - 1);
  sorted.forEach((leaf, i) => (tree[tree.length - 1 - i] = leaf));
  for (let i = tree.length - 1 - sorted.length; i >= 0; i--) tree[i] = nodeHash(tree[2 * i + 1]!, tree[2 * i + 2]!);
  return tree[0]!;
}

function nodeHash(a: Uint8Array, b: Uint8Array): Uint8Array {
  const pair = new Uint8Array(64);
  const [lo, hi] = compareBytes(a, b) <= 0 ? [a, b] : [b, a];
  pair.set(lo, 0);
  pair.set(hi, 32);
  return keccak_256(pair);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function baseType(type: string): string {
  return /^uint\d+$/.test(type) ? "uint" : type;
}

/** Writes one value's 32-byte ABI word at `out[offset..offset + 32)` (zeroed), or throws. */
type WordWriter = (value: unknown, type: string, out: Uint8Array, offset: number) => void;

const wordOf: Record<string, WordWriter | undefined> = {
  address: (v, _t, out, offset) => {
    const s = String(v);
    if (!/^0x[0-9a-fA-F]{40}$/.test(s)) throw new Error(`not an address: ${s}`);
    out.set(hexToBytes(s.slice(2)), offset + 12);
  },
  bytes32: (v, _t, out, offset) => {
    const s = String(v);
    if (!/^0x[0-9a-fA-F]{64}$/.test(s)) throw new Error(`not a bytes32: ${s}`);
    out.set(hexToBytes(s.slice(2)), offset);
  },
  uint: (v, type, out, offset) => {
    let n = BigInt(v as bigint | number | string);
    if (n < 0n || n >= 1n << BigInt(type.slice(4))) throw new Error(`${String(v)} does not fit ${type}`);
    for (let i = offset + 31; n > 0n; i--, n >>= 8n) out[i] = Number(n & 0xffn);
  },
};

function staticLeafHash(types: readonly string[], values: LeafValues): Uint8Array {
  if (values.length !== types.length) throw new Error(`leaf has ${values.length} values, expected ${types.length}`);
  const encoded = new Uint8Array(32 * types.length);
  types.forEach((t, i) => wordOf[baseType(t)]!(values[i], t, encoded, 32 * i));
  return keccak_256(keccak_256(encoded));
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
