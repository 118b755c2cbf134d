import { expect } from "chai";
import { agreeExact, agreeNumeric, lowerMedian, quorum, withinTolerance } from "../../../keeper/src/tasks/agreement.js";

const r = (operator: string, position: number, value?: bigint | string) => ({ operator, position, value });

describe("task agreement: median, tolerance, exact outputs", () => {
  it("the agreed value is the lower median, whatever the order results arrived in", () => {
    expect(lowerMedian([5n, 1n, 3n])).to.equal(3n);
    expect(lowerMedian([4n, 1n, 3n, 2n])).to.equal(2n);
    for (let i = 0; i < 200; i++) {
      const values = Array.from({ length: 1 + (i % 9) }, () => BigInt(Math.floor(Math.random() * 1000) - 500));
      const shuffled = [...values].sort(() => Math.random() - 0.5);
      const m = lowerMedian(values);
      expect(lowerMedian(shuffled)).to.equal(m);
      // property: at least half the values are <= m and at least half are >= m
      expect(values.filter((v) => v <= m).length * 2).to.be.at.least(values.length);
      expect(values.filter((v) => v >= m).length * 2).to.be.at.least(values.length);
    }
  });

  it("a result outside the tolerance is a fault and is not paid; executors are the first good ones in rendezvous order", () => {
    const a = agreeNumeric([r("c", 2, 10_050n), r("a", 0, 10_000n), r("liar", 1, 99_000n), r("d", 3, 9_990n)], 3, 100);
    expect(a.value).to.equal(10_000n);
    expect(a.faults).to.deep.equal(["liar"]);
    expect(a.executors).to.deep.equal(["a", "c", "d"]);
    expect(withinTolerance(101n, 100n, 100)).to.equal(true); // 1 % of 100 = 1
    expect(withinTolerance(102n, 100n, 100)).to.equal(false);
    expect(withinTolerance(1n, 0n, 1)).to.equal(true); // at least one unit when a tolerance is set
  });

  it("no agreement without a majority of the redundancy in good results; failures count for nothing", () => {
    expect(quorum(3)).to.equal(2);
    expect(agreeNumeric([r("a", 0, 5n), r("b", 1), r("c", 2)], 3, 100).value).to.equal(undefined);
    expect(agreeNumeric([r("a", 0, 5n), r("b", 1, 500n)], 3, 100)).to.deep.equal({ executors: [], faults: [] });
  });

  it("wasm: the majority output agrees, a different output is a fault; a split has no agreement", () => {
    const a = agreeExact([r("a", 0, "0xaa"), r("b", 1, "0xAA"), r("c", 2, "0xbb")], 3);
    expect(a).to.deep.equal({ value: "0xaa", executors: ["a", "b"], faults: ["c"] });
    expect(agreeExact([r("a", 0, "0xaa"), r("b", 1, "0xbb")], 2).value).to.equal(undefined);
  });
});
