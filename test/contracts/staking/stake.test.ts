// Self-stake, delegation, unbonding and withdrawal, rewards and commission: the share-pool arithmetic with
// exact numbers, the minimum self-stake rule, and every error with its arguments.
import { expect } from "chai";
import { network } from "hardhat";
import {
  COMMISSION_DELAY,
  EPOCH_LENGTH,
  MIN_STAKE,
  OPEN,
  Status,
  UNBONDING_PERIOD,
  WAD,
  deployStaking,
  registerOperator,
} from "./fixtures.js";

const { ethers, networkHelpers } = await network.create();

const mulDiv = (a: bigint, b: bigint, c: bigint) => (a * b) / c;

describe("Staking: stake, delegation, unbonding, rewards", () => {
  /** One operator with 2x the minimum self-stake, commission 10%. */
  async function withOperator() {
    const f = await deployStaking(ethers);
    const owner = f.accounts[0]!;
    const delegator = f.accounts[1]!;
    const stranger = f.accounts[2]!;
    await registerOperator(f, owner, "alpha", { stake: 2n * MIN_STAKE });
    return { ...f, owner, delegator, stranger, op: owner.address };
  }

  describe("addStake", () => {
    it("mints self-stake shares at the current price and adds voting units", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await expect(f.staking.connect(f.owner).addStake(5n * OPEN))
        .to.emit(f.staking, "Staked")
        .withArgs(f.op, f.op, 5n * OPEN, 5n * OPEN);
      expect((await f.staking.poolOf(f.op)).bondedStake).to.equal(2n * MIN_STAKE + 5n * OPEN);
      expect(await f.stakeVotes.votingUnitsOf(f.op)).to.equal(2n * MIN_STAKE + 5n * OPEN);
    });

    it("reverts for a caller that is not an operator, a zero amount, and a tombstoned operator", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await expect(f.staking.connect(f.stranger).addStake(OPEN))
        .to.be.revertedWithCustomError(f.staking, "OperatorUnknown")
        .withArgs(f.stranger.address);
      await expect(f.staking.connect(f.owner).addStake(0n)).to.be.revertedWithCustomError(
        f.staking,
        "StakingZeroAmount",
      );
      await f.staking.tombstone(f.op);
      await expect(f.staking.connect(f.owner).addStake(OPEN))
        .to.be.revertedWithCustomError(f.staking, "StakingOperatorTombstoned")
        .withArgs(f.op);
    });
  });

  describe("requestUnbonding (owner)", () => {
    it("moves shares into the unbonding pool, releases after unbondingPeriod and removes voting units", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      const shares = MIN_STAKE / 2n;
      const tx = f.staking.connect(f.owner).requestUnbonding(shares);
      await expect(tx)
        .to.emit(f.staking, "UnbondingRequested")
        .withArgs(
          1n,
          f.op,
          f.op,
          shares,
          shares,
          shares,
          (await networkHelpers.time.latest()) + 1 + Number(UNBONDING_PERIOD),
        );
      const pool = await f.staking.poolOf(f.op);
      expect(pool.bondedStake).to.equal(2n * MIN_STAKE - shares);
      expect(pool.unbondingStake).to.equal(shares);
      expect(await f.stakeVotes.votingUnitsOf(f.op)).to.equal(2n * MIN_STAKE - shares);
      const [request, amount] = await f.staking.unbondingRequest(1n);
      expect(request.account).to.equal(f.op);
      expect(amount).to.equal(shares);
    });

    it("reverts when the remaining self-stake would be below the minimum: StakingBelowMinimum(remaining, min)", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await expect(f.staking.connect(f.owner).requestUnbonding(MIN_STAKE + 1n))
        .to.be.revertedWithCustomError(f.staking, "StakingBelowMinimum")
        .withArgs(MIN_STAKE - 1n, MIN_STAKE);
    });

    it("lets the owner leave completely: the operator becomes Inactive and leaves the candidates", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      expect((await f.staking.validatorCandidates()).length).to.equal(1);
      await expect(f.staking.connect(f.owner).requestUnbonding(2n * MIN_STAKE))
        .to.emit(f.staking, "OperatorStatusChanged")
        .withArgs(f.op, Status.Active, Status.Inactive);
      expect(await f.staking.validatorCandidates()).to.deep.equal([]);
    });

    it("reactivates an Inactive operator with a self-stake back to the minimum; less reverts (no dust pool)", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await f.staking.connect(f.owner).requestUnbonding(2n * MIN_STAKE);
      await expect(f.staking.connect(f.owner).addStake(MIN_STAKE - 1n))
        .to.be.revertedWithCustomError(f.staking, "StakingBelowMinimum")
        .withArgs(MIN_STAKE - 1n, MIN_STAKE);
      expect(await f.staking.statusOf(f.op)).to.equal(Status.Inactive);
      await expect(f.staking.connect(f.owner).addStake(MIN_STAKE))
        .to.emit(f.staking, "OperatorStatusChanged")
        .withArgs(f.op, Status.Inactive, Status.Active);
      expect((await f.staking.validatorCandidates()).map((v) => v.operator)).to.deep.equal([f.op]);
    });

    it("reverts more shares than held with StakingInsufficientShares, and zero with StakingZeroAmount", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await expect(f.staking.connect(f.owner).requestUnbonding(2n * MIN_STAKE + 1n))
        .to.be.revertedWithCustomError(f.staking, "StakingInsufficientShares")
        .withArgs(f.op, f.op, 2n * MIN_STAKE, 2n * MIN_STAKE + 1n);
      await expect(f.staking.connect(f.owner).requestUnbonding(0n)).to.be.revertedWithCustomError(
        f.staking,
        "StakingZeroAmount",
      );
      await expect(f.staking.connect(f.stranger).requestUnbonding(1n))
        .to.be.revertedWithCustomError(f.staking, "OperatorUnknown")
        .withArgs(f.stranger.address);
    });
  });

  describe("withdraw", () => {
    async function withRequest() {
      const f = await withOperator();
      await f.staking.connect(f.delegator).delegate(f.op, 1_000n * OPEN, 0n);
      await f.staking.connect(f.delegator).undelegate(f.op, 400n * OPEN);
      const [request] = await f.staking.unbondingRequest(1n);
      return { ...f, releaseTime: request.releaseTime };
    }

    it("reverts before the release time with StakingWithdrawTooEarly(id, release, now)", async () => {
      const f = await networkHelpers.loadFixture(withRequest);
      const now = f.releaseTime - 1n;
      await networkHelpers.time.setNextBlockTimestamp(now);
      await expect(f.staking.connect(f.delegator).withdraw(1n))
        .to.be.revertedWithCustomError(f.staking, "StakingWithdrawTooEarly")
        .withArgs(1n, f.releaseTime, now);
    });

    it("pays the requester at the release time, needing no one else's signature, and forgets the request", async () => {
      const f = await networkHelpers.loadFixture(withRequest);
      await networkHelpers.time.setNextBlockTimestamp(f.releaseTime);
      const tx = f.staking.connect(f.delegator).withdraw(1n);
      await expect(tx)
        .to.emit(f.staking, "Withdrawn")
        .withArgs(1n, f.op, f.delegator.address, 400n * OPEN);
      await expect(tx).to.changeTokenBalances(f.ethers, f.token, [f.delegator, f.staking], [400n * OPEN, -400n * OPEN]);
      expect((await f.staking.poolOf(f.op)).unbondingStake).to.equal(0n);
      await expect(f.staking.connect(f.delegator).withdraw(1n))
        .to.be.revertedWithCustomError(f.staking, "StakingUnknownUnbondingRequest")
        .withArgs(1n);
    });

    it("reverts for another account with StakingNotRequestOwner(id, owner, caller) and for unknown ids", async () => {
      const f = await networkHelpers.loadFixture(withRequest);
      await networkHelpers.time.increaseTo(f.releaseTime);
      await expect(f.staking.connect(f.stranger).withdraw(1n))
        .to.be.revertedWithCustomError(f.staking, "StakingNotRequestOwner")
        .withArgs(1n, f.delegator.address, f.stranger.address);
      await expect(f.staking.connect(f.delegator).withdraw(7n))
        .to.be.revertedWithCustomError(f.staking, "StakingUnknownUnbondingRequest")
        .withArgs(7n);
    });
  });

  describe("delegate / undelegate", () => {
    it("mints shares at the pool price and records principal as voting units", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await expect(f.staking.connect(f.delegator).delegate(f.op, 1_000n * OPEN, 0n))
        .to.emit(f.staking, "Staked")
        .withArgs(f.op, f.delegator.address, 1_000n * OPEN, 1_000n * OPEN);
      expect(await f.staking.positionOf(f.op, f.delegator.address)).to.deep.equal([
        1_000n * OPEN,
        1_000n * OPEN,
        1_000n * OPEN,
      ]);
      expect(await f.stakeVotes.votingUnitsOf(f.delegator.address)).to.equal(1_000n * OPEN);
      expect((await f.staking.validatorCandidates())[0]!.stake).to.equal(2n * MIN_STAKE + 1_000n * OPEN);
    });

    it("prices shares after rewards: a later delegator buys fewer shares for the same OPEN", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await f.staking.distributeRewards(f.op, 0n, 2_000n * OPEN); // commission 10%
      const pool = await f.staking.poolOf(f.op);
      const expected = mulDiv(1_000n * OPEN, pool.bondedShares, pool.bondedStake);
      expect(await f.staking.previewDelegate(f.op, 1_000n * OPEN)).to.equal(expected);
      await expect(f.staking.connect(f.delegator).delegate(f.op, 1_000n * OPEN, 0n))
        .to.emit(f.staking, "Staked")
        .withArgs(f.op, f.delegator.address, 1_000n * OPEN, expected);
    });

    it("reverts delegation to one's own operator, to an unknown or tombstoned operator, and of zero", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await expect(f.staking.connect(f.owner).delegate(f.op, OPEN, 0n))
        .to.be.revertedWithCustomError(f.staking, "DelegationToOwnOperator")
        .withArgs(f.op);
      await expect(f.staking.connect(f.delegator).delegate(f.stranger.address, OPEN, 0n))
        .to.be.revertedWithCustomError(f.staking, "OperatorUnknown")
        .withArgs(f.stranger.address);
      await expect(f.staking.connect(f.delegator).delegate(f.op, 0n, 0n)).to.be.revertedWithCustomError(
        f.staking,
        "StakingZeroAmount",
      );
      await f.staking.tombstone(f.op);
      await expect(f.staking.connect(f.delegator).delegate(f.op, OPEN, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingOperatorTombstoned")
        .withArgs(f.op);
    });

    it("reverts an amount worth less than one share with StakingAmountTooSmall(amount)", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      // A reward of 50x the pool lifts the price to about 46 wei of OPEN per share unit.
      await f.staking.distributeRewards(f.op, 0n, 50n * 2n * MIN_STAKE);
      await expect(f.staking.connect(f.delegator).delegate(f.op, 40n, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingAmountTooSmall")
        .withArgs(40n);
    });

    it("undelegates shares into a request and removes voting units pro-rata to principal; a deposit still activating leaves at its own price (it earned none of the reward)", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await f.staking.connect(f.delegator).delegate(f.op, 1_000n * OPEN, 0n);
      // epoch 0's reward reaches the stake bonded when epoch 0 began: the owner's, not this deposit
      await f.staking.distributeRewards(f.op, 0n, 300n * OPEN);
      // a quarter of the delegator's shares: activating deposits count as the shares their OPEN buys now
      const shares = (await f.staking.positionOf(f.op, f.delegator.address)).shares / 4n;
      const quarter = (x: bigint) => x <= 250n * OPEN && x >= 250n * OPEN - 10n; // rounded down, for the pool
      await expect(f.staking.connect(f.delegator).undelegate(f.op, shares))
        .to.emit(f.staking, "UnbondingRequested")
        .withArgs(
          1n,
          f.op,
          f.delegator.address,
          shares,
          quarter,
          quarter,
          (await networkHelpers.time.latest()) + 1 + Number(UNBONDING_PERIOD),
        );
      expect(await f.stakeVotes.votingUnitsOf(f.delegator.address)).to.be.closeTo(750n * OPEN, 10n);
      const [, value, principal] = await f.staking.positionOf(f.op, f.delegator.address);
      expect(value).to.be.closeTo(750n * OPEN, 10n);
      expect(principal).to.be.closeTo(750n * OPEN, 10n);
    });

    it("reverts undelegation from one's own operator and beyond the position", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await f.staking.connect(f.delegator).delegate(f.op, 10n * OPEN, 0n);
      await expect(f.staking.connect(f.owner).undelegate(f.op, 1n))
        .to.be.revertedWithCustomError(f.staking, "DelegationToOwnOperator")
        .withArgs(f.op);
      await expect(f.staking.connect(f.delegator).undelegate(f.op, 10n * OPEN + 1n))
        .to.be.revertedWithCustomError(f.staking, "StakingInsufficientShares")
        .withArgs(f.op, f.delegator.address, 10n * OPEN, 10n * OPEN + 1n);
      await expect(f.staking.connect(f.delegator).undelegate(f.stranger.address, 1n))
        .to.be.revertedWithCustomError(f.staking, "OperatorUnknown")
        .withArgs(f.stranger.address);
    });
  });

  describe("rewards and commission", () => {
    it("raises the share price by the reward minus commission; the commission becomes owner shares", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await f.staking.connect(f.delegator).delegate(f.op, 10_000n * OPEN, 0n);
      // the deposit of epoch 0 activates when epoch 2 begins; epoch 2's reward (pushed during epoch 3) is its own
      for (let i = 0; i < 3; i++) {
        await networkHelpers.time.increase(EPOCH_LENGTH);
        await f.validatorSets.advanceEpoch();
      }
      const reward = 3_000n * OPEN;
      const commission = reward / 10n;
      const stakeBefore = 30_000n * OPEN;
      const sharesBefore = 30_000n * OPEN;
      const commissionShares = mulDiv(commission, sharesBefore, stakeBefore + reward - commission);
      await expect(f.staking.distributeRewards(f.op, 2n, reward))
        .to.emit(f.staking, "RewardsDistributed")
        .withArgs(f.op, 2n, reward, commission, commissionShares);
      const pool = await f.staking.poolOf(f.op);
      expect(pool.bondedStake).to.equal(stakeBefore + reward);
      expect(pool.bondedShares).to.equal(sharesBefore + commissionShares);
      // The delegator holds a third of the pre-reward shares: its value grew by a third of 90% of the reward.
      const [, delegatorValue] = await f.staking.positionOf(f.op, f.delegator.address);
      expect(delegatorValue).to.equal(mulDiv(10_000n * OPEN, pool.bondedStake, pool.bondedShares));
      expect(delegatorValue).to.be.closeTo(10_000n * OPEN + 900n * OPEN, 1n);
      const [ownerShares, ownerValue] = await f.staking.positionOf(f.op, f.op);
      expect(ownerShares).to.equal(20_000n * OPEN + commissionShares);
      expect(ownerValue).to.be.closeTo(20_000n * OPEN + 1_800n * OPEN + commission, 1n);
      expect(await f.token.balanceOf(f.staking)).to.equal(30_000n * OPEN + reward);
    });

    it("a deposit activates when the epoch after next begins and from then on earns; until then a reward of any epoch skips it", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      const advance = async () => {
        await networkHelpers.time.increase(EPOCH_LENGTH);
        await f.validatorSets.advanceEpoch();
      };
      await f.staking.connect(f.delegator).delegate(f.op, 20_000n * OPEN, 0n); // epoch 0
      await advance(); // epoch 1: the deposit was not bonded when epoch 0 began
      await f.staking.distributeRewards(f.op, 0n, 1_000n * OPEN);
      expect((await f.staking.positionOf(f.op, f.delegator.address)).stake).to.equal(20_000n * OPEN);
      // in the ranking and the pool's stake at once, shares at the price it was made at
      expect((await f.staking.poolOf(f.op)).bondedStake).to.equal(41_000n * OPEN);
      await advance(); // epoch 2: it activates at the first touch, at today's price
      const price = await f.staking.poolOf(f.op);
      await expect(f.staking.distributeRewards(f.op, 1n, 4_000n * OPEN))
        .to.emit(f.staking, "DepositsActivated")
        .withArgs(f.op, 0n, 20_000n * OPEN, (x: bigint) => x > 0n && x < 20_000n * OPEN);
      // it was bonded all through epoch 1: its part (20k of 41k) of the holders' 90% of epoch 1's reward
      const after = (await f.staking.positionOf(f.op, f.delegator.address)).stake;
      expect(after).to.be.closeTo(20_000n * OPEN + (3_600n * OPEN * 20_000n) / 41_000n, 10n);
      expect(price.bondedStake).to.equal(41_000n * OPEN);
      // a push once the epoch after the reward's is over is refused: nothing pulled, nothing changes
      await advance(); // epoch 3: a reward of epoch 1 is too late now
      const before = await f.staking.poolOf(f.op);
      expect(await f.staking.distributeRewards.staticCall(f.op, 1n, OPEN)).to.equal(false);
      await expect(f.staking.distributeRewards(f.op, 1n, OPEN)).not.to.emit(f.staking, "RewardsDistributed");
      expect((await f.staking.poolOf(f.op)).bondedStake).to.equal(before.bondedStake);
      expect(await f.staking.distributeRewards.staticCall(f.op, 2n, OPEN)).to.equal(true);
    });

    it("a delegation undone in the epoch it was made gives back exactly its deposit, whatever was pushed meanwhile", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await f.staking.connect(f.delegator).delegate(f.op, 500_000n * OPEN, 0n);
      await f.staking.distributeRewards(f.op, 0n, 9_000n * OPEN);
      const [shares, stake] = await f.staking.positionOf(f.op, f.delegator.address);
      expect(stake).to.equal(500_000n * OPEN);
      await f.staking.connect(f.delegator).undelegate(f.op, shares);
      const [request, amount] = await f.staking.unbondingRequest(await f.staking.unbondingRequestCount());
      expect(request.account).to.equal(f.delegator.address);
      expect(amount).to.equal(500_000n * OPEN);
      expect((await f.staking.positionOf(f.op, f.op)).stake).to.be.closeTo(2n * MIN_STAKE + 9_000n * OPEN, 1n);
    });

    it("the pool logic (StakePools, created by Staking) runs only by delegatecall: a direct call reverts", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      // Staking's constructor creates StakeVotes (nonce 1), the PoP verifier (2), then StakePools (3)
      const address = ethers.getCreateAddress({ from: await f.staking.getAddress(), nonce: 3 });
      const pools = await ethers.getContractAt("StakePools", address);
      await expect(pools.activate(f.op)).to.be.revertedWithCustomError(pools, "StakePoolsNotDelegated");
      await expect(pools.deposit(f.op, f.delegator.address, OPEN)).to.be.revertedWithCustomError(
        pools,
        "StakePoolsNotDelegated",
      );
    });

    it("is restricted: other callers get AccessManagedUnauthorized(caller)", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await expect(f.staking.connect(f.stranger).distributeRewards(f.op, 0n, OPEN))
        .to.be.revertedWithCustomError(f.staking, "AccessManagedUnauthorized")
        .withArgs(f.stranger.address);
    });

    it("rejects zero and unknown operators; gives everything to the owner when nobody holds shares", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await expect(f.staking.distributeRewards(f.op, 0n, 0n)).to.be.revertedWithCustomError(
        f.staking,
        "StakingZeroAmount",
      );
      await expect(f.staking.distributeRewards(f.stranger.address, 0n, OPEN))
        .to.be.revertedWithCustomError(f.staking, "OperatorUnknown")
        .withArgs(f.stranger.address);
      await f.staking.connect(f.owner).requestUnbonding(2n * MIN_STAKE);
      await expect(f.staking.distributeRewards(f.op, 0n, 7n * OPEN))
        .to.emit(f.staking, "RewardsDistributed")
        .withArgs(f.op, 0n, 7n * OPEN, 7n * OPEN, 7n * OPEN);
      expect((await f.staking.positionOf(f.op, f.op))[1]).to.equal(7n * OPEN);
    });

    it("applies a commission decrease at once and an increase only after the delay", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await expect(f.staking.connect(f.owner).setCommission(WAD / 20n))
        .to.emit(f.staking, "CommissionChanged")
        .withArgs(f.op, WAD / 10n, WAD / 20n);
      expect(await f.staking.commissionOf(f.op)).to.equal(WAD / 20n);

      const effective = BigInt(await networkHelpers.time.latest()) + 1n + COMMISSION_DELAY;
      await expect(f.staking.connect(f.owner).setCommission(WAD / 5n))
        .to.emit(f.staking, "CommissionIncreaseScheduled")
        .withArgs(f.op, WAD / 5n, effective);
      expect(await f.staking.commissionOf(f.op)).to.equal(WAD / 20n);
      // A reward before the delay still pays 5%.
      await expect(f.staking.distributeRewards(f.op, 0n, 100n * OPEN))
        .to.emit(f.staking, "RewardsDistributed")
        .withArgs(f.op, 0n, 100n * OPEN, 5n * OPEN, (x: bigint) => x > 0n);
      await networkHelpers.time.increaseTo(effective);
      expect(await f.staking.commissionOf(f.op)).to.equal(WAD / 5n);
      await expect(f.staking.distributeRewards(f.op, 0n, 100n * OPEN))
        .to.emit(f.staking, "CommissionChanged")
        .withArgs(f.op, WAD / 20n, WAD / 5n)
        .and.to.emit(f.staking, "RewardsDistributed")
        .withArgs(f.op, 0n, 100n * OPEN, 20n * OPEN, (x: bigint) => x > 0n);
      expect((await f.staking.operatorInfo(f.op)).pendingCommissionTime).to.equal(0n);
    });

    it("reverts a commission above the cap, and caps an existing commission when governance lowers the cap", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      const cap = await f.staking.maxCommissionWad();
      await expect(f.staking.connect(f.owner).setCommission(cap + 1n))
        .to.be.revertedWithCustomError(f.staking, "DelegationCommissionOverCap")
        .withArgs(cap + 1n, cap);
      await expect(f.staking.connect(f.stranger).setCommission(0n))
        .to.be.revertedWithCustomError(f.staking, "OperatorUnknown")
        .withArgs(f.stranger.address);
      await f.staking.setMaxCommission(WAD / 50n); // 2%
      expect(await f.staking.commissionOf(f.op)).to.equal(WAD / 50n);
      await expect(f.staking.distributeRewards(f.op, 0n, 100n * OPEN))
        .to.emit(f.staking, "RewardsDistributed")
        .withArgs(f.op, 0n, 100n * OPEN, 2n * OPEN, (x: bigint) => x > 0n);
    });
  });
});
