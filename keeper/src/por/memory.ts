// Memory: a data-dependent fill of the claimed size (scrypt's ROMix / Argon2d idea: block i
// depends on block i-1 and on an earlier block chosen by block i-1's content), committed by a
// Merkle root, then a walk of `lookups` dependent random reads (each next index comes from the
// block just read) answered under a deadline. A prover that kept less than the fill must rebuild
// the missing blocks through their random earlier parents, which does not fit in the deadline; a
// prover that committed to a cheap buffer is caught because every opened block comes with its two
// parents and must equal fill(parents). Why not @noble/hashes' scrypt or argon2 (both exist):
// their output can only be checked by recomputing the whole function, the verifier here checks a
// handful of blocks.
import { createCipheriv, createSecretKey, randomBytes, type KeyObject } from "node:crypto";
import { b64, deriveSeed, hex, indexOf, sha256, shake, u32, unb64, unhex, type Bytes } from "./hash.js";
import { MerkleTree, verifyMerkleProof } from "./merkle.js";

export interface MemoryParams {
  /** bytes per block; the claim is rounded down to whole blocks */
  blockBytes: number;
  /** dependent reads per walk */
  lookups: number;
  /** time allowed for the fill and commitment (first round) */
  fillDeadlineMs: number;
  /** time allowed for the walk (second round): a few reads per ms from RAM, far fewer from disk or by recomputation */
  walkDeadlineMs: number;
}

export interface MemoryChallenge {
  seed: string;
  blocks: number;
  blockBytes: number;
}

export interface MemoryCommitment {
  root: string;
}

export interface WalkRequest {
  walkSeed: string;
  lookups: number;
}

export interface OpenedBlock {
  /** base64 block */
  data: string;
  /** base64 sibling hashes */
  proof: string[];
}

/** Per walk step: the block read, then its parents (block i-1 and block j(i)), each with its proof. */
export interface WalkAnswer {
  steps: Array<{ index: number; block: OpenedBlock; prev: OpenedBlock; ref: OpenedBlock }>;
}

export interface MemoryVerdict {
  provenBytes: number;
  failure?: string;
}

/**
 * The seed of an operator's memory fill in an epoch: one fill per operator per epoch, shared by the
 * walks of its k verifiers (each walk with the verifier's own fresh walk seed). Why one fill keeps
 * the proof sound, against a fill per verifier with the verifier's fresh seed:
 * - nobody can fill ahead: the epoch seed is the last header certified when the epoch started,
 *   unknown before; the operator's address in it makes two identities fill twice;
 * - what a walk proves is unchanged: that the committed fill is held when the walk comes, since
 *   rebuilding blocks on demand misses the walk deadline (a fill takes far longer than a walk);
 *   the walk's indices come from the verifier's fresh walk seed and the blocks read, so no walk
 *   can be foreseen, and the k walks of one epoch are as independent as before;
 * - a prover committing different roots to different verifiers gains nothing: each root is
 *   checked by its own walk as before (and each verifier's fill deadline still bounds the time to
 *   its commitment);
 * - the prover now holds the fill from its first verifier's challenge to its last (the stagger
 *   window), where it held one only from fill to walk: two identities can no longer time-share
 *   one machine's memory between challenges that do not overlap.
 */
export function memoryFillSeed(epochSeed: string, operator: string, epoch: number): Buffer {
  return deriveSeed("memory-fill", unhex(epochSeed), unhex(operator.toLowerCase()), epoch);
}

/** A challenge to fill `bytes` (the claim, or a fraction of it in local configs). */
export function memoryChallenge(seed: Bytes, bytes: number, p: MemoryParams): MemoryChallenge {
  return { seed: hex(seed), blocks: Math.floor(bytes / p.blockBytes), blockBytes: p.blockBytes };
}

/** Index of block i's earlier parent, from block i-1's first bytes (data-dependent, like Argon2d). */
function refIndex(prev: Bytes, i: number): number {
  return indexOf(prev, i);
}

function firstBlock(ch: MemoryChallenge): Buffer {
  return shake(ch.blockBytes, deriveSeed("memory", unhex(ch.seed)));
}

