import { expect } from "chai";
import { ROUNDS_STORED_AHEAD, type Output } from "../../../keeper/src/consensus/index.js";
import {
  broadcastProposals,
  broadcastVotes,
  harness,
  others,
  TEST_TIMEOUTS,
  valueOf,
  type Harness,
} from "./helpers.js";

const v = valueOf("v");
const w = valueOf("w");

/** the paper's timeouts (stall timers apart) */
function timeouts(outputs: readonly Output[]) {
  return outputs.flatMap((o) => (o.type === "scheduleTimeout" && o.stall !== true ? [o] : []));
}

function stallTimers(outputs: readonly Output[]) {
  return outputs.flatMap((o) => (o.type === "scheduleTimeout" && o.stall === true ? [o] : []));
}

function decisions(outputs: readonly Output[]) {
  return outputs.flatMap((o) => (o.type === "decide" ? [o.decision] : []));
}

/** the index of validator id in the harness set */
function indexOf(h: Harness, id: string): number {
  return h.ids.indexOf(id);
}

/** Locks the harness node (4 equal validators) on v at round 0 of height 1, and moves it to round 1. */
function lockOnVAtRound0ThenRound1(h: Harness): void {
  const [a, b, c] = others(h);
  h.engine.handle({ type: "startHeight", height: 1 });
  h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, v) });
  h.votes("prevote", [a!, b!], 1, 0, v);
  expect(h.engine.snapshot()).to.include({ lockedRound: 0, lockedValueHash: v.hash, step: "precommit" });
  h.votes("precommit", [a!, c!], 1, 0, null);
  h.engine.handle({ type: "timeout", height: 1, round: 0, step: "precommit" });
  expect(h.engine.snapshot().round).to.equal(1);
}

