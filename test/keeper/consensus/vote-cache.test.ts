import { expect } from "chai";
import { BoundedMap } from "../../../keeper/src/bft/vote-cache.js";

describe("BoundedMap (vote digest / signer memo)", () => {
  it("never holds more than its limit and forgets the oldest entries first", () => {
    const m = new BoundedMap<number, string>(3);
    for (let i = 0; i < 10; i++) m.set(i, `v${i}`);
    expect(m.size).to.equal(3);
    expect([m.get(6), m.get(7), m.get(8), m.get(9)]).to.deep.equal([undefined, "v7", "v8", "v9"]);
  });

  it("computes a value once per remembered key, and again once the key was forgotten", () => {
    const m = new BoundedMap<string, number>(2);
    let calls = 0;
    const compute = () => ++calls;
    expect(m.getOrCompute("a", compute)).to.equal(1);
    expect(m.getOrCompute("a", compute)).to.equal(1);
    m.getOrCompute("b", compute);
    m.getOrCompute("c", compute); // evicts "a"
    expect(m.getOrCompute("a", compute)).to.equal(4);
    expect(calls).to.equal(4);
  });

  it("does not remember a computation that throws", () => {
    const m = new BoundedMap<string, number>(2);
    expect(() =>
      m.getOrCompute("x", () => {
        throw new Error("bad signature");
      }),
    ).to.throw("bad signature");
    expect(m.size).to.equal(0);
  });
});
