// A validator that crashes mid-height and restarts from its persisted signing state may only
// re-sign what it signed or move forward; its lock survives the restart.
import { expect } from "chai";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  FileSigningStateStore,
  SigningGuard,
  type Output,
  type SigningState,
} from "../../../keeper/src/consensus/index.js";
import { broadcastProposals, broadcastVotes, harness, others, valueOf, type Harness } from "./helpers.js";

const v = valueOf("v");
const w = valueOf("w");

/** Applies the host rule: every signing output goes through the guard before it is released. */
async function release(guard: SigningGuard, outputs: readonly Output[]): Promise<Output[]> {
  const released: Output[] = [];
  for (const o of outputs) {
    if (o.type === "broadcastVote" || o.type === "broadcastProposal") {
      if (await guard.authorize(o.signingState)) released.push(o);
    } else {
      released.push(o);
    }
  }
  return released;
}

describe("consensus restart from persisted signing state", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "openmesh-signing-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("the file store round-trips a state and survives a leftover temporary file", async () => {
    const path = join(dir, "signing.json");
    const store = new FileSigningStateStore(path);
    expect(await store.load()).to.equal(undefined);
    const s: SigningState = {
      height: 4,
      round: 2,
      step: "precommit",
      valueHash: v.hash,
      lockedRound: 2,
      lockedValueHash: v.hash,
    };
    await store.save(s);
    // a crash in the middle of a later save leaves only the temporary file behind
    await writeFile(`${path}.tmp`, '{"height": 4, "round"');
    expect(await new FileSigningStateStore(path).load()).to.deep.equal(s);
    expect(JSON.parse(await readFile(path, "utf8"))).to.deep.equal(s);
  });

  it("the file store refuses a corrupt file instead of starting from nothing", async () => {
    const path = join(dir, "signing.json");
    await writeFile(path, JSON.stringify({ height: 1, round: 0, step: "prevote" }));
    let error: unknown;
    await new FileSigningStateStore(path).load().catch((e: unknown) => (error = e));
    expect((error as Error).name).to.equal("CorruptSigningStateError");
  });

  it("after a restart from the file it resumes past its prevote and can never sign a conflicting one", async () => {
    const path = join(dir, "signing.json");
    // first life: prevote v at height 1, round 0
    const first = harness({ powers: [1, 1, 1, 1] });
    const guard1 = await SigningGuard.open(new FileSigningStateStore(path));
    await release(guard1, first.engine.handle({ type: "startHeight", height: 1 }));
    const sent = broadcastVotes(
      await release(guard1, first.engine.handle({ type: "proposal", proposal: first.proposal(1, 0, v) })),
    );
    expect(sent.map((x) => x.valueHash)).to.deep.equal([v.hash]);

    // crash; second life reads the file and resumes in round 0 at the prevote step
    const guard2 = await SigningGuard.open(new FileSigningStateStore(path));
    expect(guard2.last).to.include({ height: 1, round: 0, step: "prevote", valueHash: v.hash });
    const second = harness({ powers: [1, 1, 1, 1], signingState: guard2.last });
    await release(guard2, second.engine.handle({ type: "startHeight", height: 1 }));
    expect(second.engine.snapshot()).to.include({ round: 0, step: "prevote" });
    // neither the propose timeout nor another proposal gets it to prevote again
    const timedOut = second.engine.handle({ type: "timeout", height: 1, round: 0, step: "propose" });
    const otherProposal = second.engine.handle({ type: "proposal", proposal: second.proposal(1, 0, w) });
    expect(broadcastVotes([...timedOut, ...otherProposal])).to.deep.equal([]);
    // the guard refuses a conflicting prevote had a buggy engine asked, and allows re-sending the same one
    expect(await guard2.authorize({ ...guard2.last!, valueHash: null })).to.equal(false);
    expect(await guard2.authorize({ ...guard2.last!, valueHash: w.hash })).to.equal(false);
    expect(await guard2.authorize(guard2.last!)).to.equal(true);

    // an engine that (wrongly) started without the file would prevote w; the guard over the file refuses it
    const amnesiac = harness({ powers: [1, 1, 1, 1] });
    amnesiac.engine.handle({ type: "startHeight", height: 1 });
    const wrong = amnesiac.engine.handle({ type: "proposal", proposal: amnesiac.proposal(1, 0, w) });
    expect(broadcastVotes(wrong).map((x) => x.valueHash)).to.deep.equal([w.hash]);
    const guard3 = await SigningGuard.open(new FileSigningStateStore(path));
    expect(broadcastVotes(await release(guard3, wrong))).to.deep.equal([]);
  });

  it("keeps its lock across a restart: locked on v, it prevotes nil for w in a later round", async () => {
    const path = join(dir, "signing.json");
    const lockOnV = async (h: Harness, guard: SigningGuard) => {
      const [a, b] = others(h);
      await release(guard, h.engine.handle({ type: "startHeight", height: 1 }));
      await release(guard, h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, v) }));
      const out = await release(guard, h.votes("prevote", [a!, b!], 1, 0, v));
      expect(broadcastVotes(out).map((x) => [x.type, x.valueHash])).to.deep.equal([["precommit", v.hash]]);
    };
    const before = harness({ powers: [1, 1, 1, 1], selfProposerOf: [1, 3] });
    await lockOnV(before, await SigningGuard.open(new FileSigningStateStore(path)));

    const guard = await SigningGuard.open(new FileSigningStateStore(path));
    expect(guard.last).to.include({ lockedRound: 0, lockedValueHash: v.hash });
    const after = harness({ powers: [1, 1, 1, 1], selfProposerOf: [1, 3], signingState: guard.last });
    const [a, b, c] = others(after);
    await release(guard, after.engine.handle({ type: "startHeight", height: 1 }));
    expect(after.engine.snapshot()).to.include({ round: 0, lockedRound: 0, lockedValueHash: v.hash });
    after.votes("precommit", [a!, b!, c!], 1, 0, null);
    await release(guard, after.engine.handle({ type: "timeout", height: 1, round: 0, step: "precommit" }));
    const out = await release(guard, after.engine.handle({ type: "proposal", proposal: after.proposal(1, 1, w) }));
    expect(broadcastVotes(out).map((x) => [x.type, x.round, x.valueHash])).to.deep.equal([["prevote", 1, null]]);
  });

  it("recovers its locked value when the proposal comes again, and re-proposes it citing its lock round", () => {
    const signingState: SigningState = {
      height: 1,
      round: 0,
      step: "precommit",
      valueHash: v.hash,
      lockedRound: 0,
      lockedValueHash: v.hash,
    };
    const h = harness({ powers: [1, 1, 1, 1], selfProposerOf: [1, 1], signingState });
    const [a, b, c] = others(h);
    h.engine.handle({ type: "startHeight", height: 1 });
    expect(h.engine.snapshot().validValue).to.equal(null);
    h.engine.handle({ type: "proposal", proposal: h.proposal(1, 0, v) }); // replayed from the log or gossip
    expect(h.engine.snapshot()).to.include({ validRound: 0 });
    h.votes("precommit", [a!, b!, c!], 1, 0, null);
    const out = h.engine.handle({ type: "timeout", height: 1, round: 0, step: "precommit" });
    expect(broadcastProposals(out)).to.deep.equal([{ height: 1, round: 1, value: v, validRound: 0, proposer: h.self }]);
  });

  it("signs nothing below its signing state, even as proposer, and still follows decisions", () => {
    // the host lost its record of decided heights but not the signing state: it restarts lower
    const signingState: SigningState = {
      height: 5,
      round: 0,
      step: "prevote",
      valueHash: null,
      lockedRound: -1,
      lockedValueHash: null,
    };
    const h = harness({ powers: [1, 1, 1, 1], selfProposerOf: [3, 0], signingState });
    const [a, b, c] = others(h);
    const outputs = [
      ...h.engine.handle({ type: "startHeight", height: 3 }),
      ...h.engine.handle({ type: "timeout", height: 3, round: 0, step: "propose" }),
      ...h.votes("prevote", [a!, b!, c!], 3, 0, null),
      ...h.engine.handle({ type: "timeout", height: 3, round: 0, step: "prevote" }),
    ];
    expect(broadcastProposals(outputs)).to.deep.equal([]);
    expect(broadcastVotes(outputs)).to.deep.equal([]);
    h.engine.handle({ type: "proposal", proposal: h.proposal(3, 1, v) });
    const out = h.votes("precommit", [a!, b!, c!], 3, 1, v);
    expect(out.filter((o) => o.type === "decide")).to.have.length(1);
  });

  it("resumes at the round it had signed in, not round 0", async () => {
    const signingState: SigningState = {
      height: 3,
      round: 6,
      step: "prevote",
      valueHash: null,
      lockedRound: -1,
      lockedValueHash: null,
    };
    const h = harness({ powers: [1, 1, 1, 1], signingState });
    h.engine.handle({ type: "startHeight", height: 3 });
    expect(h.engine.snapshot()).to.include({ height: 3, round: 6 });
  });
});
