// Cross-chain governance on Chainlink's CCIPLocalSimulator: a home proposal (Governor -> Timelock) calls
// GovernanceSender.sendActions; the simulator's router delivers the message to the RemoteExecutor (the only
// admin of the remote chain's AccessManager, a second deployment on the same Hardhat chain), which runs the
// actions. Wrong sources, wrong senders and replays are delivered through the same router's public
// routeMessage (an off-ramp's entry point).
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, getAddress, id, keccak256, ZeroAddress } from "ethers";
import { deployLocal } from "../../helpers/protocol.js";
import { asTimelock } from "../../helpers/operators.js";
import { MockCCIPRouter__factory } from "../../../types/ethers-contracts/index.js";

const { ethers, networkHelpers } = await network.create();
const abi = AbiCoder.defaultAbiCoder();
const ACTIONS = "tuple(address target, uint256 value, bytes data)[]";

describe("Cross-chain governance: a home proposal's actions run on the remote chain over CCIP", () => {
  async function fixture() {
    const d = await deployLocal(ethers);
    const signers = await ethers.getSigners();
    const voter = signers[0]!; // holds the 12% fundraising reserve in the local config
    await d.token.connect(voter).delegate(voter.address);
    await networkHelpers.mine(1);
    const bridge = d.bridge!;
    const router = MockCCIPRouter__factory.connect(bridge.record.router, voter);
    return {
      d,
      voter,
      router,
      gov: bridge.governanceSender,
      executor: bridge.executor!,
      receiver: bridge.receiver!,
      remoteManager: bridge.remoteAccessManager!,
      selector: BigInt(bridge.record.chainSelector),
      stranger: signers[19]!,
    };
  }
  type F = Awaited<ReturnType<typeof fixture>>;

  /** propose, vote, queue, execute one home proposal */
  async function passProposal(f: F, targets: string[], values: bigint[], calldatas: string[], description: string) {
    const g = f.d.governor;
    await g.connect(f.voter).propose(targets, values, calldatas, description);
    const proposalId = await g.hashProposal(targets, values, calldatas, id(description));
    await networkHelpers.time.increase((await g.votingDelay()) + 1n);
    await g.connect(f.voter).castVote(proposalId, 1);
    await networkHelpers.time.increase(await g.votingPeriod());
    await g.queue(targets, values, calldatas, id(description));
    await networkHelpers.time.increase(10);
    return g.execute(targets, values, calldatas, id(description));
  }

  async function deliver(f: F, m: { source?: bigint; sender?: string; data: string; messageId?: string }) {
    const message = {
      messageId: m.messageId ?? keccak256(m.data),
      sourceChainSelector: m.source ?? f.selector,
      sender: abi.encode(["address"], [m.sender ?? (await f.gov.getAddress())]),
      data: m.data,
      destTokenAmounts: [],
    };
    return { tx: f.router.routeMessage(message, 5_000, 500_000, await f.executor.getAddress()), message };
  }

  it("a home proposal changes a parameter of the remote receiver (its allowlisted source)", async () => {
    const f = await networkHelpers.loadFixture(fixture);
    const newSource = 14767482510784806043n;
    const newSender = getAddress("0x000000000000000000000000000000000000beef");
    const action = {
      target: await f.receiver.getAddress(),
      value: 0n,
      data: f.receiver.interface.encodeFunctionData("setSource", [
        newSource,
        { sender: newSender, homeChainId: 43113n },
      ]),
    };
    expect(await f.gov.quoteFee(f.selector, [action])).to.equal(0n); // the proposal carries the fee as its value
    const calldata = f.gov.interface.encodeFunctionData("sendActions", [f.selector, [action]]);
    const tx = passProposal(f, [await f.gov.getAddress()], [0n], [calldata], "Allow Fuji's sender on the receiver");
    await expect(tx)
      .to.emit(f.gov, "ActionsSent")
      .withArgs(f.selector, 1n, (x: string) => x.length === 66, 1n, 0n);
    await expect(tx)
      .to.emit(f.executor, "ActionsExecuted")
      .withArgs((x: string) => x.length === 66, 1n, 1n);
    await expect(tx).to.emit(f.receiver, "SourceSet").withArgs(newSource, newSender, 43113n);
    const source = await f.receiver.sourceOf(newSource);
    expect([source.sender, source.homeChainId]).to.deep.equal([newSender, 43113n]);
    expect(await f.executor.executed(1n)).to.equal(true);
    expect(await f.gov.nonceOf(f.selector)).to.equal(1n);
  });

  it("the executor is the remote AccessManager's only admin: neither the timelock nor anyone else acts there directly", async () => {
    const f = await networkHelpers.loadFixture(fixture);
    const admin = await f.remoteManager.ADMIN_ROLE();
    expect((await f.remoteManager.hasRole(admin, await f.executor.getAddress()))[0]).to.equal(true);
    expect((await f.remoteManager.hasRole(admin, await f.d.timelock.getAddress()))[0]).to.equal(false);
    expect((await f.remoteManager.hasRole(admin, f.d.file.deployer))[0]).to.equal(false);
    await asTimelock(f.d, ethers, networkHelpers, async (t) => {
      await expect(
        f.receiver.connect(t).setSource(1n, { sender: t.address, homeChainId: 1n }),
      ).to.be.revertedWithCustomError(f.receiver, "AccessManagedUnauthorized");
    });
    // the sender itself is governance-only at home
    await expect(f.gov.connect(f.stranger).sendActions(f.selector, [])).to.be.revertedWithCustomError(
      f.gov,
      "AccessManagedUnauthorized",
    );
    await expect(f.executor.setSource({ chainSelector: 1n, sender: f.stranger.address }))
      .to.be.revertedWithCustomError(f.executor, "ExecutorOnlySelf")
      .withArgs(f.voter.address);
  });

  it("drops messages from another source chain or sender, and refuses a replayed nonce (recorded, never run twice)", async () => {
    const f = await networkHelpers.loadFixture(fixture);
    const action = {
      target: await f.receiver.getAddress(),
      value: 0n,
      data: f.receiver.interface.encodeFunctionData("setSource", [7n, { sender: f.stranger.address, homeChainId: 1n }]),
    };
    const data = abi.encode(["uint64", ACTIONS], [1n, [action]]);
    const { tx: wrongSource } = await deliver(f, { source: 3478487238524512106n, data });
    await expect(wrongSource).to.emit(f.executor, "MessageRejected");
    const { tx: wrongSender } = await deliver(f, { sender: f.stranger.address, data });
    await expect(wrongSender).to.emit(f.executor, "MessageRejected");
    expect((await f.receiver.sourceOf(7n)).sender).to.equal(ZeroAddress);

    // the real path runs nonce 1 ...
    await asTimelock(f.d, ethers, networkHelpers, async (t) => {
      await expect(f.gov.connect(t).sendActions(f.selector, [action])).to.emit(f.executor, "ActionsExecuted");
    });
    // ... and the same payload again (a replay) is refused and recorded
    const { tx: replay, message } = await deliver(f, { data });
    await expect(replay)
      .to.emit(f.executor, "MessageFailed")
      .withArgs(message.messageId, f.executor.interface.encodeErrorResult("ExecutorReplay", [1n]));
    expect(await f.executor.failedMessage(message.messageId)).to.equal(keccak256(data));
    await expect(f.executor.retryFailedMessage(message.messageId, data))
      .to.be.revertedWithCustomError(f.executor, "ExecutorReplay")
      .withArgs(1n);
  });

  it("records a message whose action fails, without reverting the delivery; the nonce stays unused", async () => {
    const f = await networkHelpers.loadFixture(fixture);
    // an action that reverts on the remote side: the receiver's self-only entry point
    const bad = {
      target: await f.receiver.getAddress(),
      value: 0n,
      data: f.receiver.interface.encodeFunctionData("processMessage", [keccak256("0x01"), 1n, "0x"]),
    };
    await asTimelock(f.d, ethers, networkHelpers, async (t) => {
      await expect(f.gov.connect(t).sendActions(f.selector, [bad])).to.emit(f.executor, "MessageFailed");
    });
    expect(await f.executor.executed(1n)).to.equal(false);
    const { tx } = await deliver(f, { data: "0x1234" }); // malformed payload: recorded too
    await expect(tx).to.emit(f.executor, "MessageFailed");
  });
});
