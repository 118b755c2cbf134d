import { expect } from "chai";
import { Wallet } from "ethers";
import { activeExecutors, assign, rendezvousOrder } from "../../../keeper/src/tasks/assignment.js";

const members = Array.from({ length: 16 }, () => Wallet.createRandom().address.toLowerCase());

describe("task assignment (rendezvous order)", () => {
  it("is stable: the same task and set give the same order whatever the set's order or letter case", () => {
    const shuffled = [...members].reverse().map((m) => m.toUpperCase().replace("0X", "0x"));
    for (let id = 1n; id <= 50n; id++)
      expect(rendezvousOrder(id, shuffled)).to.deep.equal(rendezvousOrder(id, members));
  });

  it("is balanced: over 2,000 tasks with redundancy 3 each of 16 members executes 375 ± 25 % (> 5 sigma)", () => {
    const count = new Map<string, number>();
    for (let id = 1n; id <= 2000n; id++) {
      for (const m of assign(id, members, 3, 1).executors) count.set(m, (count.get(m) ?? 0) + 1);
    }
    for (const m of members) expect(count.get(m) ?? 0).to.be.within(281, 469);
  });

  it("changes minimally when a member leaves: only its tasks move, each to the next in order", () => {
    const leaving = members[5]!;
    const rest = members.filter((m) => m !== leaving);
    let moved = 0;
    for (let id = 1n; id <= 500n; id++) {
      const before = assign(id, members, 3, 2);
      const after = assign(id, rest, 3, 2);
      expect(after.order).to.deep.equal(before.order.filter((m) => m !== leaving));
      if (!before.executors.includes(leaving)) expect(after.executors).to.deep.equal(before.executors);
      else {
        moved++;
        expect(after.executors).to.deep.equal([...before.executors.filter((m) => m !== leaving), before.spares[0]]);
      }
    }
    expect(moved).to.be.within(50, 140); // ~3/16 of 500
  });

  it("a spare takes over exactly when a member ahead of it is suspected; never beyond the counting positions", () => {
    const a = assign(7n, members, 2, 1);
    expect(activeExecutors(a, 2, () => false)).to.deep.equal(a.executors);
    const first = a.executors[0]!;
    expect(activeExecutors(a, 2, (m) => m === first)).to.deep.equal([a.executors[1], a.spares[0]]);
    // two suspected, one spare: only one executor left, nobody from outside the counting positions
    expect(activeExecutors(a, 2, (m) => a.executors.includes(m))).to.deep.equal([a.spares[0]]);
  });
});
