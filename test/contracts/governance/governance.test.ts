import { expect } from "chai";
import { network } from "hardhat";
import { id } from "ethers";
import { deployLocal } from "../../helpers/protocol.js";

const { ethers, networkHelpers } = await network.create();

// Governor.ProposalState
const State = { Pending: 0n, Active: 1n, Defeated: 3n, Succeeded: 4n, Queued: 5n, Executed: 7n };

describe("Governance: Governor + Timelock + AccessManager", () => {
  async function fixture() {
    const d = await deployLocal(ethers);
    const signers = await ethers.getSigners();
    const voter = signers[0]!; // holds the 12% fundraising reserve in the local config
    await d.token.connect(voter).delegate(voter.address);
    await networkHelpers.mine(1);
    return { ...d, voter, stranger: signers[19]! };
  }

  it("leaves the deployer no privilege: the timelock is the only AccessManager admin and the governor its only proposer", async () => {
    const { accessManager, timelock, governor, file } = await networkHelpers.loadFixture(fixture);
    const admin = await accessManager.ADMIN_ROLE();
    expect((await accessManager.hasRole(admin, file.deployer))[0]).to.equal(false);
    expect((await accessManager.hasRole(admin, await timelock.getAddress()))[0]).to.equal(true);
    expect(await timelock.hasRole(await timelock.DEFAULT_ADMIN_ROLE(), file.deployer)).to.equal(false);
    expect(await timelock.hasRole(await timelock.PROPOSER_ROLE(), await governor.getAddress())).to.equal(true);
  });

  it("changes protocol parameters only through propose, vote, queue and execute", async () => {
    const { governor, staking, checkpoints, voter, stranger } = await networkHelpers.loadFixture(fixture);
    const newMinStake = 25_000n * 10n ** 18n;
    const targets = [await staking.getAddress(), await checkpoints.getAddress()];
    const calldatas = [
      staking.interface.encodeFunctionData("setMinStake", [newMinStake]),
      checkpoints.interface.encodeFunctionData("setCheckpointInterval", [5n]),
    ];
    const values = [0n, 0n];

    // A direct call by anyone, even the largest holder, reverts with the AccessManaged error.
    for (const caller of [stranger, voter]) {
      await expect(staking.connect(caller).setMinStake(newMinStake))
        .to.be.revertedWithCustomError(staking, "AccessManagedUnauthorized")
        .withArgs(caller.address);
      await expect(checkpoints.connect(caller).setCheckpointInterval(5n))
        .to.be.revertedWithCustomError(checkpoints, "AccessManagedUnauthorized")
        .withArgs(caller.address);
    }

    const description = "Raise the minimum stake to 25,000 OPEN and checkpoint every 5 heights";
    const descriptionHash = id(description);
    await governor.connect(voter).propose(targets, values, calldatas, description);
    const proposalId = await governor.hashProposal(targets, values, calldatas, descriptionHash);
    expect(await governor.state(proposalId)).to.equal(State.Pending);

    await networkHelpers.time.increase((await governor.votingDelay()) + 1n);
    expect(await governor.state(proposalId)).to.equal(State.Active);
    await governor.connect(voter).castVote(proposalId, 1); // for

    await networkHelpers.time.increase(await governor.votingPeriod());
    expect(await governor.state(proposalId)).to.equal(State.Succeeded);
    await governor.queue(targets, values, calldatas, descriptionHash);
    expect(await governor.state(proposalId)).to.equal(State.Queued);

    // The timelock delay holds: executing early fails.
    const timelock = await ethers.getContractAt("OpenTimelock", await governor.timelock());
    await expect(governor.execute(targets, values, calldatas, descriptionHash)).to.be.revertedWithCustomError(
      timelock,
      "TimelockUnexpectedOperationState",
    );
    await networkHelpers.time.increase(10);
    await governor.execute(targets, values, calldatas, descriptionHash);
    expect(await governor.state(proposalId)).to.equal(State.Executed);
    expect(await staking.minStake()).to.equal(newMinStake);
    expect(await checkpoints.checkpointInterval()).to.equal(5n);
  });

  it("defeats a proposal that misses the 4% quorum", async () => {
    const { governor, token, accessManager, stranger, voter } = await networkHelpers.loadFixture(fixture);
    // stranger gets 1% of the supply and votes alone
    await token.connect(voter).transfer(stranger.address, (await token.totalSupply()) / 100n);
    await token.connect(stranger).delegate(stranger.address);
    await networkHelpers.mine(1);
    const calldata = accessManager.interface.encodeFunctionData("setRoleGuardian", [1n, 2n]);
    const target = await accessManager.getAddress();
    await governor.connect(stranger).propose([target], [0n], [calldata], "small");
    const proposalId = await governor.hashProposal([target], [0n], [calldata], id("small"));
    await networkHelpers.time.increase((await governor.votingDelay()) + 1n);
    await governor.connect(stranger).castVote(proposalId, 1);
    await networkHelpers.time.increase(await governor.votingPeriod());
    expect(await governor.state(proposalId)).to.equal(State.Defeated);
  });

  it("lets only governance change the governor's own settings", async () => {
    const { governor, stranger } = await networkHelpers.loadFixture(fixture);
    await expect(governor.connect(stranger).setVotingPeriod(10))
      .to.be.revertedWithCustomError(governor, "GovernorOnlyExecutor")
      .withArgs(stranger.address);
  });
});
