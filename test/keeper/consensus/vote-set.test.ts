import { expect } from "chai";
import { ValidatorIndex, VoteSet, type Vote } from "../../../keeper/src/consensus/index.js";
import { address, hashOf, validatorSet } from "./helpers.js";

const V = hashOf("v");
const W = hashOf("w");

function vote(i: number, valueHash: string | null, round = 0, type: Vote["type"] = "prevote"): Vote {
  return { type, height: 5, round, valueHash, validator: address(i) };
}

describe("consensus VoteSet", () => {
  const index = new ValidatorIndex(validatorSet([10, 20, 30, 40]));

  it("sums power per (round, type, value) and in total", () => {
    const set = new VoteSet(5, index);
    set.add(vote(0, V));
    set.add(vote(1, V));
    set.add(vote(2, null));
    set.add(vote(3, W, 0, "precommit"));
    expect(set.powerFor(0, "prevote", V)).to.equal(30n);
    expect(set.powerFor(0, "prevote", null)).to.equal(30n);
    expect(set.powerAny(0, "prevote")).to.equal(60n);
    expect(set.powerFor(0, "precommit", W)).to.equal(40n);
    expect(set.powerFor(1, "prevote", V)).to.equal(0n);
    expect(set.votesFor(0, "prevote", V).map((v) => v.validator)).to.deep.equal([address(0), address(1)]);
  });

  it("quorum needs strictly more than 2/3 of the power", () => {
    // total 100: 60 + 10 = 70 > 66.7
    const set = new VoteSet(5, index);
    set.add(vote(3, V));
    set.add(vote(1, V));
    expect(set.hasQuorumFor(0, "prevote", V)).to.equal(false); // 60
    set.add(vote(0, V));
    expect(set.hasQuorumFor(0, "prevote", V)).to.equal(true); // 70
    expect(set.hasQuorumAny(0, "prevote")).to.equal(true);
  });

  it("ignores a repeated vote without counting it twice", () => {
    const set = new VoteSet(5, index);
    expect(set.add(vote(3, V)).status).to.equal("added");
    expect(set.add(vote(3, V)).status).to.equal("duplicate");
    expect(set.powerFor(0, "prevote", V)).to.equal(40n);
  });

  it("reports a conflicting vote once as evidence and keeps counting the first", () => {
    const set = new VoteSet(5, index);
    set.add(vote(3, V));
    const second = vote(3, W);
    const result = set.add(second);
    expect(result).to.deep.equal({
      status: "conflict",
      evidence: { kind: "duplicateVote", first: vote(3, V), second },
    });
    expect(set.add(vote(3, null))).to.deep.equal({ status: "conflict" });
    expect(set.powerFor(0, "prevote", V)).to.equal(40n);
    expect(set.powerFor(0, "prevote", W)).to.equal(0n);
    expect(set.powerAny(0, "prevote")).to.equal(40n);
  });

  it("does not call votes of different rounds or types a conflict", () => {
    const set = new VoteSet(5, index);
    expect(set.add(vote(3, V, 0, "prevote")).status).to.equal("added");
    expect(set.add(vote(3, W, 0, "precommit")).status).to.equal("added");
    expect(set.add(vote(3, W, 1, "prevote")).status).to.equal("added");
  });

  it("refuses a vote of another height", () => {
    const set = new VoteSet(6, index);
    expect(() => set.add(vote(0, V))).to.throw(RangeError);
  });
});
