// The checkpoint bridge on Chainlink's own local simulator (CCIPLocalSimulator: its MockCCIPRouter runs the
// receiver's ccipReceive in the same transaction). The "remote chain" is the second deployment (its own
// AccessManager + CheckpointReceiver) that every local deploy makes on the same Hardhat chain. Messages
// from a wrong source, a wrong sender or with a malformed payload are delivered through the same router's
// public `routeMessage` (what an off-ramp calls), never by a hand-written router.
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, concat, keccak256, toUtf8Bytes, Wallet, ZeroAddress } from "ethers";
import { proofOf, resourceLeaf, rootOf } from "../../../keeper/src/checkpoint/leaves.js";
import { encodeBridgePayload } from "../../../keeper/src/bridge/payload.js";
import { advanceEpoch, asTimelock, deployFourOperators } from "../../helpers/operators.js";
import { blsCertificate, headerHash, headerTuple, makeHeader } from "../../helpers/checkpoints.js";
import { asRemoteExecutor } from "../../helpers/remote-governance.js";
import type { Header } from "../../../keeper/src/checkpoint/header.js";
import { LinkToken__factory, MockCCIPRouter__factory } from "../../../types/ethers-contracts/index.js";

const { ethers, networkHelpers } = await network.create();
const abi = AbiCoder.defaultAbiCoder();
const GENERIC_EXTRA_ARGS_V2_TAG = "0x181dcf10";

