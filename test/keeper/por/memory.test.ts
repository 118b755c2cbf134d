import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { b64, sha256 } from "../../../keeper/src/por/hash.js";
import { MerkleTree } from "../../../keeper/src/por/merkle.js";
import {
  fillMemory,
  memoryChallenge,
  MemoryProver,
  nextBlock,
  verifyMemory,
  walkRequest,
  type MemoryParams,
  type WalkAnswer,
} from "../../../keeper/src/por/memory.js";

const MiB = 1024 * 1024;
const params: MemoryParams = { blockBytes: 1024, lookups: 16, fillDeadlineMs: 60_000, walkDeadlineMs: 60_000 };

describe("PoR memory: data-dependent fill, Merkle commitment, dependent walk", function () {
  this.timeout(30_000);

  it("an honest prover holding the whole fill proves the claimed MiB", () => {
    const ch = memoryChallenge(randomBytes(32), 1 * MiB, params);
    const prover = MemoryProver.fill(ch);
    const walk = walkRequest(params);
    const v = verifyMemory(ch, prover.commitment(), walk, prover.walk(walk), { fillMs: 1, walkMs: 1 }, params);
    expect(v).to.deep.equal({ provenBytes: MiB });
  });

  it("a prover with less memory that rebuilds blocks on demand misses the walk deadline", () => {
    const ch = memoryChallenge(randomBytes(32), 2 * MiB, params);
    const honest = MemoryProver.fill(ch);
    const commitment = honest.commitment(); // it filled once to commit, then freed the buffer
    // the deadline: 20x what the honest walk takes here and now (the cheat below costs ~700x)
    let t = performance.now();
    honest.walk(walkRequest(params));
    const tight = { ...params, walkDeadlineMs: Math.max(20, Math.ceil(20 * (performance.now() - t))) };
    const walk = walkRequest(tight);
    t = performance.now();
    let answer!: WalkAnswer;
    for (let s = 0; s < walk.lookups; s++) {
      // every lookup refills from the seed: what keeping no blocks costs (the verifier stops
      // waiting at its deadline, so does the cheat)
      fillMemory(ch);
      answer = honest.walk(walk);
      if (performance.now() - t > tight.walkDeadlineMs) break;
    }
    const v = verifyMemory(ch, commitment, walk, answer, { fillMs: 1, walkMs: performance.now() - t }, tight);
    expect(v.provenBytes).to.equal(0);
    expect(v.failure).to.match(/walk took/);
  });

  it("a prover that commits to a cheap buffer (blocks from the seed alone, no parents) fails the fill check", () => {
    const ch = memoryChallenge(randomBytes(32), 2 * MiB, params);
    const honest = MemoryProver.fill(ch);
    const walk = walkRequest(params);
    // same shape, but every block is H(seed, i) expanded: nothing to hold, any block made on demand
    const cheap = Array.from({ length: ch.blocks }, (_, i) =>
      Buffer.concat(Array(32).fill(sha256(Buffer.from(ch.seed), Buffer.from([i])))),
    );
    const tree = new MerkleTree(cheap.map((b) => sha256(b)));
    const open = (i: number) => ({ data: b64(cheap[i]!), proof: tree.proof(i).map(b64) });
    const shape = honest.walk(walk);
    const answer: WalkAnswer = {
      steps: shape.steps.map((s) => ({ index: s.index, block: open(s.index), prev: open(s.index - 1), ref: open(0) })),
    };
    const root = { root: "0x" + Buffer.from(tree.root).toString("hex") };
    const v = verifyMemory(ch, root, walk, answer, { fillMs: 1, walkMs: 1 }, params);
    expect(v.provenBytes).to.equal(0);
    expect(v.failure).to.match(/walk says|fill of its parents|does not open|seed's block/);
  });

  it("a fill made for another seed (ahead of time, or shared with another identity) fails", () => {
    const ch = memoryChallenge(randomBytes(32), 2 * MiB, params);
    const other = MemoryProver.fill(memoryChallenge(randomBytes(32), 2 * MiB, params));
    const walk = walkRequest(params);
    const v = verifyMemory(ch, other.commitment(), walk, other.walk(walk), { fillMs: 1, walkMs: 1 }, params);
    expect(v.provenBytes).to.equal(0);
  });

  it("every 16-byte piece of a block depends on every byte of both parents (no piece can be rebuilt locally)", () => {
    // property over random positions: a one-bit change anywhere in prev or ref changes every
    // AES-block-sized piece of the result (a single CBC pass, or a key stream XORed in, would leave
    // the pieces before the change, or all others, unchanged)
    const ch = memoryChallenge(randomBytes(32), 64 * 1024, { ...params, blockBytes: 4096 });
    const prev = randomBytes(4096);
    const ref = randomBytes(4096);
    const base = nextBlock(ch, prev, ref, 5);
    for (let trial = 0; trial < 24; trial++) {
      const which = trial % 2 === 0 ? prev : ref;
      const at = randomBytes(2).readUInt16BE(0) % 4096;
      const flipped = Buffer.from(which);
      flipped[at] = flipped[at]! ^ (1 << (trial % 8));
      const out = which === prev ? nextBlock(ch, flipped, ref, 5) : nextBlock(ch, prev, flipped, 5);
      for (let piece = 0; piece < 4096; piece += 16) {
        expect(
          out.subarray(piece, piece + 16).equals(base.subarray(piece, piece + 16)),
          `byte ${at}, piece ${piece}`,
        ).to.equal(false);
      }
    }
    // and the block is bound to its index and its challenge's seed
    expect(nextBlock(ch, prev, ref, 6).equals(base)).to.equal(false);
    const other = memoryChallenge(randomBytes(32), 64 * 1024, { ...params, blockBytes: 4096 });
    expect(nextBlock(other, prev, ref, 5).equals(base)).to.equal(false);
  });
});
