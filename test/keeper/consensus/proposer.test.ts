import { expect } from "chai";
import { ProposerRotation, proposerOf, type ValidatorSet } from "../../../keeper/src/consensus/index.js";
import { address, validatorSet } from "./helpers.js";

function counts(set: ValidatorSet, heights: number): Map<string, number> {
  const rotation = new ProposerRotation(set);
  const seen = new Map<string, number>();
  for (let h = set.firstHeight; h < set.firstHeight + heights; h++) {
    const p = rotation.proposer(h, 0);
    seen.set(p, (seen.get(p) ?? 0) + 1);
  }
  return seen;
}

describe("consensus proposer rotation", () => {
  it("gives each validator exactly its power's share over each full cycle of heights", () => {
    const set = validatorSet([1, 2, 3, 4]); // total 10
    const seen = counts(set, 1000);
    expect([0, 1, 2, 3].map((i) => seen.get(address(i)))).to.deep.equal([100, 200, 300, 400]);
  });

  it("stays proportional to unequal stakes over many heights", () => {
    const powers = [5n, 17n, 1n, 40n, 9n, 28n];
    const total = powers.reduce((a, b) => a + b);
    const set = validatorSet(powers);
    const heights = 10_000;
    const seen = counts(set, heights);
    powers.forEach((p, i) => {
      const expected = (Number(p) / Number(total)) * heights;
      expect(Math.abs((seen.get(address(i)) ?? 0) - expected)).to.be.at.most(1, `validator ${i}`);
    });
  });

  it("rotates rounds within a height the same way", () => {
    const set = validatorSet([1, 1, 1, 1]);
    const rotation = new ProposerRotation(set);
    const rounds = [0, 1, 2, 3].map((r) => rotation.proposer(7, r));
    expect(new Set(rounds).size).to.equal(4);
  });

  it("is a pure function of (set, height, round) whatever the order of queries", () => {
    const set = validatorSet([3n, 1n, 4n, 1n, 5n, 9n, 2n], 100);
    const cached = new ProposerRotation(set);
    const queries: Array<[number, number]> = [
      [100, 0],
      [100, 5],
      [100, 2],
      [130, 3],
      [101, 0],
      [130, 0],
      [130, 7],
      [129, 1],
      [100, 0],
    ];
    for (const [h, r] of queries) expect(cached.proposer(h, r), `${h}/${r}`).to.equal(proposerOf(set, h, r));
  });

  it("counts heights from the set's first height", () => {
    const a = validatorSet([1, 2, 3], 1);
    const b = validatorSet([1, 2, 3], 501);
    for (let i = 0; i < 20; i++) expect(proposerOf(b, 501 + i, i % 3)).to.equal(proposerOf(a, 1 + i, i % 3));
    expect(() => proposerOf(b, 500, 0)).to.throw(RangeError);
  });

  it("breaks ties by the smaller address and keeps big stakes in a bounded window", () => {
    const set = validatorSet([1, 1]);
    expect(proposerOf(set, 1, 0)).to.equal(address(0));
    expect(proposerOf(set, 2, 0)).to.equal(address(1));
    // stakes in wei: a whale and minnows still alternate by share, without overflow concerns
    const wei = 10n ** 18n;
    const whale = validatorSet([1_000_000n * wei, 1n * wei, 1n * wei]);
    const seen = counts(whale, 1_000);
    expect(seen.get(address(0))).to.equal(1_000);
  });
});