describe("Checkpoint bridge over CCIP (CheckpointSender -> CCIPLocalSimulator router -> CheckpointReceiver)", () => {
  async function fixture() {
    const { d, signers, owners, bySigner } = await deployFourOperators(ethers);
    await advanceEpoch(d, networkHelpers);
    const e2 = await advanceEpoch(d, networkHelpers);
    const certify = async (header: Header) => {
      await d.checkpoints.submitCheckpointBls(header, await blsCertificate(d, e2.tree, bySigner, header, [0, 1, 2, 3]));
    };
    const bridge = d.bridge!;
    const sender = bridge.sender;
    const receiver = bridge.receiver!;
    const selector = BigInt(bridge.record.chainSelector);
    const router = MockCCIPRouter__factory.connect(bridge.record.router, signers[0]!);
    const link = LinkToken__factory.connect(bridge.record.link, signers[0]!);

    // a header with a PoR, a task and a rewards root, certified at home
    const operator = owners[0]!.address;
    const resources = {
      cpuCores: 16n,
      bandwidthMbps: 1000n,
      memoryMiB: 32768n,
      storageGiB: 2000n,
      latencyUs: 420n,
      uptimeBps: 10_000n,
    };
    const porLeaves = [
      resourceLeaf(operator, resources),
      resourceLeaf(owners[1]!.address, { ...resources, cpuCores: 4n, memoryMiB: 8192n }),
    ];
    const taskLeaves = [
      [7n, 3n, AbiCoder.defaultAbiCoder().encode(["int256"], [42n]), [operator, owners[1]!.address]],
      [8n, 0n, toUtf8Bytes("wasm output"), [operator]],
    ];
    const budget = await d.rewards.nextEpochBudget();
    const rewardLeaves = [
      [0n, operator, budget / 4n],
      [1n, owners[1]!.address, budget / 4n],
    ];
    const h1 = makeHeader({
      epoch: 2n,
      height: 1n,
      porRoot: rootOf("resource", porLeaves),
      taskRoot: rootOf("taskResult", taskLeaves),
      rewardsRoot: rootOf("reward", rewardLeaves),
      totalRewards: budget / 2n,
    });
    await certify(h1);
    const h2 = makeHeader({ epoch: 2n, height: 2n, parentHash: headerHash(h1) });
    await certify(h2);
    const h3 = makeHeader({ epoch: 2n, height: 3n, parentHash: headerHash(h2) });
    await certify(h3);
    return {
      d,
      sender,
      receiver,
      router,
      link,
      selector,
      certify,
      h1,
      h2,
      h3,
      operator,
      resources,
      porLeaves,
      taskLeaves,
      rewardLeaves,
      user: signers[15]!,
      stranger: signers[16]!,
    };
  }

  /** Delivers a message through the simulator's router as its off-ramp would (the receiver sees the router). */
  async function deliver(
    f: Awaited<ReturnType<typeof fixture>>,
    m: { messageId?: string; source?: bigint; sender?: string; senderBytes?: string; data: string; gasLimit?: bigint },
  ) {
    const message = {
      messageId: m.messageId ?? keccak256(toUtf8Bytes(m.data + String(Math.random()))),
      sourceChainSelector: m.source ?? f.selector,
      sender: m.senderBytes ?? abi.encode(["address"], [m.sender ?? (await f.sender.getAddress())]),
      data: m.data,
      destTokenAmounts: [],
    };
    const tx = f.router.routeMessage(message, 5_000, m.gasLimit ?? 200_000n, await f.receiver.getAddress());
    return { tx, message };
  }

  describe("send, receive, verify", () => {
    it("relays a certified header through the simulator's router; the receiver stores it by (epoch, height)", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const hash = headerHash(f.h1);
      const tx = f.sender.connect(f.user).relay(headerTuple(f.h1), f.selector);
      await expect(tx)
        .to.emit(f.sender, "CheckpointRelayed")
        .withArgs(f.selector, 2n, 1n, hash, (id: string) => id !== ZeroAddress, ZeroAddress, 0n, f.user.address);
      await expect(tx)
        .to.emit(f.receiver, "CheckpointBridged")
        .withArgs(2n, 1n, hash, f.selector, (id: string) => id.length === 66);
      expect(await f.receiver.headerHashAt(2n, 1n)).to.equal(hash);
      expect(await f.receiver.latest()).to.deep.equal([2n, 1n]);
      expect(await f.receiver.requireBridged(headerTuple(f.h1))).to.equal(hash);
      expect(await f.sender.relayedMessage(f.selector, 1n)).to.not.equal(ZeroAddress.padEnd(66, "0"));
    });

    it("verifies a PoR capacity, a task result and a reward leaf against the bridged header, without the home chain", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      await f.sender.relay(headerTuple(f.h1), f.selector);
      const h = headerTuple(f.h1);
      expect(await f.receiver.verifyResource(h, f.operator, f.resources, proofOf("resource", f.porLeaves, 0))).to.equal(
        true,
      );
      const [taskId, round, result, executors] = f.taskLeaves[0]! as [bigint, bigint, string, string[]];
      const taskProof = proofOf("taskResult", f.taskLeaves, 0);
      expect(await f.receiver.verifyTaskResult(h, taskId, round, result, executors, taskProof)).to.equal(true);
      // the leaf carries the round and the value: another round or value does not verify
      expect(await f.receiver.verifyTaskResult(h, taskId, round + 1n, result, executors, taskProof)).to.equal(false);
      const other = AbiCoder.defaultAbiCoder().encode(["int256"], [43n]);
      expect(await f.receiver.verifyTaskResult(h, taskId, round, other, executors, taskProof)).to.equal(false);
      const [index, who, amount] = f.rewardLeaves[1]! as [bigint, string, bigint];
      expect(await f.receiver.verifyReward(h, index, who, amount, proofOf("reward", f.rewardLeaves, 1))).to.equal(true);
      // the same answers as the home chain's own view, and false for a leaf that is not in the tree
      expect(
        await f.d.checkpoints.verifyResource(h, f.operator, f.resources, proofOf("resource", f.porLeaves, 0)),
      ).to.equal(true);
      const inflated = { ...f.resources, cpuCores: 64n };
      expect(await f.receiver.verifyResource(h, f.operator, inflated, proofOf("resource", f.porLeaves, 0))).to.equal(
        false,
      );
      expect(await f.receiver.verifyReward(h, index, who, amount + 1n, proofOf("reward", f.rewardLeaves, 1))).to.equal(
        false,
      );
    });

    it("refuses proofs against a header that was not bridged (or was altered)", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      await f.sender.relay(headerTuple(f.h1), f.selector);
      const forged = {
        ...f.h1,
        porRoot: rootOf("resource", [resourceLeaf(f.operator, { ...f.resources, cpuCores: 999n })]),
      };
      await expect(f.receiver.verifyResource(headerTuple(forged), f.operator, f.resources, []))
        .to.be.revertedWithCustomError(f.receiver, "ReceiverNotBridged")
        .withArgs(2n, 1n, headerHash(forged));
      await expect(f.receiver.requireBridged(headerTuple(f.h2)))
        .to.be.revertedWithCustomError(f.receiver, "ReceiverNotBridged")
        .withArgs(2n, 2n, headerHash(f.h2));
    });

    it("sends only headers the CheckpointStore certified, and each height once per lane", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const uncertified = makeHeader({ epoch: 2n, height: 4n, parentHash: headerHash(f.h3) });
      await expect(f.sender.relay(headerTuple(uncertified), f.selector))
        .to.be.revertedWithCustomError(f.d.checkpoints, "CheckpointNotCertified")
        .withArgs(4n, headerHash(uncertified));
      await f.sender.relay(headerTuple(f.h1), f.selector);
      const id = await f.sender.relayedMessage(f.selector, 1n);
      await expect(f.sender.connect(f.user).relay(headerTuple(f.h1), f.selector))
        .to.be.revertedWithCustomError(f.sender, "SenderAlreadyRelayed")
        .withArgs(f.selector, 1n, id);
      await expect(f.sender.relay(headerTuple(f.h2), 42n))
        .to.be.revertedWithCustomError(f.sender, "SenderUnknownLane")
        .withArgs(42n);
    });
  });

  describe("fees and lane settings", () => {
    it("charges the router's getFee in the native coin and returns the excess", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const fee = 10n ** 15n;
      await f.router.setFee(fee); // the simulator's router quotes a fixed fee (0 by default)
      expect(await f.sender.quoteFee(headerTuple(f.h1), f.selector)).to.equal(fee);
      await expect(f.sender.connect(f.user).relay(headerTuple(f.h1), f.selector, { value: fee - 1n }))
        .to.be.revertedWithCustomError(f.sender, "SenderWrongFeePayment")
        .withArgs(fee - 1n, fee);
      const tx = f.sender.connect(f.user).relay(headerTuple(f.h1), f.selector, { value: 3n * fee });
      await expect(tx).to.changeEtherBalances(ethers, [f.user, f.router], [-fee, fee]);
      await expect(tx).to.emit(f.sender, "CheckpointRelayed");
    });

    it("charges the fee in LINK once governance switches the fee token", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const fee = 5n * 10n ** 16n;
      await f.router.setFee(fee);
      const linkAddress = await f.link.getAddress();
      await expect(f.sender.setFeeToken(linkAddress)).to.be.revertedWithCustomError(
        f.sender,
        "AccessManagedUnauthorized",
      );
      await asTimelock(f.d, ethers, networkHelpers, async (t) => {
        await expect(f.sender.connect(t).setFeeToken(f.user.address))
          .to.be.revertedWithCustomError(f.sender, "SenderUnsupportedFeeToken")
          .withArgs(f.user.address);
        await expect(f.sender.connect(t).setFeeToken(linkAddress))
          .to.emit(f.sender, "FeeTokenSet")
          .withArgs(linkAddress);
      });
      const simulator = f.d.bridge!.simulator!;
      await simulator.requestLinkFromFaucet(f.user.address, 10n ** 18n);
      await f.link.connect(f.user).approve(await f.sender.getAddress(), fee);
      await expect(f.sender.connect(f.user).relay(headerTuple(f.h1), f.selector, { value: 1n }))
        .to.be.revertedWithCustomError(f.sender, "SenderWrongFeePayment")
        .withArgs(1n, fee);
      await expect(f.sender.connect(f.user).relay(headerTuple(f.h1), f.selector)).to.changeTokenBalances(
        ethers,
        f.link,
        [f.user, f.router],
        [-fee, fee],
      );
      expect(await f.receiver.headerHashAt(2n, 1n)).to.equal(headerHash(f.h1));
    });

    it("puts the lane's gas limit from config into extraArgs; only governance changes lanes", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const lane = await f.sender.laneOf(f.selector);
      expect(lane.gasLimit).to.equal(200_000n); // deployments/config/ccip-networks.json, lane localhost -> simulator
      expect(await f.sender.destinations()).to.deep.equal([f.selector]);
      const extraArgs = (gas: bigint) =>
        concat([GENERIC_EXTRA_ARGS_V2_TAG, abi.encode(["uint256", "bool"], [gas, true])]);
      const [data, args] = await f.sender.messageOf(headerTuple(f.h1), f.selector);
      expect(args).to.equal(extraArgs(200_000n));
      expect(data).to.equal(encodeBridgePayload(f.h1));
      const newLane = { receiver: lane.receiver, gasLimit: 150_000n, relayEvery: 5n };
      await expect(f.sender.connect(f.stranger).setLane(f.selector, newLane)).to.be.revertedWithCustomError(
        f.sender,
        "AccessManagedUnauthorized",
      );
      await expect(f.sender.connect(f.stranger).removeLane(f.selector)).to.be.revertedWithCustomError(
        f.sender,
        "AccessManagedUnauthorized",
      );
      await asTimelock(f.d, ethers, networkHelpers, async (t) => {
        await expect(f.sender.connect(t).setLane(f.selector, newLane))
          .to.emit(f.sender, "LaneSet")
          .withArgs(f.selector, lane.receiver, 150_000n, 5n);
        await expect(f.sender.connect(t).setLane(7n, { ...newLane, gasLimit: 3_000_001n }))
          .to.be.revertedWithCustomError(f.sender, "SenderInvalidLane")
          .withArgs(7n, lane.receiver, 3_000_001n, 5n);
        await expect(
          f.sender.connect(t).setLane(7n, { ...newLane, receiver: ZeroAddress }),
        ).to.be.revertedWithCustomError(f.sender, "SenderInvalidLane");
      });
      expect((await f.sender.messageOf(headerTuple(f.h1), f.selector))[1]).to.equal(extraArgs(150_000n));
      expect(await f.sender.destinations()).to.deep.equal([f.selector]); // changed, not added twice
      await asTimelock(f.d, ethers, networkHelpers, async (t) => {
        await expect(f.sender.connect(t).removeLane(f.selector)).to.emit(f.sender, "LaneRemoved").withArgs(f.selector);
      });
      expect(await f.sender.destinations()).to.deep.equal([]);
      await expect(f.sender.relay(headerTuple(f.h1), f.selector)).to.be.revertedWithCustomError(
        f.sender,
        "SenderUnknownLane",
      );
    });
  });

  describe("receiver: allowlist, bad payloads, duplicates, order", () => {
    it("drops a message from a source chain that is not allowlisted (event, nothing stored, no revert)", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const { tx, message } = await deliver(f, { source: 3478487238524512106n, data: encodeBridgePayload(f.h1) });
      await expect(tx)
        .to.emit(f.receiver, "MessageRejected")
        .withArgs(message.messageId, 3478487238524512106n, message.sender, 0n);
      await expect(tx)
        .to.emit(f.router, "MsgExecuted")
        .withArgs(true, "0x", (g: bigint) => g > 0n);
      expect(await f.receiver.headerHashAt(2n, 1n)).to.equal("0x" + "00".repeat(32));
    });

    it("drops a message from another sender on the allowed source chain", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const impostor = Wallet.createRandom().address;
      const { tx, message } = await deliver(f, { sender: impostor, data: encodeBridgePayload(f.h1) });
      await expect(tx)
        .to.emit(f.receiver, "MessageRejected")
        .withArgs(message.messageId, f.selector, message.sender, 1n);
      // a sender that is not even one ABI word
      const { tx: tx2 } = await deliver(f, { senderBytes: "0x1234", data: encodeBridgePayload(f.h1) });
      await expect(tx2).to.emit(f.receiver, "MessageRejected");
      expect(await f.receiver.headerHashAt(2n, 1n)).to.equal("0x" + "00".repeat(32));
    });

    it("records a malformed payload as failed without reverting; a retry of it fails again and keeps the record", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const cases: Array<[string, (p: Promise<unknown>) => Promise<unknown>]> = [
        ["0xdeadbeef", (p) => expect(p).to.be.revert(ethers)], // not even an ABI header: the decoder reverts
        [
          encodeBridgePayload(f.h1, 2),
          (p) => expect(p).to.be.revertedWithCustomError(f.receiver, "ReceiverUnsupportedVersion").withArgs(2),
        ],
        [
          encodeBridgePayload({ ...f.h1, chainId: 1n }),
          (p) => expect(p).to.be.revertedWithCustomError(f.receiver, "ReceiverWrongHomeChain").withArgs(1n, 31337n),
        ],
      ];
      for (const [data, retryFails] of cases) {
        const { tx, message } = await deliver(f, { data });
        await expect(tx).to.emit(f.receiver, "MessageFailed");
        await expect(tx)
          .to.emit(f.router, "MsgExecuted")
          .withArgs(true, "0x", (g: bigint) => g > 0n);
        const record = keccak256(abi.encode(["uint64", "bytes"], [f.selector, data]));
        expect(await f.receiver.failedMessage(message.messageId)).to.equal(record);
        await retryFails(f.receiver.retryFailedMessage(message.messageId, f.selector, data));
        expect(await f.receiver.failedMessage(message.messageId)).to.equal(record);
      }
      const { tx } = await deliver(f, { data: encodeBridgePayload(f.h1, 2) });
      await expect(tx)
        .to.emit(f.receiver, "MessageFailed")
        .withArgs(
          (id: string) => id.length === 66,
          f.selector,
          f.receiver.interface.encodeErrorResult("ReceiverUnsupportedVersion", [2]),
        );
      await expect(f.receiver.retryFailedMessage(keccak256("0x01"), f.selector, "0x")).to.be.revertedWithCustomError(
        f.receiver,
        "ReceiverNoSuchFailedMessage",
      );
    });

    it("a delivery that runs out of gas is recorded as failed, and anyone's retry stores the header", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      await asTimelock(f.d, ethers, networkHelpers, async (t) => {
        const lane = await f.sender.laneOf(f.selector);
        await f.sender.connect(t).setLane(f.selector, { receiver: lane.receiver, gasLimit: 75_000n, relayEvery: 1n });
      });
      const tx = f.sender.relay(headerTuple(f.h1), f.selector);
      await expect(tx).to.emit(f.receiver, "MessageFailed");
      expect(await f.receiver.headerHashAt(2n, 1n)).to.equal("0x" + "00".repeat(32));
      const id = await f.sender.relayedMessage(f.selector, 1n);
      const data = encodeBridgePayload(f.h1);
      await expect(f.receiver.connect(f.stranger).retryFailedMessage(id, f.selector, data))
        .to.emit(f.receiver, "MessageRecovered")
        .withArgs(id);
      expect(await f.receiver.headerHashAt(2n, 1n)).to.equal(headerHash(f.h1));
      expect(await f.receiver.failedMessage(id)).to.equal("0x" + "00".repeat(32));
    });

    it("treats a duplicate as a no-op and stores out-of-order headers (the latest height only moves forward)", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      await f.sender.relay(headerTuple(f.h3), f.selector);
      await f.sender.relay(headerTuple(f.h1), f.selector);
      expect(await f.receiver.latest()).to.deep.equal([2n, 3n]);
      expect(await f.receiver.headerHashAt(2n, 1n)).to.equal(headerHash(f.h1));
      const { tx } = await deliver(f, { data: encodeBridgePayload(f.h3) }); // the same header again
      await expect(tx)
        .to.emit(f.receiver, "CheckpointDuplicate")
        .withArgs(2n, 3n, headerHash(f.h3), (id: string) => id.length === 66);
      await f.sender.relay(headerTuple(f.h2), f.selector);
      expect(await f.receiver.latest()).to.deep.equal([2n, 3n]);
      // a different header at a stored (epoch, height) is a conflict: recorded, not stored
      const other = { ...f.h3, porRoot: keccak256("0x02") };
      const { tx: conflict } = await deliver(f, { data: encodeBridgePayload(other) });
      await expect(conflict).to.emit(f.receiver, "MessageFailed");
      expect(await f.receiver.headerHashAt(2n, 3n)).to.equal(headerHash(f.h3));
    });

    it("accepts ccipReceive only from the router, processMessage only from itself, sources only from governance", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const message = {
        messageId: keccak256("0x01"),
        sourceChainSelector: f.selector,
        sender: abi.encode(["address"], [await f.sender.getAddress()]),
        data: encodeBridgePayload(f.h1),
        destTokenAmounts: [],
      };
      await expect(f.receiver.ccipReceive(message))
        .to.be.revertedWithCustomError(f.receiver, "InvalidRouter")
        .withArgs((await ethers.getSigners())[0]!.address);
      await expect(f.receiver.processMessage(message.messageId, f.selector, message.data))
        .to.be.revertedWithCustomError(f.receiver, "ReceiverOnlySelf")
        .withArgs((await ethers.getSigners())[0]!.address);
      await expect(
        f.receiver.connect(f.stranger).setSource(1n, { sender: f.stranger.address, homeChainId: 1n }),
      ).to.be.revertedWithCustomError(f.receiver, "AccessManagedUnauthorized");
      // the remote AccessManager's only admin is the executor of home proposals: removing the source stops deliveries
      await expect(
        f.receiver.connect(f.stranger).setSource(f.selector, { sender: ZeroAddress, homeChainId: 0n }),
      ).to.be.revertedWithCustomError(f.receiver, "AccessManagedUnauthorized");
      await asRemoteExecutor(f.d, ethers, networkHelpers, async (t) => {
        await expect(f.receiver.connect(t).setSource(f.selector, { sender: ZeroAddress, homeChainId: 0n }))
          .to.emit(f.receiver, "SourceSet")
          .withArgs(f.selector, ZeroAddress, 0n);
      });
      await expect(f.sender.relay(headerTuple(f.h1), f.selector)).to.emit(f.receiver, "MessageRejected");
    });
  });
});
