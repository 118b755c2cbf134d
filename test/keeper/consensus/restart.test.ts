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
import { broadcastVotes, harness, others, valueOf, type Harness } from "./helpers.js";

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

  it("after a restart from the file it refuses a conflicting prevote and re-sends the one it signed", async () => {
    const path = join(dir, "signing.json");
    // first life: prevote v at height 1, round 0
    const first = harness({ powers: [1, 1, 1, 1] });
    const guard1 = await SigningGuard.open(new FileSigningStateStore(path));
    await release(guard1, first.engine.handle({ type: "startHeight", height: 1 }));
    const sent = broadcastVotes(
      await release(guard1, first.engine.handle({ type: "proposal", proposal: first.proposal(1, 0, v) })),
    );
    expect(sent.map((x) => x.valueHash)).to.deep.equal([v.hash]);

    // crash; second life reads the file
    const guard2 = await SigningGuard.open(new FileSigningStateStore(path));
    expect(guard2.last).to.include({ height: 1, round: 0, step: "prevote", valueHash: v.hash });
    const second = harness({ powers: [1, 1, 1, 1], signingState: guard2.last });
    await release(guard2, second.engine.handle({ type: "startHeight", height: 1 }));
    // the propose timeout would prevote nil: the engine does not even ask
    const timedOut = second.engine.handle({ type: "timeout", height: 1, round: 0, step: "propose" });
    expect(broadcastVotes(timedOut)).to.deep.equal([]);
    // and the guard would refuse it had a buggy engine asked
    expect(await guard2.authorize({ ...guard2.last!, valueHash: null })).to.equal(false);

    // a third life that gets the proposal again re-sends the very same prevote
    const third = harness({ powers: [1, 1, 1, 1], signingState: guard2.last });
    const guard3 = await SigningGuard.open(new FileSigningStateStore(path));
    third.engine.handle({ type: "startHeight", height: 1 });
    const again = broadcastVotes(
      await release(guard3, third.engine.handle({ type: "proposal", proposal: third.proposal(1, 0, w) })),
    );
    expect(again).to.deep.equal([]); // w is not what it signed
    const fourth = harness({ powers: [1, 1, 1, 1], signingState: guard3.last });
    fourth.engine.handle({ type: "startHeight", height: 1 });
    const resent = broadcastVotes(
      await release(guard3, fourth.engine.handle({ type: "proposal", proposal: fourth.proposal(1, 0, v) })),
    );
    expect(resent).to.deep.equal(sent);
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
