import { expect } from "chai";
import { JobsConfigSchema } from "../../../keeper/src/config/schema.js";
import { jobLimits } from "../../../keeper/src/api/jobs/limits.js";
import { LeaseState, type Lease } from "../../../keeper/src/api/lease-access.js";

const lease = (cpuCores: number, memoryMiB: bigint): Lease => ({
  leaseId: 1n,
  provider: "0x0000000000000000000000000000000000000001",
  offerId: 1n,
  start: 0,
  end: 1,
  cpuCores,
  memoryMiB,
  storageGiB: 1n,
  state: LeaseState.Active,
});

describe("api: job limits stay within the lease's share (invariant over random leases and requests)", () => {
  it("concurrent jobs never hold more memory than the lease, nor more fuel than a core buys in the wall cap", () => {
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    for (let i = 0; i < 500; i++) {
      const cfg = JobsConfigSchema.parse({
        fuelPerCoreSecond: 1 + rand(2_000_000_000),
        maxWallMs: 1 + rand(120_000),
        maxConcurrentPerLease: 1 + rand(16),
      });
      const l = lease(rand(64), BigInt(rand(300_000)));
      const req = rand(2) ? { timeoutMs: 1 + rand(200_000), fuel: String(1 + rand(10 ** 9)) } : {};
      const lim = jobLimits(l, cfg, req);
      expect(lim.concurrency).to.be.within(1, cfg.maxConcurrentPerLease);
      if (l.cpuCores > 0) expect(lim.concurrency).to.be.at.most(l.cpuCores);
      expect(lim.concurrency * lim.memoryPages).to.be.at.most(Number(l.memoryMiB) * 16);
      expect(lim.memoryPages).to.be.at.most(65_536);
      expect(lim.wallMs).to.be.within(1, cfg.maxWallMs);
      expect(lim.fuel <= (BigInt(cfg.fuelPerCoreSecond) * BigInt(lim.wallMs)) / 1000n).to.equal(true);
      if ("fuel" in req && req.fuel !== undefined) expect(lim.fuel <= BigInt(req.fuel)).to.equal(true);
    }
  });

  it("refuses a malformed fuel or timeout with a 400", () => {
    const cfg = JobsConfigSchema.parse({});
    for (const bad of [{ fuel: "-1" }, { fuel: "1e9" }, { fuel: 1.5 }, { timeoutMs: 0 }, { timeoutMs: "10" }]) {
      expect(() => jobLimits(lease(1, 1024n), cfg, bad))
        .to.throw()
        .with.property("status", 400);
    }
  });
});
