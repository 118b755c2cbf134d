// A binary SHA-256 Merkle tree over leaf hashes, with the leaf's index in the proof (the
// measures commit to ordered data: block i must be block i). An odd node at the end of a level
// is carried up unchanged, so a proof has at most ceil(log2(n)) siblings.
import { sha256, type Bytes } from "./hash.js";

export class MerkleTree {
  /** levels[0] = leaves, last = [root] */
  private readonly levels: Bytes[][];

  constructor(leaves: Bytes[]) {
    if (leaves.length === 0) throw new Error("a Merkle tree needs at least one leaf");
    this.levels = [leaves];
    while (this.levels.at(-1)!.length > 1) {
      const below = this.levels.at(-1)!;
      const level: Bytes[] = [];
      for (let i = 0; i < below.length; i += 2)
        level.push(i + 1 < below.length ? sha256(below[i]!, below[i + 1]!) : below[i]!);
      this.levels.push(level);
    }
  }

  get root(): Bytes {
    return this.levels.at(-1)![0]!;
  }

  get size(): number {
    return this.levels[0]!.length;
  }

  proof(index: number): Bytes[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new Error(`no leaf ${index}`);
    const out: Bytes[] = [];
    let i = index;
    for (const level of this.levels.slice(0, -1)) {
      const sibling = i ^ 1;
      if (sibling < level.length) out.push(level[sibling]!);
      i >>= 1;
    }
    return out;
  }
}

/** True when `leaf` is leaf `index` of a tree of `size` leaves with root `root`. */
export function verifyMerkleProof(root: Bytes, leaf: Bytes, index: number, size: number, proof: Bytes[]): boolean {
  if (!Number.isInteger(index) || index < 0 || index >= size) return false;
  let node = leaf;
  let i = index;
  let width = size;
  let used = 0;
  while (width > 1) {
    const sibling = i ^ 1;
    if (sibling < width) {
      const s = proof[used++];
      if (s === undefined || s.length !== 32) return false;
      node = i % 2 === 0 ? sha256(node, s) : sha256(s, node);
    }
    i >>= 1;
    width = (width + 1) >> 1;
  }
  return used === proof.length && Buffer.compare(Buffer.from(node), Buffer.from(root)) === 0;
}
