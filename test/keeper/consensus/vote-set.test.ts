import { expect } from "chai";
import { MAX_VOTES_PER_SLOT, ValidatorIndex, VoteSet, type Vote } from "../../../keeper/src/consensus/index.js";
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

  it("reports a conflicting vote once as evidence; both count for their own value, the validator once in total", () => {
    const set = new VoteSet(5, index);
    set.add(vote(3, V));
    const second = vote(3, W);
    expect(set.add(second)).to.deep.equal({
      status: "added",
      evidence: { kind: "duplicateVote", first: vote(3, V), second },
    });
    expect(set.add(vote(3, null))).to.deep.equal({ status: "added" });
    expect(set.add(vote(3, W))).to.deep.equal({ status: "duplicate" });
    expect(set.powerFor(0, "prevote", V)).to.equal(40n);
    expect(set.powerFor(0, "prevote", W)).to.equal(40n);
    expect(set.powerFor(0, "prevote", null)).to.equal(40n);
    expect(set.powerAny(0, "prevote")).to.equal(40n);
    expect(set.voteOf(address(3), 0, "prevote")).to.deep.equal(vote(3, V));
    expect(set.votesFor(0, "prevote", W)).to.deep.equal([second]);
  });

  it("an equivocator's vote for v completes a quorum another node saw it join (safe: quorums still intersect in honest power)", () => {
    // 10 + 20 + 40 = 70 > 66.7 only with validator 3, who first voted nil
    const set = new VoteSet(5, index);
    set.add(vote(3, null, 0, "precommit"));
    set.add(vote(0, V, 0, "precommit"));
    set.add(vote(1, V, 0, "precommit"));
    expect(set.hasQuorumFor(0, "precommit", V)).to.equal(false);
    set.add(vote(3, V, 0, "precommit"));
    expect(set.hasQuorumFor(0, "precommit", V)).to.equal(true);
  });

  it(`keeps at most ${MAX_VOTES_PER_SLOT} different votes per validator and (round, type)`, () => {
    const set = new VoteSet(5, index);
    for (let i = 0; i < MAX_VOTES_PER_SLOT; i++) expect(set.add(vote(2, hashOf(`x${i}`))).status).to.equal("added");
    expect(set.add(vote(2, V)).status).to.equal("dropped");
    expect(set.powerFor(0, "prevote", V)).to.equal(0n);
    expect(set.all()).to.have.length(MAX_VOTES_PER_SLOT);
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