describe("consensus engine (Tendermint rules)", () => {
  describe("propose step", () => {
    it("the proposer broadcasts getValue's value with validRound -1 and prevotes it", () => {
      const h = harness({ powers: [1, 1, 1, 1], selfProposerOf: [1, 0] });
      const out = h.engine.handle({ type: "startHeight", height: 1 });
      const [proposal] = broadcastProposals(out);
      expect(proposal).to.deep.equal({
        height: 1,
        round: 0,
        value: valueOf("own 1/0"),
        validRound: -1,
        proposer: h.self,
      });
      expect(broadcastVotes(out)).to.deep.equal([h.vote("prevote", indexOf(h, h.self), 1, 0, valueOf("own 1/0"))]);
    });

    it("a non-proposer schedules timeoutPropose and prevotes nil when it fires", () => {
      const h = harness({ powers: [1, 1, 1, 1] });
      const out = h.engine.handle({ type: "startHeight", height: 1 });
      expect(broadcastProposals(out)).to.deep.equal([]);
      expect(timeouts(out)).to.deep.equal([
        { type: "scheduleTimeout", height: 1, round: 0, step: "propose", delayMs: 300 },
      ]);
      const fired = h.engine.handle({ type: "timeout", height: 1, round: 0, step: "propose" });
      expect(broadcastVotes(fired).map((x) => [x.type, x.valueHash])).to.deep.equal([["prevote", null]]);
      expect(h.engine.snapshot().step).to.equal("prevote");
    });

    it("prevotes a valid proposal, and nil for one the host finds invalid", () => {
      const ok = harness({ powers: [1, 1, 1, 1] });
      ok.engine.handle({ type: "startHeight", height: 1 });
      const out = ok.engine.handle({ type: "proposal", proposal: ok.proposal(1, 0, v) });
      expect(broadcastVotes(out).map((x) => x.valueHash)).to.deep.equal([v.hash]);

      const bad = harness({ powers: [1, 1, 1, 1] });
      bad.invalid.add("v");
      bad.engine.handle({ type: "startHeight", height: 1 });
      const out2 = bad.engine.handle({ type: "proposal", proposal: bad.proposal(1, 0, v) });
      expect(broadcastVotes(out2).map((x) => x.valueHash)).to.deep.equal([null]);
      expect(bad.validations).to.equal(1);
    });

    it("ignores a proposal from a validator that is not the round's proposer", () => {
      const h = harness({ powers: [1, 1, 1, 1] });
      h.engine.handle({ type: "startHeight", height: 1 });
      const wrong = h.ids.find((id) => id !== h.proposerAt(1, 0))!;
      const out = h.engine.handle({
        type: "proposal",
        proposal: { height: 1, round: 0, value: v, validRound: -1, proposer: wrong },
      });
      expect(out).to.deep.equal([]);
      expect(h.engine.snapshot().step).to.equal("propose");
    });
  });

  describe("quorums", () => {
    it("exactly 2/3 of the power prevoting v does not lock; more than 2/3 does", () => {
      // powers 6, 5, 1, 6 (total 18): self (1) + 6 + 5 = 12 = exactly 2/3
      const h = harness({ powers: [6, 5, 1, 6], selfIndex: 2 });
      h.engine.handle({ type: "startHeight", height: 1 });
      h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, v) });
      const at12 = h.votes("prevote", [0, 1], 1, 0, v);
      expect(broadcastVotes(at12)).to.deep.equal([]);
      expect(h.engine.snapshot().lockedRound).to.equal(-1);
      const at18 = h.votes("prevote", [3], 1, 0, v);
      expect(broadcastVotes(at18).map((x) => [x.type, x.valueHash])).to.deep.equal([["precommit", v.hash]]);
      expect(h.engine.snapshot()).to.include({ lockedRound: 0, lockedValueHash: v.hash });
    });

    it("decides only when precommits exceed 2/3 of the power: exactly 2/3 is not enough, one unit more is", () => {
      // total 18; 6 + 6 = 12 is exactly 2/3, + 1 = 13 decides
      const h = harness({ powers: [6, 6, 5, 1], follower: true });
      h.engine.handle({ type: "startHeight", height: 1 });
      h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, v) });
      expect(decisions(h.votes("precommit", [0, 1], 1, 0, v))).to.deep.equal([]);
      const [decision] = decisions(h.votes("precommit", [3], 1, 0, v));
      expect(decision).to.deep.equal({
        height: 1,
        round: 0,
        value: v,
        precommits: [0, 1, 3].map((i) => h.vote("precommit", i, 1, 0, v)),
      });
      expect(h.engine.snapshot().status).to.equal("decided");
    });

    it("precommits nil on a polka for nil", () => {
      const h = harness({ powers: [1, 1, 1, 1] });
      const [a, b, c] = others(h);
      h.engine.handle({ type: "startHeight", height: 1 });
      h.engine.handle({ type: "timeout", height: 1, round: 0, step: "propose" });
      const out = h.votes("prevote", [a!, b!, c!], 1, 0, null);
      expect(broadcastVotes(out).map((x) => [x.type, x.valueHash])).to.deep.equal([["precommit", null]]);
    });

    it("schedules timeoutPrevote on 2/3 prevotes for anything, and precommits nil when it fires", () => {
      const h = harness({ powers: [1, 1, 1, 1] });
      const [a, b] = others(h);
      h.engine.handle({ type: "startHeight", height: 1 });
      h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, v) });
      h.votes("prevote", [a!], 1, 0, null);
      const out = h.votes("prevote", [b!], 1, 0, w);
      expect(timeouts(out)).to.deep.equal([
        { type: "scheduleTimeout", height: 1, round: 0, step: "prevote", delayMs: 200 },
      ]);
      const fired = h.engine.handle({ type: "timeout", height: 1, round: 0, step: "prevote" });
      expect(broadcastVotes(fired).map((x) => [x.type, x.valueHash])).to.deep.equal([["precommit", null]]);
    });
  });

  describe("locking", () => {
    it("a validator locked on v prevotes nil for a new value in a later round", () => {
      const h = harness({ powers: [1, 1, 1, 1], selfProposerOf: [1, 3] });
      lockOnVAtRound0ThenRound1(h);
      const out = h.engine.handle({ type: "proposal", proposal: h.proposal(1, 1, w) });
      expect(broadcastVotes(out).map((x) => [x.type, x.round, x.valueHash])).to.deep.equal([["prevote", 1, null]]);
    });

    it("a validator locked on v prevotes v when it is proposed again", () => {
      const h = harness({ powers: [1, 1, 1, 1], selfProposerOf: [1, 3] });
      lockOnVAtRound0ThenRound1(h);
      const out = h.engine.handle({ type: "proposal", proposal: h.proposal(1, 1, v, 0) });
      expect(broadcastVotes(out).map((x) => [x.type, x.round, x.valueHash])).to.deep.equal([["prevote", 1, v.hash]]);
    });

    it("unlocks for a value with a polka in a round after its lock (L28)", () => {
      const h = harness({ powers: [1, 1, 1, 1], selfProposerOf: [1, 3] });
      const [a, b, c] = others(h);
      lockOnVAtRound0ThenRound1(h);
      // round 1: w proposed, self prevotes nil (locked), the polka for w reaches it too late
      h.engine.handle({ type: "proposal", proposal: h.proposal(1, 1, w) });
      h.votes("prevote", [a!, b!], 1, 1, w);
      h.engine.handle({ type: "timeout", height: 1, round: 1, step: "prevote" });
      h.votes("precommit", [a!, b!], 1, 1, null);
      h.engine.handle({ type: "timeout", height: 1, round: 1, step: "precommit" });
      expect(h.engine.snapshot()).to.include({ round: 2, lockedRound: 0 });
      h.votes("prevote", [c!], 1, 1, w);
      // round 2: w re-proposed citing its round-1 polka
      const out = h.engine.handle({ type: "proposal", proposal: h.proposal(1, 2, w, 1) });
      expect(broadcastVotes(out).map((x) => [x.type, x.round, x.valueHash])).to.deep.equal([["prevote", 2, w.hash]]);
    });

    it("stays locked against a value whose polka is older than its lock", () => {
      const h = harness({ powers: [1, 1, 1, 1], selfProposerOf: [1, 3] });
      const [a, b, c] = others(h);
      h.engine.handle({ type: "startHeight", height: 1 });
      // round 0: w proposed and prevoted, but its polka arrives only later
      h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, w) });
      h.votes("prevote", [a!], 1, 0, w);
      h.votes("prevote", [b!], 1, 0, null);
      h.engine.handle({ type: "timeout", height: 1, round: 0, step: "prevote" });
      h.votes("precommit", [a!, b!], 1, 0, null);
      h.engine.handle({ type: "timeout", height: 1, round: 0, step: "precommit" });
      // round 1: lock on v
      h.engine.handle({ type: "proposal", proposal: h.proposal(1, 1, v) });
      h.votes("prevote", [a!, b!], 1, 1, v);
      expect(h.engine.snapshot()).to.include({ lockedRound: 1, lockedValueHash: v.hash });
      h.votes("precommit", [a!, b!], 1, 1, null);
      h.engine.handle({ type: "timeout", height: 1, round: 1, step: "precommit" });
      h.votes("prevote", [c!], 1, 0, w); // the round-0 polka for w completes
      const out = h.engine.handle({ type: "proposal", proposal: h.proposal(1, 2, w, 0) });
      expect(broadcastVotes(out).map((x) => [x.type, x.round, x.valueHash])).to.deep.equal([["prevote", 2, null]]);
    });

    it("waits (then times out) when a re-proposal cites a polka it has not seen", () => {
      const h = harness({ powers: [1, 1, 1, 1], selfProposerOf: [1, 3] });
      lockOnVAtRound0ThenRound1(h);
      const out = h.engine.handle({ type: "proposal", proposal: h.proposal(1, 1, w, 0) });
      expect(broadcastVotes(out)).to.deep.equal([]);
      const fired = h.engine.handle({ type: "timeout", height: 1, round: 1, step: "propose" });
      expect(broadcastVotes(fired).map((x) => x.valueHash)).to.deep.equal([null]);
    });
  });

  describe("valid value", () => {
    it("remembers a late polka as validValue without locking, and re-proposes it with its round", () => {
      const h = harness({ powers: [1, 1, 1, 1], selfProposerOf: [1, 1] });
      const [a, b, c] = others(h);
      h.engine.handle({ type: "startHeight", height: 1 });
      h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, v) });
      h.votes("prevote", [a!], 1, 0, null);
      h.votes("prevote", [b!], 1, 0, v);
      h.engine.handle({ type: "timeout", height: 1, round: 0, step: "prevote" }); // precommit nil
      h.votes("prevote", [c!], 1, 0, v); // polka for v, seen in the precommit step
      const snap = h.engine.snapshot();
      expect(snap).to.include({ step: "precommit", validRound: 0, lockedRound: -1 });
      expect(snap.validValue).to.deep.equal(v);
      h.votes("precommit", [a!, b!], 1, 0, null);
      const out = h.engine.handle({ type: "timeout", height: 1, round: 0, step: "precommit" });
      expect(broadcastProposals(out)).to.deep.equal([
        { height: 1, round: 1, value: v, validRound: 0, proposer: h.self },
      ]);
    });

    it("adopts as validValue a polka of an earlier round that completes late, and re-proposes it", () => {
      const h = harness({ powers: [1, 1, 1, 1], selfProposerOf: [1, 2] });
      const [a, b, c] = others(h);
      h.engine.handle({ type: "startHeight", height: 1 });
      // round 0: v proposed, self prevotes v, but only two prevotes for v arrive in time
      h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, v) });
      h.votes("prevote", [a!], 1, 0, v);
      h.votes("prevote", [b!], 1, 0, null);
      h.engine.handle({ type: "timeout", height: 1, round: 0, step: "prevote" });
      h.votes("precommit", [a!, b!], 1, 0, null);
      h.engine.handle({ type: "timeout", height: 1, round: 0, step: "precommit" });
      // round 1: nothing useful, then the late round-0 prevote completes the polka for v
      h.engine.handle({ type: "timeout", height: 1, round: 1, step: "propose" });
      h.votes("prevote", [c!], 1, 0, v);
      expect(h.engine.snapshot()).to.include({ round: 1, validRound: 0, lockedRound: -1 });
      h.votes("precommit", [a!, b!, c!], 1, 1, null);
      const out = h.engine.handle({ type: "timeout", height: 1, round: 1, step: "precommit" });
      expect(broadcastProposals(out)).to.deep.equal([
        { height: 1, round: 2, value: v, validRound: 0, proposer: h.self },
      ]);
    });
  });

  describe("rounds and timeouts", () => {
    it("moves to the next round when timeoutPrecommit fires after 2/3 precommits", () => {
      const h = harness({ powers: [1, 1, 1, 1] });
      const [a, b, c] = others(h);
      h.engine.handle({ type: "startHeight", height: 1 });
      h.engine.handle({ type: "timeout", height: 1, round: 0, step: "propose" });
      expect(timeouts(h.votes("precommit", [a!, b!], 1, 0, null))).to.deep.equal([]);
      const out = h.votes("precommit", [c!], 1, 0, null);
      expect(timeouts(out)).to.deep.equal([
        { type: "scheduleTimeout", height: 1, round: 0, step: "precommit", delayMs: 200 },
      ]);
      const next = h.engine.handle({ type: "timeout", height: 1, round: 0, step: "precommit" });
      expect(h.engine.snapshot().round).to.equal(1);
      expect(timeouts(next).map((t) => [t.round, t.step])).to.deep.equal([[1, "propose"]]);
    });

    it("makes every timeout longer in later rounds", () => {
      const h = harness({ powers: [1, 1, 1, 1] });
      const [a, b, c] = others(h);
      h.engine.handle({ type: "startHeight", height: 1 });
      const delays: number[] = [];
      for (let r = 0; r < 4; r++) {
        const out = [
          ...h.engine.handle({ type: "timeout", height: 1, round: r, step: "propose" }),
          ...h.votes("prevote", [a!, b!], 1, r, w),
          ...h.engine.handle({ type: "timeout", height: 1, round: r, step: "prevote" }),
          ...h.votes("precommit", [a!, b!, c!], 1, r, null),
        ];
        delays.push(...timeouts(out).map((t) => t.delayMs));
        const next = h.engine.handle({ type: "timeout", height: 1, round: r, step: "precommit" });
        delays.push(...timeouts(next).map((t) => t.delayMs));
      }
      const { propose, prevote, precommit } = TEST_TIMEOUTS;
      const expected: number[] = [];
      for (let r = 0; r < 4; r++) {
        expected.push(prevote.baseMs + r * prevote.perRoundMs, precommit.baseMs + r * precommit.perRoundMs);
        expected.push(propose.baseMs + (r + 1) * propose.perRoundMs);
      }
      expect(delays).to.deep.equal(expected);
    });

    it("runs a stall timer in a prevote step that never sees 2/3 of prevotes, and leaves the step when it fires", () => {
      const h = harness({ powers: [1, 1, 1, 1] });
      const [a] = others(h);
      h.engine.handle({ type: "startHeight", height: 1 });
      const entered = h.engine.handle({ type: "timeout", height: 1, round: 0, step: "propose" });
      const { propose, prevote, precommit } = TEST_TIMEOUTS;
      expect(stallTimers(entered)).to.deep.equal([
        {
          type: "scheduleTimeout",
          height: 1,
          round: 0,
          step: "prevote",
          delayMs: propose.baseMs + prevote.baseMs,
          stall: true,
        },
      ]);
      // one more prevote (2 of 4: no quorum, so no timeoutPrevote) and one stall timer only
      expect(h.votes("prevote", [a!], 1, 0, null).filter((o) => o.type === "scheduleTimeout")).to.deep.equal([]);
      const fired = h.engine.handle({ type: "timeout", height: 1, round: 0, step: "prevote" });
      expect(fired.flatMap((o) => (o.type === "broadcastVote" ? [[o.vote.type, o.vote.valueHash]] : []))).to.deep.equal(
        [["precommit", null]],
      );
      // the precommit step gets its own; when it fires, the next round starts
      expect(stallTimers(fired).map((t) => [t.step, t.delayMs])).to.deep.equal([
        ["precommit", propose.baseMs + precommit.baseMs],
      ]);
      h.engine.handle({ type: "timeout", height: 1, round: 0, step: "precommit" });
      expect(h.engine.snapshot().round).to.equal(1);
    });

    it("ignores stale timeouts of earlier rounds or heights", () => {
      const h = harness({ powers: [1, 1, 1, 1] });
      h.engine.handle({ type: "startHeight", height: 1 });
      h.engine.handle({ type: "timeout", height: 1, round: 0, step: "propose" });
      expect(h.engine.handle({ type: "timeout", height: 1, round: 0, step: "propose" })).to.deep.equal([]);
      expect(h.engine.handle({ type: "timeout", height: 0, round: 0, step: "precommit" })).to.deep.equal([]);
      expect(h.engine.handle({ type: "timeout", height: 1, round: 3, step: "precommit" })).to.deep.equal([]);
      expect(h.engine.snapshot()).to.include({ round: 0, step: "prevote" });
    });

    it("skips to a higher round on messages from more than 1/3 of the power, not exactly 1/3", () => {
      // powers 2, 1, 1, 2 (total 6): one power-2 validator is exactly 1/3
      const h = harness({ powers: [2, 1, 1, 2], selfIndex: 1 });
      h.engine.handle({ type: "startHeight", height: 1 });
      const exactlyThird = h.votes("prevote", [3], 1, 5, null);
      expect(h.engine.snapshot().round).to.equal(0);
      expect(exactlyThird).to.deep.equal([]);
      // a power-1 validator at round 4: validators at round >= 4 now hold 3/6 > 1/3
      const out = h.votes("precommit", [2], 1, 4, null);
      expect(h.engine.snapshot()).to.include({ round: 4, step: "propose" });
      expect(timeouts(out)).to.deep.equal([
        { type: "scheduleTimeout", height: 1, round: 4, step: "propose", delayMs: 300 + 4 * 100 },
      ]);
    });

    it("counts messages of a skipped-to round that arrived while it was far ahead", () => {
      // equal powers rotate with period 4: self proposes rounds 3, 7, ..., not round R
      const R = ROUNDS_STORED_AHEAD + 5;
      const h = harness({ powers: [1, 1, 1, 1], selfProposerOf: [1, 3] });
      expect(h.proposerAt(1, R)).to.not.equal(h.self);
      const [a, b, c] = others(h);
      h.engine.handle({ type: "startHeight", height: 1 });
      // round R's proposal and prevotes arrive while the node is at round 0, beyond what it stores in full
      h.engine.handle({ type: "proposal", proposal: h.proposal(1, R, v) });
      h.votes("prevote", [a!], 1, R, v);
      expect(h.engine.snapshot().round).to.equal(0);
      const out = h.votes("prevote", [b!], 1, R, v);
      expect(h.engine.snapshot().round).to.equal(R);
      // it prevoted the deferred proposal, and the deferred prevotes made the polka with its own
      expect(broadcastVotes(out).map((x) => [x.type, x.round, x.valueHash])).to.deep.equal([
        ["prevote", R, v.hash],
        ["precommit", R, v.hash],
      ]);
      expect(decisions(h.votes("precommit", [a!, c!], 1, R, v))).to.have.length(1);
    });

    it("keeps the precommits of an earlier round a validator sent before going further ahead", () => {
      // a lagging follower gets round-2 precommits and round-3 messages of the same validators
      const h = harness({ powers: [1, 1, 1, 1], follower: true });
      h.engine.handle({ type: "startHeight", height: 1 });
      h.votes("precommit", [0, 1, 2], 1, 2, v);
      h.votes("prevote", [0, 1, 2], 1, 3, null);
      expect(h.engine.snapshot().round).to.equal(3);
      const out = h.engine.handle({ type: "proposal", proposal: h.proposal(1, 2, v) });
      expect(decisions(out).map((d) => [d.round, d.value.hash])).to.deep.equal([[2, v.hash]]);
    });
  });

  describe("decision", () => {
    it("decides on a proposal and precommits of an earlier round (L49 for any round)", () => {
      const h = harness({ powers: [1, 1, 1, 1], follower: true });
      h.engine.handle({ type: "startHeight", height: 1 });
      h.votes("precommit", [0, 1, 2], 1, 0, v); // the proposal of round 0 has not arrived
      h.engine.handle({ type: "timeout", height: 1, round: 0, step: "precommit" });
      expect(h.engine.snapshot()).to.include({ round: 1, status: "running" });
      const out = h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, v) });
      expect(decisions(out).map((d) => [d.height, d.round, d.value.hash])).to.deep.equal([[1, 0, v.hash]]);
    });

    it("decides at the start of a height on precommits of a later round that arrived while the previous height ran", () => {
      const h = harness({ powers: [1, 1, 1, 1], follower: true });
      h.engine.handle({ type: "startHeight", height: 1 });
      h.engine.handle({ type: "proposal", proposal: h.proposal(2, 3, w) }); // height 2, round 3, early
      h.votes("precommit", [0, 1, 2], 2, 3, w);
      h.votes("prevote", [0, 1], 2, 4, w); // and they went on to round 4: the node will skip past round 3
      h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, v) });
      expect(decisions(h.votes("precommit", [0, 1, 2], 1, 0, v))).to.have.length(1);
      const out = h.engine.handle({ type: "startHeight", height: 2 });
      expect(decisions(out).map((d) => [d.height, d.round, d.value.hash])).to.deep.equal([[2, 3, w.hash]]);
    });

    it("does not decide a value the host finds invalid even with a precommit quorum", () => {
      const h = harness({ powers: [1, 1, 1, 1], follower: true });
      h.invalid.add("v");
      h.engine.handle({ type: "startHeight", height: 1 });
      h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, v) });
      expect(decisions(h.votes("precommit", [0, 1, 2, 3], 1, 0, v))).to.deep.equal([]);
    });

    it("after deciding, waits for the next height and then counts the votes buffered for it", () => {
      const h = harness({ powers: [1, 1, 1, 1], follower: true });
      h.engine.handle({ type: "startHeight", height: 1 });
      h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, v) });
      h.votes("precommit", [0, 1, 2], 2, 0, w); // height 2, early
      h.engine.handle({ type: "proposal", proposal: h.proposal(2, 0, w) });
      expect(decisions(h.votes("precommit", [0, 1, 2], 1, 0, v))).to.have.length(1);
      expect(h.engine.handle({ type: "timeout", height: 1, round: 0, step: "precommit" })).to.deep.equal([]);
      const out = h.engine.handle({ type: "startHeight", height: 2 });
      expect(decisions(out).map((d) => [d.height, d.value.hash])).to.deep.equal([[2, w.hash]]);
    });
  });

  describe("decision certificates (catch-up)", () => {
    const certificate = (h: Harness, indexes: number[], round = 0, value = v) => ({
      height: 1,
      round,
      value,
      precommits: indexes.map((i) => h.vote("precommit", i, 1, round, value)),
    });

    it("decides from a peer's certificate with more than 2/3 of the power, without the proposal", () => {
      const h = harness({ powers: [1, 1, 1, 1], follower: true });
      h.engine.handle({ type: "startHeight", height: 1 });
      const out = h.engine.handle({ type: "certificate", decision: certificate(h, [0, 1, 2], 3) });
      expect(decisions(out)).to.deep.equal([certificate(h, [0, 1, 2], 3)]);
    });

    it("refuses certificates with 2/3 or less, a repeated signer, a wrong vote, another height or an invalid value", () => {
      const h = harness({ powers: [6, 6, 5, 1], follower: true });
      h.invalid.add("w");
      h.engine.handle({ type: "startHeight", height: 1 });
      const exactly = certificate(h, [0, 1]); // 12 of 18
      const repeated = { ...exactly, precommits: [...exactly.precommits, exactly.precommits[0]!] };
      const wrongRound = {
        ...certificate(h, [0, 1, 2]),
        precommits: [h.vote("precommit", 0, 1, 1, v), h.vote("precommit", 1, 1, 0, v), h.vote("precommit", 2, 1, 0, v)],
      };
      const prevotes = {
        ...certificate(h, [0, 1, 2]),
        precommits: [0, 1, 2].map((i) => h.vote("prevote", i, 1, 0, v)),
      };
      const otherHeight = { ...certificate(h, [0, 1, 2]), height: 2 };
      const invalid = certificate(h, [0, 1, 2], 0, w);
      for (const decision of [exactly, repeated, wrongRound, prevotes, otherHeight, invalid]) {
        expect(h.engine.handle({ type: "certificate", decision })).to.deep.equal([]);
      }
      expect(h.engine.snapshot().status).to.equal("running");
      expect(decisions(h.engine.handle({ type: "certificate", decision: certificate(h, [0, 1, 3]) }))).to.have.length(
        1,
      );
    });
  });

  describe("evidence", () => {
    it("reports two different prevotes of one validator in one round once", () => {
      const h = harness({ powers: [1, 1, 1, 1] });
      const [a] = others(h);
      h.engine.handle({ type: "startHeight", height: 1 });
      h.votes("prevote", [a!], 1, 0, v);
      const out = h.votes("prevote", [a!], 1, 0, w);
      expect(out).to.deep.equal([
        {
          type: "evidence",
          evidence: {
            kind: "duplicateVote",
            first: h.vote("prevote", a!, 1, 0, v),
            second: h.vote("prevote", a!, 1, 0, w),
          },
        },
      ]);
      expect(h.votes("prevote", [a!], 1, 0, null)).to.deep.equal([]);
    });

    it("decides the value an equivocating proposer gave the others, though it got the twin first", () => {
      const h = harness({ powers: [1, 1, 1, 1], follower: true });
      h.engine.handle({ type: "startHeight", height: 1 });
      h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, w) });
      h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, v) });
      const out = h.votes("precommit", [0, 1, 2], 1, 0, v);
      expect(decisions(out).map((d) => d.value)).to.deep.equal([v]);
    });

    it("reports two different proposals of one proposer in one round", () => {
      const h = harness({ powers: [1, 1, 1, 1] });
      h.engine.handle({ type: "startHeight", height: 1 });
      h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, v) });
      const out = h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, w) });
      expect(out).to.deep.equal([
        {
          type: "evidence",
          evidence: { kind: "duplicateProposal", first: h.proposal(1, 0, v), second: h.proposal(1, 0, w) },
        },
      ]);
    });
  });

  describe("gossip support", () => {
    it("lists the proposals and counted votes of the current height for peers that missed them", () => {
      const h = harness({ powers: [1, 1, 1, 1] });
      const [a, b] = others(h);
      h.engine.handle({ type: "startHeight", height: 1 });
      h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, v) });
      h.votes("prevote", [a!], 1, 0, v);
      h.votes("prevote", [b!], 1, 0, null);
      const known = h.engine.knownMessages();
      expect(known.proposals).to.deep.equal([h.proposal(1, 0, v)]);
      expect(known.votes).to.have.deep.members([
        h.vote("prevote", h.ids.indexOf(h.self), 1, 0, v),
        h.vote("prevote", a!, 1, 0, v),
        h.vote("prevote", b!, 1, 0, null),
      ]);
    });
  });

  describe("determinism", () => {
    it("produces identical outputs for identical inputs", () => {
      const run = () => {
        const h = harness({ powers: [3, 1, 4, 1, 5], selfProposerOf: [1, 1] });
        const all: Output[] = [];
        all.push(...h.engine.handle({ type: "startHeight", height: 1 }));
        all.push(...h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, v) }));
        all.push(...h.votes("prevote", [0, 2], 1, 0, v));
        all.push(...h.engine.handle({ type: "timeout", height: 1, round: 0, step: "prevote" }));
        all.push(...h.votes("precommit", [0, 2, 4], 1, 0, null));
        all.push(...h.engine.handle({ type: "timeout", height: 1, round: 0, step: "precommit" }));
        all.push(...h.votes("prevote", [0, 2, 4], 1, 1, valueOf("own 1/1")));
        all.push(...h.votes("precommit", [0, 2, 4], 1, 1, valueOf("own 1/1")));
        return all;
      };
      const first = run();
      expect(decisions(first)).to.have.length(1);
      expect(run()).to.deep.equal(first);
    });
  });
});
