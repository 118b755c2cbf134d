// An epoch's validator set as the staking contract commits it: an OpenZeppelin StandardMerkleTree
// over (index, signer, blsPubkeyHash, stake), and the aggregate BLS key of all members.
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { getAddress, hexlify, keccak256 } from "ethers";
import { aggregatePublicKeys } from "../crypto/bls.js";

export const VALIDATOR_LEAF_ENCODING = ["uint256", "address", "bytes32", "uint256"];

export interface ValidatorMember {
  index: number;
  signer: string;
  /** 256-byte EIP-2537 G2 public key */
  blsPubkey: Uint8Array;
  stake: bigint;
}

export type ValidatorLeafValue = [bigint, string, string, bigint];

export class ValidatorSetTree {
  readonly tree: StandardMerkleTree<ValidatorLeafValue>;
  readonly totalStake: bigint;
  readonly aggregatePubkey: Uint8Array;
  private readonly byIndex = new Map<number, ValidatorMember>();
  private readonly treeIndexBySetIndex = new Map<number, number>();

  constructor(readonly members: readonly ValidatorMember[]) {
    if (members.length === 0) throw new Error("a validator set needs at least one member");
    members.forEach((m, i) => {
      if (m.index !== i) throw new Error(`member ${i} has index ${m.index}; indices must be 0..n-1 in order`);
      this.byIndex.set(m.index, m);
    });
    this.tree = StandardMerkleTree.of(members.map(leafValue), VALIDATOR_LEAF_ENCODING);
    for (const [treeIndex, value] of this.tree.entries()) this.treeIndexBySetIndex.set(Number(value[0]), treeIndex);
    this.totalStake = members.reduce((s, m) => s + m.stake, 0n);
    this.aggregatePubkey = aggregatePublicKeys(members.map((m) => m.blsPubkey));
  }

  get root(): string {
    return this.tree.root;
  }

  get aggregatePubkeyHash(): string {
    return keccak256(this.aggregatePubkey);
  }

  member(index: number): ValidatorMember {
    const m = this.byIndex.get(index);
    if (!m) throw new Error(`no validator with index ${index}`);
    return m;
  }

  /** Multiproof of the given members, with their set indices in the order the proof expects. */
  multiProof(setIndices: readonly number[]): { order: number[]; proof: string[]; proofFlags: boolean[] } {
    const treeIndices = setIndices.map((i) => {
      const t = this.treeIndexBySetIndex.get(i);
      if (t === undefined) throw new Error(`no validator with index ${i}`);
      return t;
    });
    const mp = this.tree.getMultiProof(treeIndices);
    return { order: mp.leaves.map((v) => Number(v[0])), proof: mp.proof, proofFlags: mp.proofFlags };
  }

  /** Single-leaf proof of a member. */
  proof(setIndex: number): string[] {
    const t = this.treeIndexBySetIndex.get(setIndex);
    if (t === undefined) throw new Error(`no validator with index ${setIndex}`);
    return this.tree.getProof(t);
  }
}

export function leafValue(m: ValidatorMember): ValidatorLeafValue {
  return [BigInt(m.index), getAddress(m.signer), keccak256(hexlify(m.blsPubkey)), m.stake];
}
