import { expect } from "chai";
import {
  consensusProgress,
  describeWait,
  STALL_HEIGHTS,
  type EngineSnapshot,
  type ValidatorSet,
  type Vote,
} from "../../../keeper/src/consensus/index.js";

const ids = [1, 2, 3, 4].map((i) => "0x" + i.toString(16).padStart(40, "0"));
const set: ValidatorSet = { firstHeight: 1, validators: ids.map((id, i) => ({ id, power: BigInt(i + 1) })) };
const snapshot = (over: Partial<EngineSnapshot>): EngineSnapshot => ({
  status: "running",
  height: 9,
  round: 1,
  step: "prevote",
  lockedRound: -1,
  lockedValueHash: null,
  validRound: -1,
  validValue: null,
  signingState: undefined,
  ...over,
});
const vote = (i: number, type: Vote["type"], round: number): Vote => ({
  type,
  height: 9,
  round,
  valueHash: null,
  validator: ids[i]!,
});

describe("consensus progress (what /health reports)", () => {
  it("says which step the height waits in and how many votes (and stake) it holds for the round", () => {
    const known = { proposals: [], votes: [vote(0, "prevote", 1), vote(3, "prevote", 1), vote(1, "prevote", 0)] };
    expect(describeWait(snapshot({}), set, known)).to.equal(
      "height 9 round 1: prevote step, no proposal, 2/4 prevotes (50% of stake), 0/4 precommits (0% of stake)",
    );
    expect(describeWait(snapshot({ status: "decided" }), set, known)).to.equal("height 9: decided");
  });

  it("is live until STALL_HEIGHTS expected height times pass without a decision", () => {
    const at = (elapsedMs: number) =>
      consensusProgress({ nowMs: 10_000 + elapsedMs, sinceMs: 10_000, expectedHeightMs: 1_000, waitingFor: "x" });
    expect(at(STALL_HEIGHTS * 1_000).live).to.equal(true);
    expect(at(STALL_HEIGHTS * 1_000 + 1)).to.deep.equal({ live: false, secondsSinceDecision: 5, waitingFor: "x" });
    expect(
      consensusProgress({ nowMs: 5, sinceMs: null, expectedHeightMs: 1, waitingFor: null }).secondsSinceDecision,
    ).to.equal(null);
  });
});
