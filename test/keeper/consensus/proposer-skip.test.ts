import { expect } from "chai";
import {
  ConsensusEngine,
  ProposerRotation,
  proposerOf,
  SKIP_AFTER_MISSED,
  skippedByLiveness,
  SkippingSchedule,
  type ConsensusApp,
  type ValidatorSet,
} from "../../../keeper/src/consensus/index.js";

const ids = [1, 2, 3, 4, 5].map((i) => "0x" + i.toString(16).padStart(40, "0"));
const set: ValidatorSet = { firstHeight: 10, validators: ids.map((id, i) => ({ id, power: BigInt(10 + i) })) };

describe("proposer skip (decided liveness -> the same schedule on every keeper)", () => {
  it("skips a validator absent from each of the last SKIP_AFTER_MISSED commits, not one that signed any of them", () => {
    const entries = [
      { signer: ids[0]!, bits: 0b1000n, filled: 4 }, // missed the last 3
      { signer: ids[1]!, bits: 0b0100n, filled: 4 }, // signed the 3rd latest
      { signer: ids[2]!, bits: 0n, filled: SKIP_AFTER_MISSED - 1 }, // too few recorded (epoch start)
      { signer: ids[3]!, bits: 0b1111n, filled: 4 },
    ];
    expect([...skippedByLiveness(entries)]).to.deep.equal([ids[0]]);
  });

  it("gives every round to a validator that is not skipped, in the rotation's order, identically on separate keepers", () => {
    const skipped = new Set([ids[4]!, ids[1]!]);
    const orders: string[][] = [];
    for (let keeper = 0; keeper < 3; keeper++) {
      const rotation = new ProposerRotation(set); // each keeper has its own rotation state
      const order: string[] = [];
      // keeper 1 asks heights out of order: the schedule is a function of (set, height, round, skipped)
      const heights = Array.from({ length: 30 }, (_, i) => set.firstHeight + (keeper === 1 ? 29 - i : i));
      for (const h of heights) {
        const schedule = new SkippingSchedule(rotation, h, skipped);
        for (let r = 0; r < 6; r++) order.push(`${h}/${r}:${schedule.proposer(h, r)}`);
      }
      orders.push(order.sort());
    }
    expect(orders[1]).to.deep.equal(orders[0]);
    expect(orders[2]).to.deep.equal(orders[0]);
    const proposers = orders[0]!.map((x) => x.split(":")[1]!);
    expect(proposers.some((p) => skipped.has(p))).to.equal(false);
    // the others keep the rotation's relative order: round 0 is the first candidate not skipped
    for (let h = set.firstHeight; h < set.firstHeight + 30; h++) {
      let j = 0;
      while (skipped.has(proposerOf(set, h, j))) j++;
      expect(new SkippingSchedule(new ProposerRotation(set), h, skipped).proposer(h, 0)).to.equal(
        proposerOf(set, h, j),
      );
    }
  });

  it("the engine proposes in a skipped validator's turn and refuses that validator's proposal", () => {
    // find a height whose plain round-0 proposer is ids[0], and who takes the turn when it is skipped
    let h = set.firstHeight;
    while (proposerOf(set, h, 0) !== ids[0]) h++;
    const skipped = new Set([ids[0]!]);
    const standIn = new SkippingSchedule(new ProposerRotation(set), h, skipped).proposer(h, 0);
    const value = { hash: "0x" + "ab".repeat(32) };
    const app: ConsensusApp = {
      getValue: () => value,
      validValue: () => true,
      validatorSet: () => set,
      skippedProposers: (height) => (height === h ? skipped : new Set()),
    };
    const engine = new ConsensusEngine({ self: standIn, app });
    const out = engine.handle({ type: "startHeight", height: h });
    expect(out.some((o) => o.type === "broadcastProposal")).to.equal(true);
    const other = new ConsensusEngine({ self: ids.find((id) => id !== standIn && id !== ids[0])!, app });
    other.handle({ type: "startHeight", height: h });
    const fromSkipped = other.handle({
      type: "proposal",
      proposal: { height: h, round: 0, value, validRound: -1, proposer: ids[0]! },
    });
    expect(fromSkipped.some((o) => o.type === "broadcastVote")).to.equal(false); // not its turn: no prevote
  });

  it("keeps a next-height proposal unchecked until that height starts, then checks it against the final schedule", () => {
    let h = set.firstHeight + 1;
    while (proposerOf(set, h, 0) !== ids[0]) h++;
    const skipped = new Set([ids[0]!]);
    const standIn = new SkippingSchedule(new ProposerRotation(set), h, skipped).proposer(h, 0);
    const value = { hash: "0x" + "cd".repeat(32) };
    let decidedBefore = false; // the skip set of h is known once h - 1 is decided
    const app: ConsensusApp = {
      getValue: () => value,
      validValue: () => true,
      validatorSet: () => set,
      skippedProposers: () => (decidedBefore ? skipped : new Set()),
    };
    const self = ids.find((id) => id !== standIn && id !== ids[0])!;
    const engine = new ConsensusEngine({ self, app });
    engine.handle({ type: "startHeight", height: h - 1 });
    // both arrive early: the skipped validator's (its plain turn) and the stand-in's
    const early = (proposer: string) =>
      engine.handle({ type: "proposal", proposal: { height: h, round: 0, value, validRound: -1, proposer } });
    early(ids[0]!);
    early(standIn);
    decidedBefore = true;
    const out = engine.handle({ type: "startHeight", height: h });
    const prevotes = out.flatMap((o) => (o.type === "broadcastVote" ? [[o.vote.type, o.vote.valueHash]] : []));
    expect(prevotes).to.deep.equal([["prevote", value.hash]]);
    expect(engine.knownMessages().proposals.map((p) => p.proposer)).to.deep.equal([standIn]);
  });
});
