// Recurring tasks (rounds), cancel with refund of unused rounds, and a data feed read on chain with a proof.
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, keccak256, toUtf8Bytes, ZeroHash } from "ethers";
import { proofOf, rootOf, type LeafValues } from "../../../keeper/src/checkpoint/leaves.js";
import { advanceEpoch, deployFourOperators, OPEN } from "../../helpers/operators.js";
import { blsCertificate, makeHeader } from "../../helpers/checkpoints.js";
import type { Header } from "../../../keeper/src/checkpoint/header.js";

const { ethers, networkHelpers } = await network.create();
const abi = AbiCoder.defaultAbiCoder();
const value = (v: bigint) => abi.encode(["int256"], [v]);
const REWARD = 10n * OPEN;
const FEE_BPS = 500n;
const net = (reward: bigint) => reward - (reward * FEE_BPS) / 10_000n;

describe("TaskManager rounds: recurring tasks, cancel, data feed", () => {
  async function fixture() {
    const { d, signers, owners, bySigner } = await deployFourOperators(ethers);
    await advanceEpoch(d, networkHelpers);
    const e2 = await advanceEpoch(d, networkHelpers);
    const user = signers[15]!;
    await d.token.connect(signers[0]!).transfer(user.address, 10_000n * OPEN);
    await d.token.connect(user).approve(await d.tasks.getAddress(), 10_000n * OPEN);
    const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
    /** Certifies a header at `height` whose taskRoot holds `leaves` (linked to the one below it, if stored). */
    const certifyTasks = async (height: bigint, leaves: LeafValues[]): Promise<Header> => {
      const parentHash = await d.checkpoints.checkpointHash(height - 1n);
      const header = makeHeader({ epoch: 2n, height, parentHash, taskRoot: rootOf("taskResult", leaves) });
      await d.checkpoints.submitCheckpointBls(header, await blsCertificate(d, e2.tree, bySigner, header, [0, 1, 2, 3]));
      return header;
    };
    const kind = keccak256(toUtf8Bytes("http-oracle"));
    return { d, owners, user, deadline, certifyTasks, kind };
  }

  /** Token held by TaskManager = escrow of open rounds + executors' earnings + unflushed fees. */
  async function expectSolvent(d: Awaited<ReturnType<typeof fixture>>["d"], taskIds: bigint[], earners: string[]) {
    let owed = await d.tasks.accruedFees();
    for (const id of taskIds) {
      const t = await d.tasks.getTask(id);
      if (t.status === 1n) owed += (t.rounds - t.paidRounds) * t.rewardPerRound;
    }
    for (const e of earners) owed += await d.tasks.earnings(e);
    expect(await d.token.balanceOf(await d.tasks.getAddress())).to.equal(owed);
  }

  it("runs a funded series of rounds, one per period, paying the operator addresses each round; a feed contract keeps the newest proven value", async () => {
    const { d, owners, user, deadline, certifyTasks, kind } = await networkHelpers.loadFixture(fixture);
    const before = await d.token.balanceOf(user.address);
    await expect(d.tasks.connect(user).postRecurringTask(kind, ZeroHash, "http://spec", REWARD, 2, deadline, 3, 2))
      .to.emit(d.tasks, "TaskScheduled")
      .withArgs(1n, 3, 2, 0n, 2);
    expect(before - (await d.token.balanceOf(user.address))).to.equal(3n * REWARD);
    expect(await d.tasks.roundDueHeight(1n, 1)).to.equal(3n);
    const feed = await (
      await ethers.getContractFactory("TaskFeedConsumer")
    ).deploy(await d.checkpoints.getAddress(), 1n);

    const executors = [owners[0]!.address, owners[1]!.address];
    const leaves0 = [[1n, 0n, value(100n), executors]];
    const h1 = await certifyTasks(1n, leaves0);
    await d.tasks.finalizeTask(1n, 0, value(100n), executors, h1, proofOf("taskResult", leaves0, 0));
    await feed.update(0, 100n, executors, h1, proofOf("taskResult", leaves0, 0));

    // round 1 is due at height 3: a header at height 2 is too early
    const leaves1 = [[1n, 1n, value(-7n), executors]];
    const h2 = await certifyTasks(2n, leaves1);
    await expect(d.tasks.finalizeTask(1n, 1, value(-7n), executors, h2, proofOf("taskResult", leaves1, 0)))
      .to.be.revertedWithCustomError(d.tasks, "TaskRoundNotDue")
      .withArgs(1n, 1, 3n, 2n);
    const h3 = await certifyTasks(3n, leaves1);
    await expect(d.tasks.finalizeTask(1n, 1, value(-7n), executors, h3, proofOf("taskResult", leaves1, 0)))
      .to.emit(d.tasks, "TaskRoundFinalized")
      .withArgs(1n, 1, value(-7n), executors, (REWARD * FEE_BPS) / 10_000n);
    await expect(d.tasks.finalizeTask(1n, 1, value(-7n), executors, h3, proofOf("taskResult", leaves1, 0)))
      .to.be.revertedWithCustomError(d.tasks, "TaskRoundNotFinalizable")
      .withArgs(1n, 1, 2, 3);
    await expectSolvent(d, [1n], executors);

    // the feed: newest round wins, an older round or a value without a proof is refused
    await expect(feed.update(1, -7n, executors, h3, proofOf("taskResult", leaves1, 0)))
      .to.emit(feed, "FeedUpdated")
      .withArgs(1, -7n, 3n);
    expect(await feed.latest()).to.deep.equal([-7n, 1n, 3n]);
    await expect(feed.update(0, 100n, executors, h1, proofOf("taskResult", leaves0, 0)))
      .to.be.revertedWithCustomError(feed, "FeedRoundNotNewer")
      .withArgs(0, 1);
    const leaves2 = [[1n, 2n, value(5n), executors]];
    const h5 = await certifyTasks(5n, leaves2);
    await expect(feed.update(2, 6n, executors, h5, proofOf("taskResult", leaves2, 0)))
      .to.be.revertedWithCustomError(feed, "FeedInvalidProof")
      .withArgs(2);
    const uncertified = makeHeader({ epoch: 2n, height: 9n, taskRoot: rootOf("taskResult", leaves2) });
    await expect(
      feed.update(2, 5n, executors, uncertified, proofOf("taskResult", leaves2, 0)),
    ).to.be.revertedWithCustomError(d.checkpoints, "CheckpointNotCertified");

    // the last round closes the task; every round was paid, nothing to refund
    await expect(d.tasks.finalizeTask(1n, 2, value(5n), executors, h5, proofOf("taskResult", leaves2, 0))).not.to.emit(
      d.tasks,
      "TaskRefunded",
    );
    expect((await d.tasks.getTask(1n)).status).to.equal(2n); // Finalized
    expect(await d.tasks.earnings(executors[0]!)).to.equal(3n * (net(REWARD) - net(REWARD) / 2n));
    expect(await d.tasks.earnings(executors[1]!)).to.equal(3n * (net(REWARD) / 2n));
    await expectSolvent(d, [1n], executors);
  });

  it("skips a round that had no agreed result and refunds it to the poster when the last round finalizes", async () => {
    const { d, owners, user, deadline, certifyTasks, kind } = await networkHelpers.loadFixture(fixture);
    await d.tasks.connect(user).postRecurringTask(kind, ZeroHash, "", REWARD, 1, deadline, 3, 1);
    const ex = [owners[2]!.address];
    const leaves = [
      [1n, 1n, value(1n), ex],
      [1n, 2n, value(2n), ex],
    ];
    const h = await certifyTasks(3n, leaves);
    await d.tasks.finalizeTask(1n, 1, value(1n), ex, h, proofOf("taskResult", leaves, 0)); // round 0 skipped
    const before = await d.token.balanceOf(user.address);
    await expect(d.tasks.finalizeTask(1n, 2, value(2n), ex, h, proofOf("taskResult", leaves, 1)))
      .to.emit(d.tasks, "TaskRefunded")
      .withArgs(1n, user.address, REWARD);
    expect((await d.token.balanceOf(user.address)) - before).to.equal(REWARD);
    await expectSolvent(d, [1n], ex);
  });

  it("cancel refunds the rounds not yet due (a poster cannot cancel rounds that may already be certified), the rest refunds at expiry", async () => {
    const { d, owners, user, deadline, certifyTasks, kind } = await networkHelpers.loadFixture(fixture);
    await d.tasks.connect(user).postRecurringTask(kind, ZeroHash, "", REWARD, 1, deadline, 10, 4);
    const ex = [owners[3]!.address];
    await expect(d.tasks.connect(owners[0]!).cancelTask(1n))
      .to.be.revertedWithCustomError(d.tasks, "TaskNotPoster")
      .withArgs(1n, owners[0]!.address);
    await certifyTasks(6n, []); // latest height 6, interval 1: cutoff 7, rounds due at 1 and 5 stay payable
    const before = await d.token.balanceOf(user.address);
    await expect(d.tasks.connect(user).cancelTask(1n)).to.emit(d.tasks, "TaskCancelled").withArgs(1n, 2);
    expect((await d.token.balanceOf(user.address)) - before).to.equal(8n * REWARD);
    const leaves = [[1n, 1n, value(9n), ex]];
    const h = await certifyTasks(7n, leaves);
    await d.tasks.finalizeTask(1n, 1, value(9n), ex, h, proofOf("taskResult", leaves, 0));
    expect((await d.tasks.getTask(1n)).status).to.equal(2n); // round 1 was the last kept round (round 0 skipped)
    await expectSolvent(d, [1n], ex);

    // a cancel with nothing due closes the task at once and refunds everything
    await certifyTasks(8n, []);
    await d.tasks.connect(user).postRecurringTask(kind, ZeroHash, "", REWARD, 1, deadline, 5, 100);
    await d.tasks.connect(user).cancelTask(2n); // round 0 due at 9 <= cutoff 9: kept
    expect((await d.tasks.getTask(2n)).rounds).to.equal(1n);
    await networkHelpers.time.increaseTo(deadline + (await d.tasks.finalizeGracePeriod()) + 1n);
    const b2 = await d.token.balanceOf(user.address);
    await expect(d.tasks.refundTask(2n)).to.emit(d.tasks, "TaskRefunded").withArgs(2n, user.address, REWARD);
    expect((await d.token.balanceOf(user.address)) - b2).to.equal(REWARD);
    await expect(d.tasks.connect(user).cancelTask(2n))
      .to.be.revertedWithCustomError(d.tasks, "TaskNotOpen")
      .withArgs(2n, 3n);
    await expectSolvent(d, [1n, 2n], ex);
  });

  it("rejects bad series: zero rounds, zero period, too many rounds, a total reward above 2^96", async () => {
    const { d, user, deadline, kind } = await networkHelpers.loadFixture(fixture);
    const max = await d.tasks.MAX_ROUNDS();
    for (const [rounds, period] of [
      [0n, 1n],
      [1n, 0n],
      [max + 1n, 1n],
    ] as const) {
      await expect(d.tasks.connect(user).postRecurringTask(kind, ZeroHash, "", 1n, 1, deadline, rounds, period))
        .to.be.revertedWithCustomError(d.tasks, "TaskInvalidRounds")
        .withArgs(rounds, period);
    }
    const big = 2n ** 95n;
    await expect(d.tasks.connect(user).postRecurringTask(kind, ZeroHash, "", big, 1, deadline, 2, 1))
      .to.be.revertedWithCustomError(d.tasks, "TaskRewardTooLarge")
      .withArgs(2n * big);
  });
});
