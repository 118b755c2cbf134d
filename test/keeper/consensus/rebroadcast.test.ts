import { expect } from "chai";
import { Rebroadcaster } from "../../../keeper/src/consensus/index.js";

/** a manual clock: timers run when advanced past */
function manualClock() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  return {
    schedule: (ms: number, fn: () => void) => {
      const t = { at: now + ms, fn, live: true };
      timers.push(t);
      return () => (t.live = false);
    },
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const next = timers.filter((t) => t.live && t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (next === undefined) break;
        next.live = false;
        now = next.at;
        next.fn();
      }
      now = until;
    },
    get now() {
      return now;
    },
  };
}

describe("Rebroadcaster (own messages re-sent until the height advances)", () => {
  it("re-sends the latest message of each step with doubling gaps up to the cap, then stops at the next height", () => {
    const clock = manualClock();
    const sent: Array<{ at: number; messages: string[] }> = [];
    const r = new Rebroadcaster<string>({ firstMs: 100, maxMs: 400 }, clock.schedule, (messages) =>
      sent.push({ at: clock.now, messages }),
    );
    r.signed(5, "prevote", "prevote r0");
    r.signed(5, "precommit", "precommit r0");
    r.signed(5, "prevote", "prevote r1"); // replaces the older prevote
    clock.advance(1_600);
    expect(sent.map((s) => s.at)).to.deep.equal([100, 300, 700, 1100, 1500]);
    expect(sent[0]!.messages).to.deep.equal(["prevote r1", "precommit r0"]);
    r.advance(6);
    clock.advance(5_000);
    expect(sent).to.have.length(5);
    // a message of an older height is ignored
    r.signed(5, "prevote", "late");
    clock.advance(5_000);
    expect(sent).to.have.length(5);
  });

  it("restarts the backoff at each newly signed message", () => {
    const clock = manualClock();
    const at: number[] = [];
    const r = new Rebroadcaster<string>({ firstMs: 100, maxMs: 1_000 }, clock.schedule, () => at.push(clock.now));
    r.signed(1, "prevote", "a");
    clock.advance(350); // re-sent at 100 and 300
    r.signed(1, "precommit", "b");
    clock.advance(150);
    expect(at).to.deep.equal([100, 300, 450]);
  });

  it("refuses a schedule that could spin", () => {
    expect(
      () =>
        new Rebroadcaster(
          { firstMs: 0, maxMs: 10 },
          () => () => {},
          () => {},
        ),
    ).to.throw(RangeError);
    expect(
      () =>
        new Rebroadcaster(
          { firstMs: 10, maxMs: 5 },
          () => () => {},
          () => {},
        ),
    ).to.throw(RangeError);
  });
});
