// Storage: a data set derived from the operator's address, committed by a Merkle root, and
// challenged at random chunks that must come back with proofs before a deadline. Chunk i is the
// expansion of `chunkWork` sequential hashes over (seed, chunk i-1, i): regenerating one missing
// chunk costs at least that chain (and all missing chunks before it), which takes longer than the
// deadline, so a prover answers from disk or not at all. The seed names the operator, so two
// identities cannot share one data set. Proven size: the declared data set x the share of
// challenged chunks answered (a prover that keeps a quarter proves about a quarter); a chunk that
// opens wrong, or does not derive from its predecessor, or a late answer proves nothing.
import { randomInt } from "node:crypto";
import { mkdir, open, readFile, rename, writeFile, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { b64, deriveSeed, hashChain, hex, sha256, shake, u32, unb64, unhex, type Bytes } from "./hash.js";
import { MerkleTree, verifyMerkleProof } from "./merkle.js";

export interface StorageParams {
  chunkBytes: number;
  /** sequential SHA-256 steps to derive one chunk: regeneration cost per chunk */
  chunkWork: number;
  /** chunks challenged per round */
  challenges: number;
  /** of those, chunks also opened with their predecessor and re-derived by the verifier */
  derivationChecks: number;
  /** time allowed to answer, request to reply: well under one chunk's regeneration */
  deadlineMs: number;
  /** bytes per unit of the leaf's storage field (GiB on mainnet; local configs scale it down) */
  unitBytes: number;
}

export interface StorageCommitment {
  root: string;
  chunks: number;
}

export interface StorageRequest {
  indices: number[];
  /** indices (of `indices`) to open with their predecessor */
  withPrev: number[];
}

export interface OpenedChunk {
  data: string;
  proof: string[];
}

export interface StorageAnswer {
  chunks: Array<{ index: number; chunk?: OpenedChunk; prev?: OpenedChunk }>;
}

export interface StorageVerdict {
  provenUnits: number;
  provenBytes: number;
  answered: number;
  failure?: string;
}

export function datasetSeed(operator: string): Buffer {
  return deriveSeed("storage", operator.toLowerCase());
}

/** Chunk i of the operator's data set, from chunk i-1 (none for chunk 0). */
export function deriveChunk(seed: Bytes, i: number, prev: Bytes | undefined, p: StorageParams): Buffer {
  const start = sha256(seed, prev ?? new Uint8Array(), u32(i));
  return shake(p.chunkBytes, seed, hashChain(start, p.chunkWork));
}

export function storageRequest(
  c: StorageCommitment,
  p: StorageParams,
  pick = (n: number) => randomInt(n),
): StorageRequest {
  const indices = Array.from({ length: p.challenges }, () => pick(c.chunks));
  const candidates = indices.filter((i) => i > 0);
  return { indices, withPrev: candidates.slice(0, p.derivationChecks) };
}

/**
 * The prover's data set on disk: `<path>` holds the chunks, `<path>.hashes` their hashes (32 B
 * each, to rebuild the tree at start without reading every chunk). A chunk missing from disk is
 * answered as missing.
 */
export class StorageDataset {
  private constructor(
    private readonly file: FileHandle,
    private readonly tree: MerkleTree,
    private readonly stored: number,
    readonly p: StorageParams,
  ) {}

  /** Generates `chunks` chunks (keeping the first `keep` on disk: tests of a prover that lies). */
  static async create(
    path: string,
    operator: string,
    chunks: number,
    p: StorageParams,
    keep = chunks,
  ): Promise<StorageDataset> {
    await mkdir(dirname(path), { recursive: true });
    const seed = datasetSeed(operator);
    const hashes = Buffer.alloc(32 * chunks);
    const out = await open(`${path}.tmp`, "w");
    let prev: Buffer | undefined;
    try {
      for (let i = 0; i < chunks; i++) {
        prev = deriveChunk(seed, i, prev, p);
        sha256(prev).copy(hashes, 32 * i);
        if (i < keep) await out.write(prev, 0, prev.length, i * p.chunkBytes);
        // let timers and the network run between chunks: generation takes a while
        if (i % 16 === 15) await new Promise((r) => setImmediate(r));
      }
    } finally {
      await out.close();
    }
    await writeFile(`${path}.hashes`, hashes);
    await rename(`${path}.tmp`, path);
    return StorageDataset.open(path, p);
  }

  /** Opens a data set made before (throws when there is none). */
  static async open(path: string, p: StorageParams): Promise<StorageDataset> {
    const hashes = await readFile(`${path}.hashes`);
    const file = await open(path, "r");
    const { size } = await file.stat();
    const chunks = hashes.length / 32;
    const leaves = Array.from({ length: chunks }, (_, i) => hashes.subarray(32 * i, 32 * i + 32));
    return new StorageDataset(file, new MerkleTree(leaves), Math.floor(size / p.chunkBytes), p);
  }

  /** Opens the data set at `path` if it has `chunks` chunks, else makes it. */
  static async ensure(path: string, operator: string, chunks: number, p: StorageParams): Promise<StorageDataset> {
    try {
      const d = await StorageDataset.open(path, p);
      if (d.commitment().chunks === chunks) return d;
      await d.close();
    } catch {
      // none yet
    }
    return StorageDataset.create(path, operator, chunks, p);
  }

  commitment(): StorageCommitment {
    return { root: hex(this.tree.root), chunks: this.tree.size };
  }

  async close(): Promise<void> {
    await this.file.close();
  }

  private async open(i: number): Promise<OpenedChunk | undefined> {
    if (i < 0 || i >= this.stored) return undefined;
    const data = Buffer.alloc(this.p.chunkBytes);
    const { bytesRead } = await this.file.read(data, 0, data.length, i * this.p.chunkBytes);
    if (bytesRead !== data.length) return undefined;
    return { data: b64(data), proof: this.tree.proof(i).map(b64) };
  }

  async answer(req: StorageRequest): Promise<StorageAnswer> {
    const withPrev = new Set(req.withPrev);
    const chunks: StorageAnswer["chunks"] = [];
    for (const index of req.indices) {
      const chunk = await this.open(index);
      chunks.push({ index, chunk, prev: chunk && withPrev.has(index) ? await this.open(index - 1) : undefined });
    }
    return { chunks };
  }
}

export function verifyStorage(
  operator: string,
  c: StorageCommitment,
  req: StorageRequest,
  answer: StorageAnswer,
  elapsedMs: number,
  p: StorageParams,
): StorageVerdict {
  const fail = (failure: string): StorageVerdict => ({ provenUnits: 0, provenBytes: 0, answered: 0, failure });
  if (elapsedMs > p.deadlineMs) return fail(`late: ${elapsedMs} ms > ${p.deadlineMs} ms`);
  if (answer.chunks.length !== req.indices.length) return fail("answer does not match the request");
  const root = unhex(c.root);
  const seed = datasetSeed(operator);
  const opens = (o: OpenedChunk, i: number): Buffer | undefined => {
    const data = unb64(o.data);
    if (data.length !== p.chunkBytes) return undefined;
    return verifyMerkleProof(root, sha256(data), i, c.chunks, o.proof.map(unb64)) ? data : undefined;
  };
  const withPrev = new Set(req.withPrev);
  let answered = 0;
  for (const [k, a] of answer.chunks.entries()) {
    const i = req.indices[k]!;
    if (a.index !== i) return fail(`answer ${k} is chunk ${a.index}, asked ${i}`);
    if (a.chunk === undefined) continue; // missing: proves nothing, is no fraud
    const data = opens(a.chunk, i);
    if (!data) return fail(`chunk ${i} does not open under the root`);
    if (withPrev.has(i) || i === 0) {
      const prev = i === 0 ? undefined : a.prev && opens(a.prev, i - 1);
      if (i > 0 && !prev) return fail(`chunk ${i - 1} missing or does not open`);
      if (!deriveChunk(seed, i, prev, p).equals(data)) return fail(`chunk ${i} does not derive from the seed`);
    }
    answered++;
  }
  const provenBytes = Math.floor((c.chunks * answered) / req.indices.length) * p.chunkBytes;
  return { provenBytes, provenUnits: Math.floor(provenBytes / p.unitBytes), answered };
}
