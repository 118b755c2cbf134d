import { expect } from "chai";
import { network } from "hardhat";
import { asTimelock, deployFourOperators } from "../../helpers/operators.js";

const { ethers, networkHelpers } = await network.create();

/** The contract's defaults: half for proven service, the reference node of docs/por.md. */
const DEFAULTS = {
  serviceShareBps: 5_000n,
  cpuWeightBps: 3_000n,
  memoryWeightBps: 2_000n,
  storageWeightBps: 2_000n,
  bandwidthWeightBps: 2_000n,
  latencyWeightBps: 1_000n,
  refCpuCores: 8n,
  refBandwidthMbps: 1_000n,
  refLatencyUs: 50_000n,
  refMemoryMiB: 16_384n,
  refStorageGiB: 1_024n,
};
type Params = typeof DEFAULTS;
/** the struct's named fields (ethers returns a Result: an array with names) */
const asObject = (r: Params): Params =>
  Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, r[k as keyof Params]])) as Params;

describe("RewardsDistributor: the security/service split is governed", () => {
  const fixture = async () => (await deployFourOperators(ethers)).d;

  it("starts with half of each budget for proven service and the documented reference node", async () => {
    const d = await networkHelpers.loadFixture(fixture);
    expect(asObject(await d.rewards.serviceRewards())).to.deep.equal(DEFAULTS);
    expect(await d.rewards.MAX_SERVICE_SHARE_BPS()).to.equal(8_000n);
  });

  it("the DAO timelock sets it (event); nobody else may", async () => {
    const d = await networkHelpers.loadFixture(fixture);
    const next = { ...DEFAULTS, serviceShareBps: 8_000n, cpuWeightBps: 10_000n, memoryWeightBps: 0n };
    next.storageWeightBps = 0n;
    next.bandwidthWeightBps = 0n;
    next.latencyWeightBps = 0n;
    const [, stranger] = await ethers.getSigners();
    await expect(d.rewards.connect(stranger!).setServiceRewards(next)).to.be.revertedWithCustomError(
      d.rewards,
      "AccessManagedUnauthorized",
    );
    await asTimelock(d, ethers, networkHelpers, async (tl) => {
      await expect(d.rewards.connect(tl).setServiceRewards(next)).to.emit(d.rewards, "ServiceRewardsSet");
    });
    expect(asObject(await d.rewards.serviceRewards())).to.deep.equal(next);
  });

  it("refuses a service share above 80%, weights not summing to 10,000 and a zero reference", async () => {
    const d = await networkHelpers.loadFixture(fixture);
    await asTimelock(d, ethers, networkHelpers, async (tl) => {
      const r = d.rewards.connect(tl);
      await expect(r.setServiceRewards({ ...DEFAULTS, serviceShareBps: 8_001n }))
        .to.be.revertedWithCustomError(d.rewards, "RewardsServiceShareTooHigh")
        .withArgs(8_001n, 8_000n);
      await expect(r.setServiceRewards({ ...DEFAULTS, latencyWeightBps: 999n }))
        .to.be.revertedWithCustomError(d.rewards, "RewardsServiceWeightsNotWhole")
        .withArgs(9_999n);
      await expect(r.setServiceRewards({ ...DEFAULTS, cpuWeightBps: 65_535n }))
        .to.be.revertedWithCustomError(d.rewards, "RewardsServiceWeightsNotWhole")
        .withArgs(72_535n);
      for (const ref of ["refCpuCores", "refBandwidthMbps", "refLatencyUs", "refMemoryMiB", "refStorageGiB"] as const) {
        await expect(r.setServiceRewards({ ...DEFAULTS, [ref]: 0n })).to.be.revertedWithCustomError(
          d.rewards,
          "RewardsServiceZeroReference",
        );
      }
    });
    expect(asObject(await d.rewards.serviceRewards())).to.deep.equal(DEFAULTS);
  });
});
