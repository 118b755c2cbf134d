// Slashing (pro-rata over self-stake, delegations and pending unbonding; to the treasury or locked forever),
// jailing, unjailing and tombstoning, and the AccessManager role the consensus contracts will hold.
import { expect } from "chai";
import { network } from "hardhat";
import { JAIL_PERIOD, MIN_STAKE, OPEN, SlashReason, Status, WAD, deployStaking, registerOperator } from "./fixtures.js";

const { ethers, networkHelpers } = await network.create();

const FIVE_PERCENT = WAD / 20n;
const MAX_FRACTION = WAD / 2n;

describe("Staking: slashing, jailing, tombstoning", () => {
  /** Operator with 20k self-stake, a delegator with 10k of which 2k is unbonding. */
  async function withStakes() {
    const f = await deployStaking(ethers);
    const owner = f.accounts[0]!;
    const delegator = f.accounts[1]!;
    const consensus = f.accounts[2]!;
    const stranger = f.accounts[3]!;
    await registerOperator(f, owner, "alpha", { stake: 2n * MIN_STAKE });
    await f.staking.connect(delegator).delegate(owner.address, 10_000n * OPEN, 0n);
    await f.staking.connect(delegator).undelegate(owner.address, 2_000n * OPEN);
    return { ...f, owner, delegator, consensus, stranger, op: owner.address };
  }

  describe("slash", () => {
    it("takes the same fraction of self-stake, delegations and pending unbonding, and pays the treasury", async () => {
      const f = await networkHelpers.loadFixture(withStakes);
      const bondedSlashed = (28_000n * OPEN * FIVE_PERCENT) / WAD;
      const unbondingSlashed = (2_000n * OPEN * FIVE_PERCENT) / WAD;
      const tx = f.staking.slash(f.op, FIVE_PERCENT, SlashReason.DoubleSign, 0n, 0n);
      await expect(tx)
        .to.emit(f.staking, "OperatorSlashed")
        .withArgs(f.op, SlashReason.DoubleSign, 0n, FIVE_PERCENT, bondedSlashed, unbondingSlashed, 0n);
      await expect(tx).to.changeTokenBalances(
        f.ethers,
        f.token,
        [f.treasury, f.staking],
        [bondedSlashed + unbondingSlashed, -(bondedSlashed + unbondingSlashed)],
      );
      expect((await f.staking.positionOf(f.op, f.op))[1]).to.equal(19_000n * OPEN);
      expect((await f.staking.positionOf(f.op, f.delegator.address))[1]).to.equal(7_600n * OPEN);
      expect((await f.staking.unbondingRequest(1n))[1]).to.equal(1_900n * OPEN);
      // The pending request is paid its slashed value.
      await networkHelpers.time.increase(8 * 24 * 3600);
      await expect(f.staking.connect(f.delegator).withdraw(1n))
        .to.emit(f.staking, "Withdrawn")
        .withArgs(1n, f.op, f.delegator.address, 1_900n * OPEN);
    });

    it("returns the amount slashed and keeps it locked in the contract in Burn mode (supply unchanged)", async () => {
      const f = await networkHelpers.loadFixture(withStakes);
      await expect(f.staking.setSlashDestination(1, f.treasury.address))
        .to.emit(f.staking, "SlashDestinationSet")
        .withArgs(1n, f.treasury.address);
      const slashed = await f.staking.slash.staticCall(f.op, FIVE_PERCENT, SlashReason.Fault, 0n, 0n);
      expect(slashed).to.equal(1_500n * OPEN);
      await expect(f.staking.slash(f.op, FIVE_PERCENT, SlashReason.Fault, 0n, 0n)).to.changeTokenBalance(
        f.ethers,
        f.token,
        f.treasury,
        0n,
      );
      expect(await f.staking.totalSlashLocked()).to.equal(1_500n * OPEN);
      const pool = await f.staking.poolOf(f.op);
      expect(await f.token.balanceOf(f.staking)).to.equal(pool.bondedStake + pool.unbondingStake + 1_500n * OPEN);
      expect(await f.token.totalSupply()).to.equal(10n ** 27n);
    });

    it("slashes only unbonding buckets of the infraction's epoch and later (Cosmos: entries created after the infraction)", async () => {
      const f = await networkHelpers.loadFixture(withStakes);
      // the fixture's 2k left in epoch 0; advance to epoch 2 and unbond 3k more there
      await f.validatorSets.advanceEpoch();
      await networkHelpers.time.increase(3600);
      await f.validatorSets.advanceEpoch();
      await f.staking.connect(f.delegator).undelegate(f.op, 3_000n * OPEN);
      expect(await f.staking.unbondingBucket(f.op, 0n)).to.deep.equal([2_000n * OPEN, 2_000n * OPEN]);
      const slashed = await f.staking.slash.staticCall(f.op, FIVE_PERCENT, SlashReason.Downtime, 1n, 0n);
      await f.staking.slash(f.op, FIVE_PERCENT, SlashReason.Downtime, 1n, 0n);
      expect((await f.staking.unbondingBucket(f.op, 0n))[0]).to.equal(2_000n * OPEN); // left before: untouched
      expect((await f.staking.unbondingBucket(f.op, 2n))[0]).to.equal(2_850n * OPEN); // after: -5%
      expect(slashed).to.equal(150n * OPEN + (25_000n * OPEN * FIVE_PERCENT) / WAD);
    });

    it("never takes more than the fraction of the stake at the infraction, unbonding entries first", async () => {
      const f = await networkHelpers.loadFixture(withStakes);
      // stake at the infraction 4k: 5% = 200; the unbonding bucket (2k, made in epoch 0) pays 100 first
      const slashed = await f.staking.slash.staticCall(f.op, FIVE_PERCENT, SlashReason.DoubleSign, 0n, 4_000n * OPEN);
      expect(slashed).to.equal(200n * OPEN);
      await f.staking.slash(f.op, FIVE_PERCENT, SlashReason.DoubleSign, 0n, 4_000n * OPEN);
      const pool = await f.staking.poolOf(f.op);
      expect(pool.unbondingStake).to.equal(1_900n * OPEN);
      expect(pool.bondedStake).to.equal(28_000n * OPEN - 100n * OPEN);
    });

    it("re-ranks the operator at once", async () => {
      const f = await networkHelpers.loadFixture(withStakes);
      const other = f.accounts[4]!;
      await registerOperator(f, other, "beta", { stake: 27_000n * OPEN });
      expect((await f.staking.validatorCandidates()).map((v) => v.operator)).to.deep.equal([f.op, other.address]);
      await f.staking.slash(f.op, FIVE_PERCENT, SlashReason.DoubleSign, 0n, 0n);
      const candidates = await f.staking.validatorCandidates();
      expect(candidates.map((v) => v.operator)).to.deep.equal([other.address, f.op]);
      expect(candidates[1]!.stake).to.equal(26_600n * OPEN);
    });

    it("reverts a zero or over-cap fraction with StakingInvalidSlashFraction(fraction, cap); accepts the cap", async () => {
      const f = await networkHelpers.loadFixture(withStakes);
      await expect(f.staking.slash(f.op, 0n, SlashReason.Downtime, 0n, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingInvalidSlashFraction")
        .withArgs(0n, MAX_FRACTION);
      await expect(f.staking.slash(f.op, MAX_FRACTION + 1n, SlashReason.Downtime, 0n, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingInvalidSlashFraction")
        .withArgs(MAX_FRACTION + 1n, MAX_FRACTION);
      await f.staking.slash(f.op, MAX_FRACTION, SlashReason.Downtime, 0n, 0n);
      expect((await f.staking.poolOf(f.op)).bondedStake).to.equal(14_000n * OPEN);
      await expect(f.staking.slash(f.stranger.address, FIVE_PERCENT, SlashReason.Downtime, 0n, 0n))
        .to.be.revertedWithCustomError(f.staking, "OperatorUnknown")
        .withArgs(f.stranger.address);
    });

    it("has default fractions 5% / 1% / 2% per reason", async () => {
      const f = await networkHelpers.loadFixture(withStakes);
      expect(await f.staking.slashFractionWad(SlashReason.DoubleSign)).to.equal(WAD / 20n);
      expect(await f.staking.slashFractionWad(SlashReason.Downtime)).to.equal(WAD / 100n);
      expect(await f.staking.slashFractionWad(SlashReason.Fault)).to.equal(WAD / 50n);
    });
  });

  describe("access: the role the consensus contracts hold", () => {
    it("lets only the granted role slash, jail and tombstone once governance assigns those functions to it", async () => {
      const f = await networkHelpers.loadFixture(withStakes);
      const SLASHER = 7n;
      const selectors = (["slash", "jail", "tombstone"] as const).map(
        (n) => f.staking.interface.getFunction(n).selector,
      );
      await f.manager.setTargetFunctionRole(f.staking, selectors, SLASHER);
      await f.manager.grantRole(SLASHER, f.consensus.address, 0);
      await expect(f.staking.connect(f.stranger).slash(f.op, FIVE_PERCENT, SlashReason.Downtime, 0n, 0n))
        .to.be.revertedWithCustomError(f.staking, "AccessManagedUnauthorized")
        .withArgs(f.stranger.address);
      // Even the admin no longer can: the function belongs to the slasher role now.
      await expect(f.staking.jail(f.op))
        .to.be.revertedWithCustomError(f.staking, "AccessManagedUnauthorized")
        .withArgs(f.deployer.address);
      await f.staking.connect(f.consensus).slash(f.op, FIVE_PERCENT, SlashReason.DoubleSign, 0n, 0n);
      await f.staking.connect(f.consensus).jail(f.op);
      await f.staking.connect(f.consensus).tombstone(f.op);
      expect(await f.staking.statusOf(f.op)).to.equal(Status.Tombstoned);
    });
  });

  describe("jail / unjail", () => {
    it("jails for jailPeriod, removes the operator from the candidates, and extends on a second jail", async () => {
      const f = await networkHelpers.loadFixture(withStakes);
      const until = BigInt(await networkHelpers.time.latest()) + 1n + JAIL_PERIOD;
      await expect(f.staking.jail(f.op))
        .to.emit(f.staking, "OperatorJailed")
        .withArgs(f.op, until)
        .and.to.emit(f.staking, "OperatorStatusChanged")
        .withArgs(f.op, Status.Active, Status.Jailed);
      expect(await f.staking.validatorCandidates()).to.deep.equal([]);
      await networkHelpers.time.increase(100);
      const later = BigInt(await networkHelpers.time.latest()) + 1n + JAIL_PERIOD;
      await expect(f.staking.jail(f.op)).to.emit(f.staking, "OperatorJailed").withArgs(f.op, later);
      await expect(f.staking.connect(f.stranger).jail(f.op))
        .to.be.revertedWithCustomError(f.staking, "AccessManagedUnauthorized")
        .withArgs(f.stranger.address);
    });

    it("reverts unjail before the period with StakingJailPeriodNotOver(op, until, now), then unjails", async () => {
      const f = await networkHelpers.loadFixture(withStakes);
      await f.staking.jail(f.op);
      const until = (await f.staking.operatorInfo(f.op)).jailedUntil;
      await networkHelpers.time.setNextBlockTimestamp(until - 1n);
      await expect(f.staking.connect(f.owner).unjail())
        .to.be.revertedWithCustomError(f.staking, "StakingJailPeriodNotOver")
        .withArgs(f.op, until, until - 1n);
      await networkHelpers.time.setNextBlockTimestamp(until); // the reverted call mined no block
      await expect(f.staking.connect(f.owner).unjail())
        .to.emit(f.staking, "OperatorStatusChanged")
        .withArgs(f.op, Status.Jailed, Status.Active);
      expect((await f.staking.validatorCandidates()).map((v) => v.operator)).to.deep.equal([f.op]);
      expect((await f.staking.operatorInfo(f.op)).jailedUntil).to.equal(0n);
    });

    it("reverts unjail of an operator that is not jailed, and of an unknown caller", async () => {
      const f = await networkHelpers.loadFixture(withStakes);
      await expect(f.staking.connect(f.owner).unjail())
        .to.be.revertedWithCustomError(f.staking, "StakingOperatorNotJailed")
        .withArgs(f.op);
      await expect(f.staking.connect(f.stranger).unjail())
        .to.be.revertedWithCustomError(f.staking, "OperatorUnknown")
        .withArgs(f.stranger.address);
    });

    it("requires the minimum self-stake to unjail after a slash took it below", async () => {
      const f = await deployStaking(ethers);
      const owner = f.accounts[0]!;
      await registerOperator(f, owner, "alpha", { stake: MIN_STAKE });
      await f.staking.slash(owner.address, WAD / 100n, SlashReason.Downtime, 0n, 0n);
      await f.staking.jail(owner.address);
      await networkHelpers.time.increase(JAIL_PERIOD);
      await expect(f.staking.connect(owner).unjail())
        .to.be.revertedWithCustomError(f.staking, "StakingBelowMinimum")
        .withArgs(9_900n * OPEN, MIN_STAKE);
      await f.staking.connect(owner).addStake(100n * OPEN);
      expect(await f.staking.statusOf(owner.address)).to.equal(Status.Jailed);
      await f.staking.connect(owner).unjail();
      expect(await f.staking.statusOf(owner.address)).to.equal(Status.Active);
    });
  });

  describe("tombstone", () => {
    it("removes the operator forever; jail and tombstone become no-ops; stake can still leave", async () => {
      const f = await networkHelpers.loadFixture(withStakes);
      await expect(f.staking.tombstone(f.op))
        .to.emit(f.staking, "OperatorStatusChanged")
        .withArgs(f.op, Status.Active, Status.Tombstoned);
      expect(await f.staking.validatorCandidates()).to.deep.equal([]);
      await expect(f.staking.tombstone(f.op)).to.not.emit(f.staking, "OperatorStatusChanged");
      await expect(f.staking.jail(f.op)).to.not.emit(f.staking, "OperatorJailed");
      expect(await f.staking.statusOf(f.op)).to.equal(Status.Tombstoned);
      await expect(f.staking.connect(f.owner).unjail())
        .to.be.revertedWithCustomError(f.staking, "StakingOperatorTombstoned")
        .withArgs(f.op);
      // The minimum self-stake rule no longer applies: a tombstoned owner may leave in parts.
      await f.staking.connect(f.owner).requestUnbonding(15_000n * OPEN);
      await f.staking.connect(f.delegator).undelegate(f.op, 8_000n * OPEN);
      await networkHelpers.time.increase(8 * 24 * 3600);
      await expect(f.staking.connect(f.owner).withdraw(2n)).to.changeTokenBalance(
        f.ethers,
        f.token,
        f.owner,
        15_000n * OPEN,
      );
      await expect(f.staking.connect(f.stranger).tombstone(f.op))
        .to.be.revertedWithCustomError(f.staking, "AccessManagedUnauthorized")
        .withArgs(f.stranger.address);
    });
  });
});
