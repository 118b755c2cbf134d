import { expect } from "chai";
import type { Commit } from "../../../keeper/src/checkpoint/payload.js";
import { RecentSigners } from "../../../keeper/src/tasks/recent-signers.js";

const A = "0x" + "a".repeat(40);
const B = "0x" + "b".repeat(40);
const commit = (height: number, signers: string[]): Commit => ({
  epoch: 1n,
  height: BigInt(height),
  round: 0,
  valueHash: "0x" + "0".repeat(64),
  signatures: signers.map((signer) => ({ signer, ecdsa: "0x", bls: "0x" })),
});

describe("task liveness: a member counts only while it signs recent commits", () => {
  it("trusts everyone until a full window of heights was seen", () => {
    const r = new RecentSigners(3);
    r.observe(commit(1, [A]));
    r.observe(commit(2, [A]));
    expect(r.following(B)).to.equal(true);
    r.observe(commit(3, [A]));
    expect(r.following(B)).to.equal(false);
    expect(r.following(A)).to.equal(true);
  });

  it("passes over a member that heartbeats but signed none of the last window's commits, and trusts it again once it signs", () => {
    const r = new RecentSigners(3);
    for (let h = 1; h <= 3; h++) r.observe(commit(h, [A, B]));
    for (let h = 4; h <= 6; h++) r.observe(commit(h, [A]));
    expect(r.following(B)).to.equal(false);
    r.observe(commit(7, [A, B]));
    expect(r.following(B)).to.equal(true);
  });

  it("counts a precommit that joins a commit after the decision, and a payload's lastCommit", () => {
    const r = new RecentSigners(2);
    const late = commit(1, [A]);
    r.observe(late);
    r.observe(commit(2, [A]));
    expect(r.following(B)).to.equal(false);
    late.signatures.push({ signer: B, ecdsa: "0x", bls: "0x" });
    expect(r.following(B)).to.equal(true);
    r.observe(commit(3, [A]));
    expect(r.following(B)).to.equal(false); // height 1 left the window
    r.observe(commit(3, [A, B])); // the next payload's lastCommit for height 3 holds B's precommit
    expect(r.following(B)).to.equal(true);
  });
});
