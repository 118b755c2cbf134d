import { expect } from "chai";
import { Wallet } from "ethers";
import { randomBytes } from "node:crypto";
import { checkpointDomain } from "../../../keeper/src/checkpoint/header.js";
import { aggregateLeaf, DuplicateReportError } from "../../../keeper/src/por/aggregate.js";
import { challengeOffsetMs, targetsOf, verifiersOf } from "../../../keeper/src/por/assignment.js";
import { hex } from "../../../keeper/src/por/hash.js";
import { reportSigner, signReport, type PorReportBody } from "../../../keeper/src/por/report.js";

const operators = Array.from({ length: 9 }, () => Wallet.createRandom().address.toLowerCase());
const seed = () => hex(randomBytes(32));

describe("PoR verifier assignment (rendezvous hashing over the active set)", () => {
  it("every operator gets k distinct verifiers, never itself, the same on every keeper whatever the set's order", () => {
    for (let trial = 0; trial < 20; trial++) {
      const s = seed();
      const shuffled = [...operators].sort(() => Math.random() - 0.5);
      for (const op of operators) {
        const v = verifiersOf(s, op, operators, 3);
        expect(v).to.have.length(3);
        expect(new Set(v).size).to.equal(3);
        expect(v).to.not.include(op);
        expect(verifiersOf(s, op, shuffled, 3)).to.deep.equal(v);
      }
    }
  });

  it("a verifier's targets are exactly the operators that list it, so challenges add up to k per operator", () => {
    const s = seed();
    const total = operators.reduce((n, v) => n + targetsOf(s, v, operators, 3).length, 0);
    expect(total).to.equal(3 * operators.length);
    for (const v of operators) {
      for (const t of targetsOf(s, v, operators, 3)) expect(verifiersOf(s, t, operators, 3)).to.include(v);
    }
  });

  it("another seed (the next epoch's header) gives another assignment, and offsets stay in the stagger window", () => {
    const [a, b] = [seed(), seed()];
    const differ = operators.some(
      (op) => verifiersOf(a, op, operators, 3).join() !== verifiersOf(b, op, operators, 3).join(),
    );
    expect(differ).to.equal(true);
    for (const op of operators) {
      for (const v of verifiersOf(a, op, operators, 3)) {
        const off = challengeOffsetMs(a, op, v, 20_000);
        expect(off).to.be.within(0, 19_999);
      }
    }
  });

  it("a set smaller than k + 1 gives every operator all the others", () => {
    expect(verifiersOf(seed(), operators[0]!, operators.slice(0, 3), 3)).to.have.length(2);
  });
});

const domain = checkpointDomain(31337n, "0x" + "11".repeat(20));
function body(over: Partial<PorReportBody>): PorReportBody {
  return {
    epoch: 4,
    operator: operators[0]!,
    verifier: operators[1]!,
    seed: "0x" + "22".repeat(32),
    cpuCores: 4,
    bandwidthMbps: 100,
    memoryMiB: 1024,
    storageGiB: 10,
    latencyUs: 900,
    failed: 0,
    missed: 0,
    ...over,
  };
}

describe("PoR reports (EIP-712 signed) and the porRoot leaf (per-measure median)", () => {
  it("a signed report recovers to its signer; a changed field recovers to someone else", () => {
    const w = Wallet.createRandom();
    const s = signReport(domain, body({}), w.privateKey);
    expect(reportSigner(domain, s)).to.equal(w.address.toLowerCase());
    expect(reportSigner(domain, { ...s, report: { ...s.report, storageGiB: 11 } })).to.not.equal(
      w.address.toLowerCase(),
    );
  });

  it("the leaf is the median of each measure, whatever the order of the reports", () => {
    const reports = [
      body({ verifier: operators[1]!, cpuCores: 4, storageGiB: 2, latencyUs: 500 }),
      body({ verifier: operators[2]!, cpuCores: 1, storageGiB: 10, latencyUs: 700 }),
      body({ verifier: operators[3]!, cpuCores: 3, storageGiB: 9, latencyUs: 9_000 }),
    ];
    const leaf = aggregateLeaf({ operator: operators[0]!, reports, quorum: 2, uptimeBps: 9_900 });
    expect(leaf).to.deep.equal({
      operator: operators[0],
      cpuCores: 3,
      bandwidthMbps: 100,
      memoryMiB: 1024,
      storageGiB: 9,
      latencyUs: 700,
      uptimeBps: 9_900,
    });
    for (let i = 0; i < 6; i++) {
      const shuffled = [...reports].sort(() => Math.random() - 0.5);
      expect(aggregateLeaf({ operator: operators[0]!, reports: shuffled, quorum: 2, uptimeBps: 9_900 })).to.deep.equal(
        leaf,
      );
    }
  });

  it("two reports give the smaller capacity and the larger latency; one report gives no leaf", () => {
    const two = [body({ cpuCores: 2, latencyUs: 100 }), body({ verifier: operators[2]!, cpuCores: 8, latencyUs: 300 })];
    expect(aggregateLeaf({ operator: operators[0]!, reports: two, quorum: 2, uptimeBps: 0 })).to.include({
      cpuCores: 2,
      latencyUs: 300,
    });
    expect(aggregateLeaf({ operator: operators[0]!, reports: two.slice(1), quorum: 2, uptimeBps: 0 })).to.equal(
      undefined,
    );
  });

  it("two reports by one verifier on one operator are refused (a proposal carrying them is invalid)", () => {
    const dup = [body({}), body({ cpuCores: 1 })];
    expect(() => aggregateLeaf({ operator: operators[0]!, reports: dup, quorum: 2, uptimeBps: 0 })).to.throw(
      DuplicateReportError,
    );
  });
});
