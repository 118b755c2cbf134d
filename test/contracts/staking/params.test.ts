// Governance parameters of the staking contract: defaults, restricted setters, events and bounds.
import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress } from "ethers";
import {
  COMMISSION_DELAY,
  JAIL_PERIOD,
  MIN_STAKE,
  OPEN,
  SlashReason,
  UNBONDING_PERIOD,
  WAD,
  deployStaking,
  registerOperator,
} from "./fixtures.js";

const { ethers, networkHelpers } = await network.create();

const MAX_PERIOD = 365n * 24n * 3600n;

describe("Staking: governance parameters", () => {
  const fixture = () => deployStaking(ethers);

  it("starts with the documented defaults", async () => {
    const { staking, treasury } = await networkHelpers.loadFixture(fixture);
    expect(await staking.minStake()).to.equal(MIN_STAKE);
    expect(await staking.unbondingPeriod()).to.equal(UNBONDING_PERIOD);
    expect(await staking.jailPeriod()).to.equal(JAIL_PERIOD);
    expect(await staking.commissionIncreaseDelay()).to.equal(COMMISSION_DELAY);
    expect(await staking.maxCommissionWad()).to.equal(WAD / 4n);
    expect(await staking.maxValidators()).to.equal(100n);
    expect(await staking.slashDestination()).to.equal(0n);
    expect(await staking.treasury()).to.equal(treasury.address);
  });

  it("rejects a zero treasury at construction with StakingZeroTreasury", async () => {
    const { staking, manager, token } = await networkHelpers.loadFixture(fixture);
    await expect(ethers.deployContract("Staking", [manager, token, ZeroAddress])).to.be.revertedWithCustomError(
      staking,
      "StakingZeroTreasury",
    );
  });

  const periodSetters = [
    ["setUnbondingPeriod", "UnbondingPeriodSet", "unbondingPeriod", UNBONDING_PERIOD],
    ["setJailPeriod", "JailPeriodSet", "jailPeriod", JAIL_PERIOD],
    ["setCommissionIncreaseDelay", "CommissionIncreaseDelaySet", "commissionIncreaseDelay", COMMISSION_DELAY],
  ] as const;

  for (const [setter, event, getter, initial] of periodSetters) {
    it(`${setter}: sets, emits ${event}(old, new), bounds at one year, restricted`, async () => {
      const { staking, accounts } = await networkHelpers.loadFixture(fixture);
      await expect(staking[setter](600n)).to.emit(staking, event).withArgs(initial, 600n);
      expect(await staking[getter]()).to.equal(600n);
      await expect(staking[setter](MAX_PERIOD + 1n))
        .to.be.revertedWithCustomError(staking, "StakingInvalidParameter")
        .withArgs(MAX_PERIOD + 1n, 0n, MAX_PERIOD);
      await expect(staking.connect(accounts[0]!)[setter](1n))
        .to.be.revertedWithCustomError(staking, "AccessManagedUnauthorized")
        .withArgs(accounts[0]!.address);
    });
  }

  it("setUnbondingPeriod: at least MIN_UNBONDING_PERIOD (it is the evidence max age: zero would disable slashing)", async () => {
    const { staking } = await networkHelpers.loadFixture(fixture);
    const min = await staking.MIN_UNBONDING_PERIOD();
    await expect(staking.setUnbondingPeriod(min - 1n))
      .to.be.revertedWithCustomError(staking, "StakingInvalidParameter")
      .withArgs(min - 1n, min, MAX_PERIOD);
    await staking.setUnbondingPeriod(min);
  });

  it("setValidatorSets: once, never the zero address (it numbers the unbonding buckets)", async () => {
    const { staking, validatorSets } = await networkHelpers.loadFixture(fixture);
    expect(await staking.validatorSets()).to.equal(await validatorSets.getAddress());
    await expect(staking.setValidatorSets(ZeroAddress)).to.be.revertedWithCustomError(
      staking,
      "StakingInvalidParameter",
    );
    await expect(staking.setValidatorSets(await staking.getAddress())).to.be.revertedWithCustomError(
      staking,
      "StakingInvalidParameter",
    );
  });

  it("setMinStake: applies to new registrations, rejects zero and more than MAX_MIN_STAKE, restricted", async () => {
    const f = await networkHelpers.loadFixture(fixture);
    await expect(f.staking.setMinStake(50n * OPEN))
      .to.emit(f.staking, "MinStakeSet")
      .withArgs(MIN_STAKE, 50n * OPEN);
    await registerOperator(f, f.accounts[0]!, "small", { stake: 50n * OPEN });
    const max = await f.staking.MAX_MIN_STAKE();
    await expect(f.staking.setMinStake(0n))
      .to.be.revertedWithCustomError(f.staking, "StakingInvalidParameter")
      .withArgs(0n, 1n, max);
    await expect(f.staking.setMinStake(max + 1n))
      .to.be.revertedWithCustomError(f.staking, "StakingInvalidParameter")
      .withArgs(max + 1n, 1n, max);
    await expect(f.staking.connect(f.accounts[1]!).setMinStake(1n))
      .to.be.revertedWithCustomError(f.staking, "AccessManagedUnauthorized")
      .withArgs(f.accounts[1]!.address);
  });

  it("setMaxCommission: at most 100%, restricted", async () => {
    const { staking, accounts } = await networkHelpers.loadFixture(fixture);
    await expect(staking.setMaxCommission(WAD))
      .to.emit(staking, "MaxCommissionSet")
      .withArgs(WAD / 4n, WAD);
    await expect(staking.setMaxCommission(WAD + 1n))
      .to.be.revertedWithCustomError(staking, "StakingInvalidParameter")
      .withArgs(WAD + 1n, 0n, WAD);
    await expect(staking.connect(accounts[0]!).setMaxCommission(0n)).to.be.revertedWithCustomError(
      staking,
      "AccessManagedUnauthorized",
    );
  });

  it("setMaxValidators: between 1 and 256, restricted", async () => {
    const { staking, accounts } = await networkHelpers.loadFixture(fixture);
    await expect(staking.setMaxValidators(256)).to.emit(staking, "MaxValidatorsSet").withArgs(100n, 256n);
    await expect(staking.setMaxValidators(0))
      .to.be.revertedWithCustomError(staking, "StakingInvalidParameter")
      .withArgs(0n, 1n, 256n);
    await expect(staking.setMaxValidators(257))
      .to.be.revertedWithCustomError(staking, "StakingInvalidParameter")
      .withArgs(257n, 1n, 256n);
    await expect(staking.connect(accounts[0]!).setMaxValidators(5)).to.be.revertedWithCustomError(
      staking,
      "AccessManagedUnauthorized",
    );
  });

  it("setSlashFraction: per reason, in (0, 50%], restricted", async () => {
    const { staking, accounts } = await networkHelpers.loadFixture(fixture);
    await expect(staking.setSlashFraction(SlashReason.Downtime, WAD / 50n))
      .to.emit(staking, "SlashFractionSet")
      .withArgs(SlashReason.Downtime, WAD / 100n, WAD / 50n);
    expect(await staking.slashFractionWad(SlashReason.Downtime)).to.equal(WAD / 50n);
    await expect(staking.setSlashFraction(SlashReason.Fault, 0n))
      .to.be.revertedWithCustomError(staking, "StakingInvalidSlashFraction")
      .withArgs(0n, WAD / 2n);
    await expect(staking.setSlashFraction(SlashReason.Fault, WAD / 2n + 1n))
      .to.be.revertedWithCustomError(staking, "StakingInvalidSlashFraction")
      .withArgs(WAD / 2n + 1n, WAD / 2n);
    await expect(staking.connect(accounts[0]!).setSlashFraction(0, 1n)).to.be.revertedWithCustomError(
      staking,
      "AccessManagedUnauthorized",
    );
  });

  it("setSlashDestination: treasury must be nonzero, restricted", async () => {
    const { staking, accounts } = await networkHelpers.loadFixture(fixture);
    await expect(staking.setSlashDestination(0, accounts[5]!.address))
      .to.emit(staking, "SlashDestinationSet")
      .withArgs(0n, accounts[5]!.address);
    expect(await staking.treasury()).to.equal(accounts[5]!.address);
    await expect(staking.setSlashDestination(1, ZeroAddress)).to.be.revertedWithCustomError(
      staking,
      "StakingZeroTreasury",
    );
    await expect(
      staking.connect(accounts[0]!).setSlashDestination(1, accounts[0]!.address),
    ).to.be.revertedWithCustomError(staking, "AccessManagedUnauthorized");
  });
});
