// Staked OPEN keeps its voting power: StakeVotes (OPEN votes + staked votes) is the Governor's ERC-5805
// source. Includes a full proposal passed by staked and delegated OPEN only.
import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress, id } from "ethers";
import { MIN_STAKE, OPEN, TOTAL_SUPPLY, WAD, deployStaking, registerOperator } from "./fixtures.js";

const { ethers, networkHelpers } = await network.create();

describe("StakeVotes: voting power of staked OPEN", () => {
  async function withOperator() {
    const f = await deployStaking(ethers);
    const owner = f.accounts[0]!;
    const delegator = f.accounts[1]!;
    const representative = f.accounts[2]!;
    await registerOperator(f, owner, "alpha", { stake: 2n * MIN_STAKE });
    return { ...f, owner, delegator, representative, op: owner.address };
  }

  it("counts an operator's self-stake as its votes from registration on (auto-delegated to itself)", async () => {
    const f = await networkHelpers.loadFixture(withOperator);
    expect(await f.stakeVotes.delegates(f.op)).to.equal(f.op);
    expect(await f.stakeVotes.stakedVotes(f.op)).to.equal(2n * MIN_STAKE);
    // Its remaining liquid OPEN is not delegated on the token, so only the staked part counts.
    expect(await f.stakeVotes.getVotes(f.op)).to.equal(2n * MIN_STAKE);
    await f.token.connect(f.owner).delegate(f.op);
    expect(await f.stakeVotes.getVotes(f.op)).to.equal((await f.token.balanceOf(f.op)) + 2n * MIN_STAKE);
  });

  it("sends a staker's votes to its OPEN delegate on first stake, and lets it redirect them", async () => {
    const f = await networkHelpers.loadFixture(withOperator);
    await f.token.connect(f.delegator).delegate(f.representative.address);
    const liquid = await f.token.balanceOf(f.delegator.address);
    await f.staking.connect(f.delegator).delegate(f.op, 1_000n * OPEN, 0n);
    expect(await f.stakeVotes.delegates(f.delegator.address)).to.equal(f.representative.address);
    expect(await f.stakeVotes.getVotes(f.representative.address)).to.equal(liquid);
    await expect(f.stakeVotes.connect(f.delegator).delegate(f.delegator.address))
      .to.emit(f.stakeVotes, "DelegateChanged")
      .withArgs(f.delegator.address, f.representative.address, f.delegator.address);
    expect(await f.stakeVotes.stakedVotes(f.delegator.address)).to.equal(1_000n * OPEN);
    expect(await f.stakeVotes.stakedVotes(f.representative.address)).to.equal(0n);
  });

  it("makes staked votes follow slashing: a 40%-slashed position votes 60% once synced, by anyone or by its next stake change", async () => {
    const f = await networkHelpers.loadFixture(withOperator);
    await f.staking.connect(f.delegator).delegate(f.op, 10_000n * OPEN, 0n);
    expect(await f.stakeVotes.stakedVotes(f.delegator.address)).to.equal(10_000n * OPEN);
    await f.staking.slash(f.op, (WAD * 2n) / 10n, 0, 0n, 0n);
    await f.staking.slash(f.op, (WAD * 25n) / 100n, 0, 0n, 0n); // 1 - 0.8 * 0.75 = 40% in all
    const value = (await f.staking.positionOf(f.op, f.delegator.address)).stake;
    expect(value).to.be.closeTo(6_000n * OPEN, 1n);
    // anyone may sync a slashed position (e.g. before a proposal's snapshot)
    await expect(f.staking.connect(f.representative).syncVotes(f.op, f.delegator.address))
      .to.emit(f.staking, "PositionVotesSynced")
      .withArgs(f.op, f.delegator.address, value);
    expect(await f.stakeVotes.stakedVotes(f.delegator.address)).to.equal(value);
    expect((await f.staking.positionOf(f.op, f.delegator.address)).principal).to.equal(value);
    // a second sync changes nothing; the owner's self-stake syncs on its next stake change
    expect(await f.staking.syncVotes.staticCall(f.op, f.delegator.address)).to.equal(0n);
    const ownerValue = (await f.staking.positionOf(f.op, f.op)).stake;
    await f.staking.connect(f.owner).addStake(MIN_STAKE);
    expect(await f.stakeVotes.votingUnitsOf(f.op)).to.equal(ownerValue + MIN_STAKE);
  });

  it("keeps past votes checkpointed by timestamp, and uses the OPEN supply as the quorum base", async () => {
    const f = await networkHelpers.loadFixture(withOperator);
    await f.staking.connect(f.delegator).delegate(f.op, 1_000n * OPEN, 0n);
    const before = await networkHelpers.time.latest();
    await networkHelpers.time.increase(10);
    await f.staking.connect(f.delegator).undelegate(f.op, 400n * OPEN);
    await networkHelpers.mine(1);
    expect(await f.stakeVotes.getPastVotes(f.delegator.address, before)).to.equal(1_000n * OPEN);
    expect(await f.stakeVotes.pastStakedVotes(f.delegator.address, before)).to.equal(1_000n * OPEN);
    expect(await f.stakeVotes.stakedVotes(f.delegator.address)).to.equal(600n * OPEN);
    expect(await f.stakeVotes.getPastTotalSupply(before)).to.equal(TOTAL_SUPPLY);
    expect(await f.stakeVotes.CLOCK_MODE()).to.equal("mode=timestamp");
    expect(await f.stakeVotes.clock()).to.equal(BigInt(await networkHelpers.time.latest()));
    expect(await f.stakeVotes.token()).to.equal(await f.token.getAddress());
    expect(await f.stakeVotes.staking()).to.equal(await f.staking.getAddress());
  });

  it("lets only the staking contract change voting units: StakeVotesUnauthorized(caller)", async () => {
    const f = await networkHelpers.loadFixture(withOperator);
    await expect(f.stakeVotes.connect(f.delegator).addVotingUnits(f.delegator.address, 1n))
      .to.be.revertedWithCustomError(f.stakeVotes, "StakeVotesUnauthorized")
      .withArgs(f.delegator.address);
    await expect(f.stakeVotes.removeVotingUnits(f.op, 1n))
      .to.be.revertedWithCustomError(f.stakeVotes, "StakeVotesUnauthorized")
      .withArgs(f.deployer.address);
  });

  it("passes a Governor proposal with staked and delegated OPEN only (no liquid OPEN votes)", async () => {
    const f = await networkHelpers.loadFixture(withOperator);
    const timelock = await ethers.deployContract("OpenTimelock", [1n, [], [ZeroAddress], f.deployer.address]);
    // Quorum 1% of the supply = 10M OPEN; proposals need no threshold here.
    const governor = await ethers.deployContract("OpenGovernor", [f.stakeVotes, timelock, 1n, 100n, 0n, 1n]);
    await timelock.grantRole(await timelock.PROPOSER_ROLE(), governor);
    await f.manager.grantRole(0n, timelock, 0n); // the timelock administers the AccessManager, as in production

    // A second operator stakes 6M itself; a delegator delegates 4.5M to the first one.
    const bigOperator = f.accounts[3]!;
    await registerOperator(f, bigOperator, "beta", { stake: 6_000_000n * OPEN });
    await f.staking.connect(f.delegator).delegate(f.op, 4_500_000n * OPEN, 0n);
    expect(await f.token.getVotes(bigOperator.address)).to.equal(0n);
    expect(await f.token.getVotes(f.delegator.address)).to.equal(0n);
    await networkHelpers.mine(1);

    const calldata = f.staking.interface.encodeFunctionData("setMinStake", [20_000n * OPEN]);
    const target = await f.staking.getAddress();
    const description = "Raise the minimum self-stake to 20,000 OPEN";
    await governor.connect(bigOperator).propose([target], [0n], [calldata], description);
    const proposalId = await governor.hashProposal([target], [0n], [calldata], id(description));
    await networkHelpers.time.increase(2);
    const snapshot = await governor.proposalSnapshot(proposalId);
    expect(await governor.getVotes(bigOperator.address, snapshot)).to.equal(6_000_000n * OPEN);
    expect(await governor.getVotes(f.delegator.address, snapshot)).to.equal(4_500_000n * OPEN);

    await governor.connect(bigOperator).castVote(proposalId, 1);
    await governor.connect(f.delegator).castVote(proposalId, 1);
    await governor.connect(f.owner).castVote(proposalId, 0); // the first operator's 20k against
    const [against, forVotes] = await governor.proposalVotes(proposalId);
    expect(forVotes).to.equal(10_500_000n * OPEN);
    expect(against).to.equal(2n * MIN_STAKE);

    await networkHelpers.time.increase(100);
    await governor.queue([target], [0n], [calldata], id(description));
    await networkHelpers.time.increase(2);
    await governor.execute([target], [0n], [calldata], id(description));
    expect(await f.staking.minStake()).to.equal(20_000n * OPEN);
  });
});
