import { expect } from "chai";
import type { ResourceLeaf } from "../../../keeper/src/por/aggregate.js";
import { belowClaimMask, detectFaults, POR_FAULT } from "../../../keeper/src/por/faults.js";
import type { Claims } from "../../../keeper/src/por/params.js";
import type { PorReportBody } from "../../../keeper/src/por/report.js";

const op = "0x" + "aa".repeat(20);
const claims: Claims = { cpuCores: 8, memoryMiB: 1024, storageGiB: 100, bandwidthMbps: 1000 };
const leaf = (over: Partial<ResourceLeaf> = {}): ResourceLeaf => ({
  operator: op,
  cpuCores: 8,
  memoryMiB: 1024,
  storageGiB: 100,
  bandwidthMbps: 1000,
  latencyUs: 500,
  uptimeBps: 10_000,
  ...over,
});
const report = (verifier: number, over: Partial<PorReportBody> = {}): PorReportBody => ({
  epoch: 5,
  operator: op,
  verifier: "0x" + String(verifier).repeat(40),
  seed: "0x" + "00".repeat(32),
  cpuCores: 8,
  bandwidthMbps: 1000,
  memoryMiB: 1024,
  storageGiB: 100,
  latencyUs: 500,
  failed: 0,
  missed: 0,
  ...over,
});
const input = (over: Partial<Parameters<typeof detectFaults>[0]>) => ({
  epoch: 5,
  quorum: 2,
  tolerancePct: 20,
  claims: new Map([[op, claims]]),
  reports: [report(1), report(2), report(3)],
  leaves: new Map([[op, leaf()]]),
  previousLeaves: new Map([[op, leaf()]]),
  ...over,
});

describe("PoR faults (failed, missed, below claim two epochs in a row)", () => {
  it("an honest node, and one proven within the tolerance, make no fault", () => {
    expect(detectFaults(input({}))).to.deep.equal([]);
    const busy = leaf({ cpuCores: 7, storageGiB: 80, bandwidthMbps: 800 }); // 12.5% / 20% / 20% below
    expect(detectFaults(input({ leaves: new Map([[op, busy]]), previousLeaves: new Map([[op, busy]]) }))).to.deep.equal(
      [],
    );
  });

  it("below claim x (1 - tolerance) in one epoch only (a busy host) is no fault; two in a row is", () => {
    const low = leaf({ storageGiB: 25 });
    expect(detectFaults(input({ leaves: new Map([[op, low]]) }))).to.deep.equal([]);
    const faults = detectFaults(input({ leaves: new Map([[op, low]]), previousLeaves: new Map([[op, low]]) }));
    expect(faults.map((f) => [f.kind, f.mask])).to.deep.equal([[POR_FAULT.belowClaim, 4]]);
  });

  it("a measure failed by a quorum of verifiers is a fault; by one verifier it is not", () => {
    const one = detectFaults(input({ reports: [report(1, { failed: 4 }), report(2), report(3)] }));
    expect(one).to.deep.equal([]);
    const two = detectFaults(input({ reports: [report(1, { failed: 4 }), report(2, { failed: 4 }), report(3)] }));
    expect(two.map((f) => [f.kind, f.mask])).to.deep.equal([[POR_FAULT.failed, 4]]);
  });

  it("a node that answered none of a quorum of its challenges is a missed fault", () => {
    const faults = detectFaults(input({ reports: [report(1, { missed: 0x1f }), report(2, { missed: 0x1f })] }));
    expect(faults.map((f) => f.kind)).to.deep.equal([POR_FAULT.missed]);
  });

  it("the details hash binds epoch, operator, kind and measures (one offence per (signer, kind, epoch) on chain)", () => {
    const low = leaf({ storageGiB: 25, cpuCores: 1 });
    const a = detectFaults(input({ leaves: new Map([[op, low]]), previousLeaves: new Map([[op, low]]) }))[0]!;
    const b = detectFaults(input({ epoch: 6, leaves: new Map([[op, low]]), previousLeaves: new Map([[op, low]]) }))[0]!;
    expect(a.mask).to.equal(1 | 4);
    expect(a.detailsHash).to.not.equal(b.detailsHash);
    expect(belowClaimMask(leaf(), claims, 20)).to.equal(0);
  });
});
