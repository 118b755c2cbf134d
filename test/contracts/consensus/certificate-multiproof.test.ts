// BitmapMultiProof (contracts/consensus/lib): OpenZeppelin's multiproof algorithm with the flags packed
// into one word and a single memory queue. Checked against @openzeppelin/merkle-tree on random trees,
// and on the malformed shapes it must refuse.
import { expect } from "chai";
import { network } from "hardhat";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { keccak256, toBeHex, ZeroHash } from "ethers";
import { packProofFlags } from "../../../keeper/src/checkpoint/certificate.js";
import type { CertificateVerifierHarness } from "../../../types/ethers-contracts/index.js";

const { ethers } = await network.create();

/** Deterministic PRNG (mulberry32), so a failure names a reproducible case. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomTree(size: number, salt: number) {
  const values = Array.from({ length: size }, (_, i) => [keccak256(toBeHex(salt * 1000 + i, 32))]);
  return StandardMerkleTree.of(values, ["bytes32"]);
}

function multiProofOf(tree: StandardMerkleTree<string[]>, indices: number[]) {
  const mp = tree.getMultiProof(indices);
  return { leaves: mp.leaves.map((v) => tree.leafHash(v)), proof: mp.proof, flags: mp.proofFlags };
}

describe("BitmapMultiProof", () => {
  let harness: CertificateVerifierHarness;

  before(async () => {
    harness = (await ethers.deployContract("CertificateVerifierHarness")) as unknown as CertificateVerifierHarness;
  });

  it("rebuilds the StandardMerkleTree root for random trees (1 to 256 leaves) and random subsets", async () => {
    const rand = prng(7);
    const sizes = [1, 2, 3, 5, 8, 13, 33, 64, 100, 255, 256];
    for (let round = 0; round < 30; round++) {
      const size = sizes[round % sizes.length]!;
      const tree = randomTree(size, round);
      const chosen = [...Array(size).keys()].filter(() => rand() < 0.3);
      if (chosen.length === 0) chosen.push(Math.floor(rand() * size));
      const mp = multiProofOf(tree, chosen);
      const [root, valid] = await harness.processMultiProof(mp.leaves, mp.proof, packProofFlags(mp.flags));
      expect(valid, `size ${size}, ${chosen.length} leaves`).to.equal(true);
      expect(root, `size ${size}, ${chosen.length} leaves`).to.equal(tree.root);
    }
  });

  it("proves every leaf of a full 256-leaf tree (255 steps, the most one word of flags allows)", async () => {
    const tree = randomTree(256, 99);
    const mp = multiProofOf(tree, [...Array(256).keys()]);
    expect(mp.flags).to.have.length(255);
    const [root, valid] = await harness.processMultiProof(mp.leaves, mp.proof, packProofFlags(mp.flags));
    expect([root, valid]).to.deep.equal([tree.root, true]);
  });

  it("treats a one-leaf tree's leaf as its root", async () => {
    const tree = randomTree(1, 5);
    const mp = multiProofOf(tree, [0]);
    expect(mp.proof).to.have.length(0);
    expect(await harness.processMultiProof(mp.leaves, [], 0n)).to.deep.equal([tree.root, true]);
  });

  it("refuses no leaves, even when the proof alone hashes to the root", async () => {
    const tree = randomTree(4, 1);
    const [, valid] = await harness.processMultiProof([], [tree.root], 0n);
    expect(valid).to.equal(false);
  });

  it("refuses flag bits at or above the number of steps", async () => {
    const tree = randomTree(16, 2);
    const mp = multiProofOf(tree, [1, 6, 11]);
    const steps = mp.leaves.length + mp.proof.length - 1;
    const flags = packProofFlags(mp.flags);
    expect(await harness.processMultiProof(mp.leaves, mp.proof, flags)).to.deep.equal([tree.root, true]);
    for (const bit of [steps, steps + 1, 255]) {
      const [, valid] = await harness.processMultiProof(mp.leaves, mp.proof, flags | (1n << BigInt(bit)));
      expect(valid, `bit ${bit}`).to.equal(false);
    }
  });

  it("refuses more than 256 steps", async () => {
    const proof = Array.from({ length: 256 }, (_, i) => toBeHex(i + 1, 32));
    const [, valid] = await harness.processMultiProof([ZeroHash, ZeroHash], proof, 0n);
    expect(valid).to.equal(false);
  });

  it("refuses a proof with an element left over or one missing", async () => {
    const tree = randomTree(16, 3);
    const mp = multiProofOf(tree, [2, 9]);
    const flags = packProofFlags(mp.flags);
    // One more element: one more step, whose flag (clear) takes it, but the root then differs; with the
    // step's flag set instead, the element is never used.
    const extra = [...mp.proof, ZeroHash];
    const steps = mp.leaves.length + extra.length - 1;
    const [rootExtra] = await harness.processMultiProof(mp.leaves, extra, flags);
    expect(rootExtra).to.not.equal(tree.root);
    const [, validUnused] = await harness.processMultiProof(mp.leaves, extra, flags | (1n << BigInt(steps - 1)));
    expect(validUnused).to.equal(false);
    // One element fewer: one step fewer, and whatever the flags make of it, not the root.
    const [rootMissing, validMissing] = await harness.processMultiProof(mp.leaves, mp.proof.slice(1), flags);
    expect(validMissing && rootMissing === tree.root).to.equal(false);
    // Fewer clear flags than elements (here the first step takes a queue value instead): malformed.
    expect(mp.flags[0]).to.equal(false);
    const [, validShort] = await harness.processMultiProof(mp.leaves, mp.proof, flags | 1n);
    expect(validShort).to.equal(false);
  });

  it("refuses a step that would read a hash no earlier step wrote", async () => {
    // Two leaves and one proof element: two steps. Both flags set would read the queue three times, one
    // value more than exists when it is read (OpenZeppelin would read a zero there, then reject the
    // unused proof element).
    const [, valid] = await harness.processMultiProof([toBeHex(1, 32), toBeHex(2, 32)], [toBeHex(3, 32)], 0b11n);
    expect(valid).to.equal(false);
  });

  it("never rebuilds the root after any single flag flip or proof-element change (random trees)", async () => {
    const rand = prng(11);
    for (let round = 0; round < 12; round++) {
      const tree = randomTree(40, 100 + round);
      const chosen = [...Array(40).keys()].filter(() => rand() < 0.2);
      if (chosen.length === 0) chosen.push(0);
      const mp = multiProofOf(tree, chosen);
      const steps = mp.leaves.length + mp.proof.length - 1;
      const flags = packProofFlags(mp.flags);
      if (steps > 0) {
        const bit = BigInt(Math.floor(rand() * steps));
        const [root, valid] = await harness.processMultiProof(mp.leaves, mp.proof, flags ^ (1n << bit));
        expect(valid && root === tree.root, `round ${round}: flag ${bit}`).to.equal(false);
      }
      if (mp.proof.length > 0) {
        const proof = [...mp.proof];
        const at = Math.floor(rand() * proof.length);
        proof[at] = keccak256(proof[at]!);
        const [root, valid] = await harness.processMultiProof(mp.leaves, proof, flags);
        expect(valid && root === tree.root, `round ${round}: proof ${at}`).to.equal(false);
      }
    }
  });
});
