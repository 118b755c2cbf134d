// An epoch's validator set as the staking contract commits it (contracts/staking/lib/ValidatorSetMerkle.sol):
// two OpenZeppelin StandardMerkleTrees, keys over (index, blsPubkeyHash, stake) and signers over
// (index, signer, stake), under root = sorted-pair keccak256(keysRoot, signersRoot); and the aggregate BLS key of
// all members. A BLS certificate proves keys-tree leaves, an ECDSA certificate and double-sign evidence prove
// signers-tree leaves; each proof ends with the other tree's root (docs/certificates.md).
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { concat, getAddress, hexlify, keccak256 } from "ethers";
import { aggregatePublicKeys } from "../crypto/bls.js";

export const KEY_LEAF_ENCODING = ["uint256", "bytes32", "uint256"];
export const SIGNER_LEAF_ENCODING = ["uint256", "address", "uint256"];

export interface ValidatorMember {
  index: number;
  signer: string;
  /** 256-byte EIP-2537 G2 public key */
  blsPubkey: Uint8Array;
  stake: bigint;
}

export type KeyLeafValue = [bigint, string, bigint];
export type SignerLeafValue = [bigint, string, bigint];
export type ValidatorTreeKind = "keys" | "signers";

export interface ValidatorMultiProof {
  /** set indices of the proven members, in the order the proof expects */
  order: number[];
  proof: string[];
  proofFlags: boolean[];
}

/** OpenZeppelin's commutativeKeccak256: the hash of the sorted pair. */
export function hashPair(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

export class ValidatorSetTree {
  readonly keys: StandardMerkleTree<KeyLeafValue>;
  readonly signers: StandardMerkleTree<SignerLeafValue>;
  readonly totalStake: bigint;
  readonly aggregatePubkey: Uint8Array;
  readonly root: string;
  private readonly byIndex = new Map<number, ValidatorMember>();
  private readonly treeIndex: Record<ValidatorTreeKind, Map<number, number>> = { keys: new Map(), signers: new Map() };

  constructor(readonly members: readonly ValidatorMember[]) {
    if (members.length === 0) throw new Error("a validator set needs at least one member");
    members.forEach((m, i) => {
      if (m.index !== i) throw new Error(`member ${i} has index ${m.index}; indices must be 0..n-1 in order`);
      this.byIndex.set(m.index, m);
    });
    this.keys = StandardMerkleTree.of(members.map(keyLeafValue), KEY_LEAF_ENCODING);
    this.signers = StandardMerkleTree.of(members.map(signerLeafValue), SIGNER_LEAF_ENCODING);
    for (const [t, v] of this.keys.entries()) this.treeIndex.keys.set(Number(v[0]), t);
    for (const [t, v] of this.signers.entries()) this.treeIndex.signers.set(Number(v[0]), t);
    this.root = hashPair(this.keys.root, this.signers.root);
    this.totalStake = members.reduce((s, m) => s + m.stake, 0n);
    this.aggregatePubkey = aggregatePublicKeys(members.map((m) => m.blsPubkey));
  }

  get aggregatePubkeyHash(): string {
    return keccak256(this.aggregatePubkey);
  }

  member(index: number): ValidatorMember {
    const m = this.byIndex.get(index);
    if (!m) throw new Error(`no validator with index ${index}`);
    return m;
  }

  /**
   * Multiproof of the given members' leaves in one tree against the set root: the tree's multiproof, then the other
   * tree's root as one last proof element (flag clear) for the final step.
   */
  multiProof(kind: ValidatorTreeKind, setIndices: readonly number[]): ValidatorMultiProof {
    const tree = this.tree(kind);
    const mp = tree.getMultiProof(setIndices.map((i) => this.treeIndexOf(kind, i)));
    return {
      order: mp.leaves.map((v) => Number(v[0])),
      proof: [...mp.proof, this.otherRoot(kind)],
      proofFlags: [...mp.proofFlags, false],
    };
  }

  /** Single-leaf proof of a member's signers-tree leaf against the set root (double-sign evidence). */
  signerProof(setIndex: number): string[] {
    return [...this.signers.getProof(this.treeIndexOf("signers", setIndex)), this.keys.root];
  }

  private tree(kind: ValidatorTreeKind): StandardMerkleTree<KeyLeafValue | SignerLeafValue> {
    return kind === "keys" ? this.keys : this.signers;
  }

  private otherRoot(kind: ValidatorTreeKind): string {
    return kind === "keys" ? this.signers.root : this.keys.root;
  }

  private treeIndexOf(kind: ValidatorTreeKind, setIndex: number): number {
    const t = this.treeIndex[kind].get(setIndex);
    if (t === undefined) throw new Error(`no validator with index ${setIndex}`);
    return t;
  }
}

export function keyLeafValue(m: ValidatorMember): KeyLeafValue {
  return [BigInt(m.index), keccak256(hexlify(m.blsPubkey)), m.stake];
}

export function signerLeafValue(m: ValidatorMember): SignerLeafValue {
  return [BigInt(m.index), getAddress(m.signer), m.stake];
}