// Block i = G(prev ⊕ ref) ⊕ (prev ⊕ ref), G two passes of AES-128-CBC under a key bound to the
// seed, IV i (over x = prev ⊕ ref, then over the first pass's output, the chain going on),
// the shape of Argon2's compression G(X, Y) = P(X ⊕ Y) ⊕ X ⊕ Y. Why this shape (soundness):
// - Nothing narrow between the parents and the block. The previous fill, the AES-CTR key stream
//   under SHA-256(seed, prev, ref, i), made each block a function of a 32-byte key: a prover could
//   keep the keys (32 B per 16 KiB block, 0.2% of the claim) plus the Merkle tree and rebuild any
//   block with one AES call, answering every walk in milliseconds. Here every bit of the block
//   comes from the 16 KiB x through a 16 KiB-wide state: rebuilding a block needs both parents
//   whole, so missing blocks cost recomputation through their ancestors (Argon2d's trade-off).
// - Full diffusion: one CBC pass makes output chunk t depend on input chunks 0..t only, so a
//   prover keeping half of each block (chunk by chunk) could rebuild the rest from neighbours; the
//   second pass chains on from the first pass's last chunk (which depends on all of x), so every
//   output chunk depends on every byte of both parents (a unit test checks it).
// - Feed-forward (⊕ x): G alone is a permutation, which would let a block's parent be recovered
//   from the block and the other parent; the feed-forward makes it one-way.
// - The seed keys every block and block 0 is the seed's, so a fill binds its challenge seed.
// AES-128 and not 256: no secrecy is asked of the key (it is public), only a fast mixing
// permutation on the CPU's AES instructions (CBC is sequential: 10 rounds cost ~30% less than 14).
const fillKeys = new Map<string, KeyObject>();
function fillKey(seed: string): KeyObject {
  let k = fillKeys.get(seed);
  if (!k) {
    k = createSecretKey(deriveSeed("memory-key", unhex(seed)).subarray(0, 16));
    if (fillKeys.size > 64) fillKeys.clear();
    fillKeys.set(seed, k);
  }
  return k;
}

/** Writes fill(prev, ref, i) into `out` (blockBytes long, a multiple of 16; `x` is scratch space). */
function nextBlockInto(ch: MemoryChallenge, prev: Bytes, ref: Bytes, i: number, out: Buffer, x: Buffer): void {
  const xw = words(x);
  xorWords(xw, words(prev), words(ref));
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(i, 12);
  const cbc = createCipheriv("aes-128-cbc", fillKey(ch.seed), iv).setAutoPadding(false);
  // the second pass continues the chain from the first pass's last chunk
  xorWords(words(out, true), words(cbc.update(cbc.update(x))), xw);
}

/** out = a ⊕ b, word by word (all three the same length). */
function xorWords(out: Int32Array, a: Int32Array, b: Int32Array): void {
  const n = out.length;
  if (a.length !== n || b.length !== n) throw new Error("xor of unequal blocks");
  for (let k = 0; k < n; k++) out[k] = a[k]! ^ b[k]!;
}

/** A 32-bit view of a block; an unaligned input (a pooled Buffer) is copied, an output must be aligned. */
function words(b: Bytes, written = false): Int32Array {
  if (b.byteLength % 16 !== 0) throw new Error("memory blocks are whole AES blocks (a multiple of 16 bytes)");
  if (b.byteOffset % 4 === 0) return new Int32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
  if (written) throw new Error("unaligned output block");
  return new Int32Array(Uint8Array.prototype.slice.call(b).buffer);
}

/** Block i of the fill from its parents (exported for the diffusion test). */
export function nextBlock(ch: MemoryChallenge, prev: Bytes, ref: Bytes, i: number): Buffer {
  const out = Buffer.alloc(ch.blockBytes);
  nextBlockInto(ch, prev, ref, i, out, Buffer.alloc(ch.blockBytes));
  return out;
}

/** Fills blocks [from, to) of `buf`. */
function fillRange(ch: MemoryChallenge, buf: Buffer, from: number, to: number): void {
  const n = ch.blockBytes;
  if (from === 0) firstBlock(ch).copy(buf, 0);
  const x = Buffer.alloc(n);
  for (let i = Math.max(1, from); i < to; i++) {
    const prev = buf.subarray((i - 1) * n, i * n);
    const j = refIndex(prev, i);
    nextBlockInto(ch, prev, buf.subarray(j * n, (j + 1) * n), i, buf.subarray(i * n, (i + 1) * n), x);
  }
}

function allocate(ch: MemoryChallenge): Buffer {
  if (ch.blocks < 2) throw new Error("a memory challenge needs 2 blocks at least");
  // its own ArrayBuffer (not the pool), so every block is 4-byte aligned for nextBlockInto
  return Buffer.allocUnsafeSlow(ch.blocks * ch.blockBytes);
}

/** The whole fill, one buffer of blocks x blockBytes. */
export function fillMemory(ch: MemoryChallenge): Buffer {
  const buf = allocate(ch);
  fillRange(ch, buf, 0, ch.blocks);
  return buf;
}

