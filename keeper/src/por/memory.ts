// Memory: a data-dependent fill of the claimed size (scrypt's ROMix / Argon2d idea: block i
// depends on block i-1 and on an earlier block chosen by block i-1's content), committed by a
// Merkle root, then a walk of `lookups` dependent random reads (each next index comes from the
// block just read) answered under a deadline. A prover that kept less than the fill must rebuild
// the missing blocks through their random earlier parents, which does not fit in the deadline; a
// prover that committed to a cheap buffer is caught because every opened block comes with its two
// parents and must equal fill(parents). Why not @noble/hashes' scrypt or argon2 (both exist):
// their output can only be checked by recomputing the whole function, the verifier here checks a
// handful of blocks.
import { randomBytes } from "node:crypto";
import { b64, deriveSeed, hex, indexOf, seedStream, sha256, shake, u32, unb64, unhex, type Bytes } from "./hash.js";
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

// The seed enters every block, so each checked block binds the answer to this challenge (a fill
// of another seed, made ahead of time or for another identity, fails the first check). Block i is
// an extendable output of (seed, block i-1, block j, i): the AES-256-CTR key stream under their
// SHA-256, i.e. SHA-256 as the random oracle and AES as the PRF that stretches it. It was SHAKE-256,
// the same kind of function, but SHA-256 and AES run on the CPU's SHA and AES instructions: at
// 16 KiB blocks (the mainnet target) a fill costs ~4x less CPU (scripts/bench/por.ts, docs/por.md).
function nextBlock(ch: MemoryChallenge, prev: Bytes, ref: Bytes, i: number): Buffer {
  return seedStream(sha256(unhex(ch.seed), prev, ref, u32(i)), 0, ch.blockBytes);
}

/** Fills blocks [from, to) of `buf`. */
function fillRange(ch: MemoryChallenge, buf: Buffer, from: number, to: number): void {
  const n = ch.blockBytes;
  if (from === 0) firstBlock(ch).copy(buf, 0);
  for (let i = Math.max(1, from); i < to; i++) {
    const prev = buf.subarray((i - 1) * n, i * n);
    const j = refIndex(prev, i);
    nextBlock(ch, prev, buf.subarray(j * n, (j + 1) * n), i).copy(buf, i * n);
  }
}

function allocate(ch: MemoryChallenge): Buffer {
  if (ch.blocks < 2) throw new Error("a memory challenge needs 2 blocks at least");
  return Buffer.allocUnsafe(ch.blocks * ch.blockBytes);
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
