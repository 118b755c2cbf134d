import { expect } from "chai";
import {
  canSign,
  DoubleSignRefusedError,
  MemorySigningStateStore,
  SigningGuard,
  type SigningState,
  type SigningStateStore,
  type Step,
} from "../../../keeper/src/consensus/index.js";
import { hashOf } from "./helpers.js";

const V = hashOf("v");
const W = hashOf("w");

function state(height: number, round: number, step: Step, valueHash: string | null): SigningState {
  return { height, round, step, valueHash, lockedRound: -1, lockedValueHash: null };
}

describe("consensus signing guard", () => {
  describe("canSign", () => {
    const last = state(10, 2, "prevote", V);

    it("allows anything when nothing was signed", () => {
      expect(canSign(undefined, state(0, 0, "propose", V))).to.equal(true);
    });

    it("allows a later step, round or height whatever the value", () => {
      expect(canSign(last, state(10, 2, "precommit", W))).to.equal(true);
      expect(canSign(last, state(10, 3, "propose", W))).to.equal(true);
      expect(canSign(last, state(10, 3, "prevote", null))).to.equal(true);
      expect(canSign(last, state(11, 0, "propose", W))).to.equal(true);
    });

    it("allows re-signing the exact same message", () => {
      expect(canSign(last, state(10, 2, "prevote", V))).to.equal(true);
    });

    it("refuses another value at the same (height, round, step), nil included", () => {
      expect(canSign(last, state(10, 2, "prevote", W))).to.equal(false);
      expect(canSign(last, state(10, 2, "prevote", null))).to.equal(false);
      expect(canSign(state(10, 2, "prevote", null), state(10, 2, "prevote", V))).to.equal(false);
    });

    it("refuses anything earlier, even for the same value", () => {
      expect(canSign(last, state(10, 2, "propose", V))).to.equal(false);
      expect(canSign(last, state(10, 1, "precommit", V))).to.equal(false);
      expect(canSign(last, state(9, 5, "precommit", V))).to.equal(false);
    });
  });

  describe("SigningGuard", () => {
    it("persists the new state before it lets the caller sign", async () => {
      const events: string[] = [];
      const store: SigningStateStore = {
        load: async () => undefined,
        save: async (s) => {
          events.push(`saving ${s.step}`);
          await new Promise((r) => setTimeout(r, 5));
          events.push(`saved ${s.step}`);
        },
      };
      const guard = await SigningGuard.open(store);
      await guard.authorize(state(1, 0, "prevote", V)).then((ok) => events.push(`sign ${ok}`));
      expect(events).to.deep.equal(["saving prevote", "saved prevote", "sign true"]);
    });

    it("refuses a conflicting message without touching the store", async () => {
      const store = new MemorySigningStateStore();
      const guard = await SigningGuard.open(store);
      expect(await guard.authorize(state(1, 0, "prevote", V))).to.equal(true);
      expect(await guard.authorize(state(1, 0, "prevote", W))).to.equal(false);
      expect(store.saves).to.equal(1);
      expect(await store.load()).to.deep.equal(state(1, 0, "prevote", V));
      await guard.authorizeOrThrow(state(1, 0, "prevote", V)); // re-sign: fine, no new write
      expect(store.saves).to.equal(1);
      let caught: unknown;
      await guard.authorizeOrThrow(state(1, 0, "propose", V)).catch((e: unknown) => (caught = e));
      expect(caught).to.be.instanceOf(DoubleSignRefusedError);
    });

    it("lets only one of two concurrent conflicting authorizations through", async () => {
      const guard = await SigningGuard.open(new MemorySigningStateStore());
      const results = await Promise.all([
        guard.authorize(state(1, 0, "prevote", V)),
        guard.authorize(state(1, 0, "prevote", W)),
      ]);
      expect(results).to.deep.equal([true, false]);
    });

    it("does not advance when the store fails, so nothing is signed against an unsaved state", async () => {
      let fail = true;
      const memory = new MemorySigningStateStore();
      const store: SigningStateStore = {
        load: () => memory.load(),
        save: async (s) => {
          if (fail) throw new Error("disk full");
          await memory.save(s);
        },
      };
      const guard = await SigningGuard.open(store);
      let error: unknown;
      await guard.authorize(state(1, 0, "prevote", V)).catch((e: unknown) => (error = e));
      expect((error as Error).message).to.equal("disk full");
      expect(guard.last).to.equal(undefined);
      fail = false;
      expect(await guard.authorize(state(1, 0, "prevote", W))).to.equal(true);
    });

    it("starts from what the store holds", async () => {
      const guard = await SigningGuard.open(new MemorySigningStateStore(state(7, 3, "precommit", V)));
      expect(guard.last).to.deep.equal(state(7, 3, "precommit", V));
      expect(await guard.authorize(state(7, 3, "prevote", V))).to.equal(false);
    });
  });
});
