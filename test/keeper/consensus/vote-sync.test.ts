import { expect } from "chai";
import {
  describeHave,
  missingFor,
  parseBitmap,
  type Proposal,
  type ValidatorSet,
  type Vote,
} from "../../../keeper/src/consensus/index.js";

const ids = [1, 2, 3, 4].map((i) => "0x" + i.toString(16).padStart(40, "0"));
const set: ValidatorSet = { firstHeight: 1, validators: ids.map((id) => ({ id, power: 1n })) };
const V = "0x" + "aa".repeat(32);
const W = "0x" + "bb".repeat(32);
const vote = (i: number, type: Vote["type"], round: number, valueHash: string | null = V): Vote => ({
  type,
  height: 7,
  round,
  valueHash,
  validator: ids[i]!,
});
const proposal = (round: number): Proposal => ({
  height: 7,
  round,
  value: { hash: V },
  validRound: -1,
  proposer: ids[0]!,
});

describe("vote-set sync (what a peer stuck at a round lacks)", () => {
  it("describes what it holds as bitmaps by validator position", () => {
    const have = describeHave(
      set,
      {
        proposals: [proposal(2)],
        votes: [vote(0, "prevote", 2), vote(3, "prevote", 2), vote(1, "precommit", 2), vote(2, "prevote", 1)],
      },
      7,
      2,
    );
    expect(have).to.deep.equal({ height: 7, round: 2, proposal: true, prevotes: "0x9", precommits: "0x2" });
  });

  it("answers with the proposal and the votes missing from the bitmaps, plus the latest later round", () => {
    const known = {
      proposals: [proposal(2), proposal(3)],
      votes: [
        vote(0, "prevote", 2),
        vote(1, "prevote", 2),
        vote(2, "precommit", 2),
        vote(0, "prevote", 3),
        vote(1, "prevote", 1),
      ],
    };
    const have = { height: 7, round: 2, proposal: false, prevotes: "0x1", precommits: "0x0" };
    const missing = missingFor(set, known, have);
    expect(missing.proposals.map((p) => p.round)).to.deep.equal([2, 3]);
    expect(missing.votes).to.deep.equal([vote(1, "prevote", 2), vote(2, "precommit", 2), vote(0, "prevote", 3)]);
    // nothing it already has, nothing of another height
    expect(missingFor(set, known, { ...have, height: 8 })).to.deep.equal({ proposals: [], votes: [] });
  });

  it("sends an equivocator's conflicting votes even when the asker's bit is set (it may hold the other twin)", () => {
    const known = { proposals: [], votes: [vote(1, "prevote", 0, V), vote(1, "prevote", 0, W), vote(2, "prevote", 0)] };
    const missing = missingFor(set, known, { height: 7, round: 0, proposal: true, prevotes: "0x6", precommits: "0x0" });
    expect(missing.votes.map((v) => v.valueHash)).to.deep.equal([V, W]);
  });

  it("reads a malformed or oversized bitmap as empty (the asker then gets more, never less)", () => {
    expect(parseBitmap("0x1f", 4)).to.equal(0n);
    expect(parseBitmap("zz", 4)).to.equal(0n);
    expect(parseBitmap("0xF", 4)).to.equal(0n);
    expect(parseBitmap("0xf", 4)).to.equal(15n);
  });
});