/** The same fill in slices, yielding to the event loop between them (a keeper's timers keep running). */
export async function fillMemoryAsync(ch: MemoryChallenge, slice = 512): Promise<Buffer> {
  const buf = allocate(ch);
  for (let from = 0; from < ch.blocks; from += slice) {
    fillRange(ch, buf, from, Math.min(ch.blocks, from + slice));
    await new Promise((r) => setImmediate(r));
  }
  return buf;
}

function walkIndex(walkSeed: string, step: number, lastBlock: Bytes | undefined, blocks: number): number {
  // index 0 has no parents to check: walks start and land on 1..blocks-1
  return 1 + indexOf(sha256(unhex(walkSeed), u32(step), lastBlock ?? new Uint8Array()), blocks - 1);
}

/** What the honest prover keeps between the two rounds. */
export class MemoryProver {
  private readonly tree: MerkleTree;

  private constructor(
    readonly ch: MemoryChallenge,
    private readonly buf: Buffer,
  ) {
    const n = ch.blockBytes;
    this.tree = new MerkleTree(Array.from({ length: ch.blocks }, (_, i) => sha256(buf.subarray(i * n, (i + 1) * n))));
  }

  static fill(ch: MemoryChallenge): MemoryProver {
    return new MemoryProver(ch, fillMemory(ch));
  }

  static async fillAsync(ch: MemoryChallenge): Promise<MemoryProver> {
    return new MemoryProver(ch, await fillMemoryAsync(ch));
  }

  commitment(): MemoryCommitment {
    return { root: hex(this.tree.root) };
  }

  block(i: number): Buffer {
    return this.buf.subarray(i * this.ch.blockBytes, (i + 1) * this.ch.blockBytes);
  }

  private open(i: number): OpenedBlock {
    return { data: b64(this.block(i)), proof: this.tree.proof(i).map(b64) };
  }

  walk(req: WalkRequest): WalkAnswer {
    const steps: WalkAnswer["steps"] = [];
    let last: Buffer | undefined;
    for (let s = 0; s < req.lookups; s++) {
      const i = walkIndex(req.walkSeed, s, last, this.ch.blocks);
      last = this.block(i);
      const j = refIndex(this.block(i - 1), i);
      steps.push({ index: i, block: this.open(i), prev: this.open(i - 1), ref: this.open(j) });
    }
    return { steps };
  }
}

export function walkRequest(p: MemoryParams, seed: Bytes = randomBytes(32)): WalkRequest {
  return { walkSeed: hex(seed), lookups: p.lookups };
}

/** Checks a walk against the commitment: indices follow the walk, blocks open, each block = fill(parents). */
export function verifyMemory(
  ch: MemoryChallenge,
  commitment: MemoryCommitment,
  walk: WalkRequest,
  answer: WalkAnswer,
  times: { fillMs: number; walkMs: number },
  p: MemoryParams,
): MemoryVerdict {
  const fail = (failure: string): MemoryVerdict => ({ provenBytes: 0, failure });
  if (times.fillMs > p.fillDeadlineMs) return fail(`fill took ${times.fillMs} ms > ${p.fillDeadlineMs}`);
  if (times.walkMs > p.walkDeadlineMs) return fail(`walk took ${times.walkMs} ms > ${p.walkDeadlineMs}`);
  if (answer.steps.length !== walk.lookups) return fail(`${answer.steps.length} steps, expected ${walk.lookups}`);
  const root = unhex(commitment.root);
  const opens = (o: OpenedBlock, i: number): Buffer | undefined => {
    const data = unb64(o.data);
    if (data.length !== ch.blockBytes) return undefined;
    return verifyMerkleProof(root, sha256(data), i, ch.blocks, o.proof.map(unb64)) ? data : undefined;
  };
  let last: Buffer | undefined;
  for (const [s, step] of answer.steps.entries()) {
    const i = walkIndex(walk.walkSeed, s, last, ch.blocks);
    if (step.index !== i) return fail(`step ${s} read block ${step.index}, the walk says ${i}`);
    const block = opens(step.block, i);
    const prev = opens(step.prev, i - 1);
    if (!block || !prev) return fail(`step ${s}: block ${i} or its predecessor does not open`);
    const ref = opens(step.ref, refIndex(prev, i));
    if (!ref) return fail(`step ${s}: the reference block of ${i} does not open`);
    if (i === 1 && !prev.equals(firstBlock(ch))) return fail("block 0 is not the seed's block");
    if (!nextBlock(ch, prev, ref, i).equals(block)) return fail(`block ${i} is not the fill of its parents`);
    last = block;
  }
  return { provenBytes: ch.blocks * ch.blockBytes };
}
