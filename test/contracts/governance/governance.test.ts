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

  it("changes a protocol parameter only through propose, vote, queue and execute", async () => {
    const { governor, accessManager, voter, stranger } = await networkHelpers.loadFixture(fixture);
    const ROLE = 42n;
    const GUARDIAN_ROLE = 7n;
    const target = await accessManager.getAddress();
    const calldata = accessManager.interface.encodeFunctionData("setRoleGuardian", [ROLE, GUARDIAN_ROLE]);

    // Direct call by anyone (here the richest holder) reverts with the AccessManager's error.
    await expect(accessManager.connect(stranger).setRoleGuardian(ROLE, GUARDIAN_ROLE))
      .to.be.revertedWithCustomError(accessManager, "AccessManagerUnauthorizedAccount")
      .withArgs(stranger.address, 0n);
    await expect(accessManager.connect(voter).setRoleGuardian(ROLE, GUARDIAN_ROLE))
      .to.be.revertedWithCustomError(accessManager, "AccessManagerUnauthorizedAccount")
      .withArgs(voter.address, 0n);

    const description = "Make role 7 the guardian of role 42";
    const descriptionHash = id(description);
    await governor.connect(voter).propose([target], [0n], [calldata], description);
    const proposalId = await governor.hashProposal([target], [0n], [calldata], descriptionHash);
    expect(await governor.state(proposalId)).to.equal(State.Pending);

    await networkHelpers.time.increase((await governor.votingDelay()) + 1n);
    expect(await governor.state(proposalId)).to.equal(State.Active);
    await governor.connect(voter).castVote(proposalId, 1); // for

    await networkHelpers.time.increase(await governor.votingPeriod());
    expect(await governor.state(proposalId)).to.equal(State.Succeeded);
    await governor.queue([target], [0n], [calldata], descriptionHash);
    expect(await governor.state(proposalId)).to.equal(State.Queued);

    // The timelock delay holds: executing early fails.
    const timelock = await ethers.getContractAt("OpenTimelock", await governor.timelock());
    await expect(governor.execute([target], [0n], [calldata], descriptionHash)).to.be.revertedWithCustomError(
      timelock,
      "TimelockUnexpectedOperationState",
    );
    await networkHelpers.time.increase(10);
    await governor.execute([target], [0n], [calldata], descriptionHash);
    expect(await governor.state(proposalId)).to.equal(State.Executed);
    expect(await accessManager.getRoleGuardian(ROLE)).to.equal(GUARDIAN_ROLE);
  });

  it("defeats a proposal that misses the 4% quorum", async () => {
    const { governor, token, accessManager, stranger, voter } = await networkHelpers.loadFixture(fixture);
    // stranger gets 1% of the supply and votes alone
    await token.connect(voter).transfer(stranger.address, (await token.totalSupply()) / 100n);
    await token.connect(stranger).delegate(stranger.address);
    await networkHelpers.mine(1);
    const calldata = accessManager.interface.encodeFunctionData("setGrantDelay", [1n, 1n]);
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
