import { expect } from "chai";
import { network } from "hardhat";
import { hexlify, keccak256, toUtf8Bytes, ZeroHash } from "ethers";
import { proofOf, resourceLeaf, rootOf } from "../../../keeper/src/checkpoint/leaves.js";
import { VoteType, checkpointDomain, voteDigest } from "../../../keeper/src/checkpoint/header.js";
import { advanceEpoch, asTimelock, deployFourOperators, OPEN } from "../../helpers/operators.js";
import { blsCertificate, headerHash, makeHeader } from "../../helpers/checkpoints.js";
import type { Header } from "../../../keeper/src/checkpoint/header.js";

const { ethers, networkHelpers } = await network.create();

describe("Rewards, evidence, PoR and tasks against certified headers", () => {
  async function fixture() {
    const { d, signers, owners, ops, bySigner } = await deployFourOperators(ethers);
    await advanceEpoch(d, networkHelpers); // epoch 1
    const e2 = await advanceEpoch(d, networkHelpers); // epoch 2: rewards of epoch 1 may be declared
    const certify = async (header: Header) => {
      await d.checkpoints.submitCheckpointBls(header, await blsCertificate(d, e2.tree, bySigner, header, [0, 1, 2, 3]));
    };
    return {
      d,
      ops,
      owners,
      bySigner,
      e2,
      certify,
      user: signers[15]!,
      delegator: signers[16]!,
      reporter: signers[17]!,
    };
  }

  describe("rewards", () => {
    it("records a certified epoch's rewards within budget; a claim by proof reaches the stake bonded in that epoch, not a delegator who joined after it", async () => {
      const { d, owners, certify, delegator } = await networkHelpers.loadFixture(fixture);
      const operator = owners[0]!.address;
      // a delegator joins operator 0 before the rewards arrive
      await d.token.connect(owners[0]!).transfer(delegator.address, 10_000n * OPEN);
      await d.token.connect(delegator).approve(await d.staking.getAddress(), 10_000n * OPEN);
      await d.staking.connect(delegator).delegate(operator, 10_000n * OPEN, 0n);
      const before = await d.staking.poolOf(operator);

      const budget = await d.rewards.nextEpochBudget();
      expect(budget).to.be.greaterThan(0n);
      const leaves = [
        [0n, operator, budget / 2n],
        [1n, owners[1]!.address, budget / 4n],
      ];
      const total = budget / 2n + budget / 4n;
      const header = makeHeader({ epoch: 2n, height: 1n, rewardsRoot: rootOf("reward", leaves), totalRewards: total });
      await certify(header);
      const rec = await d.rewards.epochRewards(1n);
      expect(rec.total).to.equal(total);
      expect(rec.budget).to.equal(budget);

      await expect(d.rewards.claim(1n, 0n, operator, budget / 2n, proofOf("reward", leaves, 0)))
        .to.emit(d.rewards, "RewardClaimed")
        .withArgs(1n, operator, budget / 2n);
      expect(await d.rewards.credited(operator, 1n, 1n)).to.equal(budget / 2n);
      expect(await d.rewards.isClaimed(1n, operator)).to.equal(true);
      expect((await d.staking.poolOf(operator)).bondedStake).to.equal(before.bondedStake); // not pushed yet
      await expect(d.rewards.pushRewards(operator, 1n, 1n))
        .to.emit(d.rewards, "RewardsPushed")
        .withArgs(operator, budget / 2n);
      const after = await d.staking.poolOf(operator);
      expect(after.bondedStake - before.bondedStake).to.equal(budget / 2n);
      await expect(d.rewards.pushRewards(operator, 1n, 1n))
        .to.be.revertedWithCustomError(d.rewards, "RewardsNothingToPush")
        .withArgs(operator);
      // the delegator joined in epoch 2: epoch 1's reward is the stake's that was bonded then (the owner's)
      const position = await d.staking.positionOf(operator, delegator.address);
      expect(position.stake).to.equal(10_000n * OPEN);
      expect((await d.staking.positionOf(operator, operator)).stake).to.be.closeTo(40_000n * OPEN + budget / 2n, 10n);

      await expect(d.rewards.claim(1n, 0n, operator, budget / 2n, proofOf("reward", leaves, 0)))
        .to.be.revertedWithCustomError(d.rewards, "RewardsAlreadyClaimed")
        .withArgs(1n, operator);
      await expect(
        d.rewards.claim(1n, 1n, owners[1]!.address, budget, proofOf("reward", leaves, 1)),
      ).to.be.revertedWithCustomError(d.rewards, "RewardsInvalidProof");
    });

    it("a reward pushed after the epoch following its own is over returns to the free pool (RewardsExpired): later deposits would share it", async () => {
      const { d, owners, certify } = await networkHelpers.loadFixture(fixture);
      const operator = owners[0]!.address;
      const amount = (await d.rewards.nextEpochBudget()) / 2n;
      const leaves = [[0n, operator, amount]];
      await certify(makeHeader({ epoch: 2n, height: 1n, rewardsRoot: rootOf("reward", leaves), totalRewards: amount }));
      await d.rewards.claim(1n, 0n, operator, amount, proofOf("reward", leaves, 0));
      await advanceEpoch(d, networkHelpers); // epoch 3: epoch 2, the one after epoch 1, is over
      const pool = await d.staking.poolOf(operator);
      const free = await d.rewards.freePool();
      await expect(d.rewards.pushRewards(operator, 1n, 1n))
        .to.emit(d.rewards, "RewardsExpired")
        .withArgs(operator, 1n, amount)
        .and.not.to.emit(d.rewards, "RewardsPushed");
      expect((await d.staking.poolOf(operator)).bondedStake).to.equal(pool.bondedStake);
      expect(await d.rewards.freePool()).to.equal(free + amount);
      expect(await d.rewards.credited(operator, 0n, 3n)).to.equal(0n);
      await expect(d.rewards.pushRewards(operator, 1n, 1n))
        .to.be.revertedWithCustomError(d.rewards, "RewardsNothingToPush")
        .withArgs(operator);
    });

    it("keeps one claims word per operator and 128-epoch window: claims of two windows, a push of a range, no re-claim", async () => {
      const { d, owners } = await networkHelpers.loadFixture(fixture);
      const operator = owners[0]!.address;
      // The checkpoint store is the only recorder; impersonate it to record epochs far apart.
      const store = await d.checkpoints.getAddress();
      await networkHelpers.impersonateAccount(store);
      await networkHelpers.setBalance(store, 10n ** 20n);
      const recorder = await ethers.getSigner(store);
      const trees = new Map<bigint, (string | bigint)[][]>();
      for (const [epoch, amount] of [
        [1n, 3n * OPEN],
        [127n, 5n * OPEN],
        [128n, 7n * OPEN],
      ] as const) {
        const leaves = [
          [0n, owners[1]!.address, 1n * OPEN],
          [1n, operator, amount],
        ];
        trees.set(epoch, leaves);
        await d.rewards.connect(recorder).recordEpochRewards(epoch, rootOf("reward", leaves), 1n * OPEN + amount);
        const claim = d.rewards.claim(epoch, 1n, operator, amount, proofOf("reward", leaves, 1));
        // a window holds one unpushed reward: once epoch 127 is recorded, epoch 1's can no longer reach the stake
        // that earned it (its next epoch is over), so it returns to the free pool
        if (epoch === 127n)
          await expect(claim)
            .to.emit(d.rewards, "RewardsExpired")
            .withArgs(operator, 1n, 3n * OPEN);
        else await claim;
      }
      await networkHelpers.stopImpersonatingAccount(store);
      expect(await d.rewards.credited(operator, 0n, 127n)).to.equal(5n * OPEN); // window 0: epoch 127
      expect(await d.rewards.credited(operator, 128n, 128n)).to.equal(7n * OPEN); // window 1
      expect(await d.rewards.isClaimed(2n, operator)).to.equal(false);

      // pushing window 0 only leaves window 1 credited; the claimed bits survive the push
      await expect(d.rewards.pushRewards(operator, 5n, 5n))
        .to.emit(d.rewards, "RewardsPushed")
        .withArgs(operator, 5n * OPEN);
      expect(await d.rewards.credited(operator, 0n, 128n)).to.equal(7n * OPEN);
      for (const epoch of [1n, 127n, 128n]) expect(await d.rewards.isClaimed(epoch, operator)).to.equal(true);
      await expect(d.rewards.claim(127n, 1n, operator, 5n * OPEN, proofOf("reward", trees.get(127n)!, 1)))
        .to.be.revertedWithCustomError(d.rewards, "RewardsAlreadyClaimed")
        .withArgs(127n, operator);
      // the other operator's leaf of the same epoch is still claimable: claims are per operator
      await d.rewards.claim(127n, 0n, owners[1]!.address, 1n * OPEN, proofOf("reward", trees.get(127n)!, 0));
      await expect(d.rewards.pushRewards(operator, 0n, 127n))
        .to.be.revertedWithCustomError(d.rewards, "RewardsNothingToPush")
        .withArgs(operator);
      await expect(d.rewards.pushRewards(operator, 0n, 300n))
        .to.emit(d.rewards, "RewardsPushed")
        .withArgs(operator, 7n * OPEN);
      await expect(d.rewards.claim(3n, 0n, operator, 1n, []))
        .to.be.revertedWithCustomError(d.rewards, "RewardsEpochNotRecorded")
        .withArgs(3n);
    });

    it("refuses a header that declares more rewards than the epoch's budget", async () => {
      const { d, owners, certify } = await networkHelpers.loadFixture(fixture);
      const budget = await d.rewards.nextEpochBudget();
      const leaves = [[0n, owners[0]!.address, budget + 1n]];
      const header = makeHeader({
        epoch: 2n,
        height: 1n,
        rewardsRoot: rootOf("reward", leaves),
        totalRewards: budget + 1n,
      });
      await expect(certify(header))
        .to.be.revertedWithCustomError(d.rewards, "RewardsExceedBudget")
        .withArgs(budget + 1n, budget);
    });

    it("never pays an epoch more than its declared total, even if the tree's leaves add up to more", async () => {
      const { d, owners, certify } = await networkHelpers.loadFixture(fixture);
      const leaves = [
        [0n, owners[0]!.address, 100n * OPEN],
        [1n, owners[1]!.address, 100n * OPEN],
      ];
      const header = makeHeader({
        epoch: 2n,
        height: 1n,
        rewardsRoot: rootOf("reward", leaves),
        totalRewards: 150n * OPEN,
      });
      await certify(header);
      await d.rewards.claim(1n, 0n, owners[0]!.address, 100n * OPEN, proofOf("reward", leaves, 0));
      await expect(d.rewards.claim(1n, 1n, owners[1]!.address, 100n * OPEN, proofOf("reward", leaves, 1)))
        .to.be.revertedWithCustomError(d.rewards, "RewardsEpochOverpaid")
        .withArgs(1n, 200n * OPEN, 150n * OPEN);
    });
  });

  describe("evidence", () => {
    it("slashes 5% and tombstones a double-signer; the reporter gets the bounty; replay reverts", async () => {
      const { d, ops, e2, reporter } = await networkHelpers.loadFixture(fixture);
      const v = ops[1]!.validator;
      const leafIndex = e2.set.validators.findIndex((x) => x.signer === v.signer);
      const member = e2.tree.member(leafIndex);
      const domain = checkpointDomain(31337n, await d.checkpoints.getAddress());
      const vote = (valueHash: string) => {
        const fields = { voteType: VoteType.Prevote, epoch: 2n, height: 7n, round: 1, valueHash };
        return { ...fields, signature: v.wallet.signingKey.sign(voteDigest(domain, fields)).serialized };
      };
      const evidence = {
        first: vote(keccak256(toUtf8Bytes("A"))),
        second: vote(keccak256(toUtf8Bytes("B"))),
        validator: {
          index: BigInt(leafIndex),
          signer: v.signer,
          stake: member.stake,
        },
        proof: e2.tree.signerProof(leafIndex),
      };
      // fund the bounty pool (governance would do this from the treasury)
      await d.token.connect((await ethers.getSigners())[0]!).transfer(await d.evidence.getAddress(), 1_000n * OPEN);
      const operator = ops[1]!.owner.address;
      const stakeBefore = (await d.staking.poolOf(operator)).bondedStake;
      await expect(d.evidence.connect(reporter).submitDoubleSign(evidence)).to.emit(d.evidence, "DoubleSignPunished");
      const stakeAfter = (await d.staking.poolOf(operator)).bondedStake;
      expect(stakeBefore - stakeAfter).to.equal((stakeBefore * 5n) / 100n);
      expect(await d.token.balanceOf(reporter.address)).to.equal((stakeBefore * 5n) / 100n / 10n);
      expect((await d.staking.operatorInfo(operator)).status).to.equal(4n); // Tombstoned
      await expect(d.evidence.submitDoubleSign(evidence)).to.be.revertedWithCustomError(
        d.evidence,
        "EvidenceAlreadyUsed",
      );
    });

    it("rejects votes for the same value, different heights, or signed by someone else", async () => {
      const { d, ops, e2 } = await networkHelpers.loadFixture(fixture);
      const v = ops[0]!.validator;
      const idx = e2.set.validators.findIndex((x) => x.signer === v.signer);
      const domain = checkpointDomain(31337n, await d.checkpoints.getAddress());
      const vote = (valueHash: string, height = 7n, signer = v) => {
        const fields = { voteType: VoteType.Precommit, epoch: 2n, height, round: 0, valueHash };
        return { ...fields, signature: signer.wallet.signingKey.sign(voteDigest(domain, fields)).serialized };
      };
      const base = {
        validator: {
          index: BigInt(idx),
          signer: v.signer,
          stake: e2.tree.member(idx).stake,
        },
        proof: e2.tree.signerProof(idx),
      };
      const a = keccak256("0xaa");
      await expect(d.evidence.submitDoubleSign({ ...base, first: vote(a), second: vote(a) }))
        .to.be.revertedWithCustomError(d.evidence, "EvidenceSameValue")
        .withArgs(a);
      await expect(
        d.evidence.submitDoubleSign({ ...base, first: vote(a), second: vote(keccak256("0xbb"), 8n) }),
      ).to.be.revertedWithCustomError(d.evidence, "EvidenceVotesNotComparable");
      await expect(
        d.evidence.submitDoubleSign({
          ...base,
          first: vote(a),
          second: vote(keccak256("0xbb"), 7n, ops[1]!.validator),
        }),
      )
        .to.be.revertedWithCustomError(d.evidence, "EvidenceWrongSigner")
        .withArgs(ops[1]!.validator.signer, v.signer);
    });

    it("jails and slashes 1% on certified downtime over a full window, and not before the window is full", async () => {
      const { d, ops, certify } = await networkHelpers.loadFixture(fixture);
      const window = await d.evidence.downtimeWindow();
      const down = ops[3]!.validator.signer;
      const leaves = [
        [down, 2n, window - 2n],
        [ops[0]!.validator.signer, window - 1n, 1n],
        [ops[1]!.validator.signer, 1n, 2n], // few heights recorded: not a full window
      ];
      const header = makeHeader({ epoch: 2n, height: 1n, livenessRoot: rootOf("liveness", leaves) });
      await certify(header);
      const operator = ops[3]!.owner.address;
      const before = (await d.staking.poolOf(operator)).bondedStake;
      await expect(
        d.evidence.proveDowntime(
          header,
          { signer: down, signedHeights: 2n, missedHeights: window - 2n },
          proofOf("liveness", leaves, 0),
        ),
      ).to.emit(d.evidence, "DowntimePunished");
      expect(before - (await d.staking.poolOf(operator)).bondedStake).to.equal(before / 100n);
      expect((await d.staking.operatorInfo(operator)).status).to.equal(3n); // Jailed
      await expect(
        d.evidence.proveDowntime(
          header,
          { signer: down, signedHeights: 2n, missedHeights: window - 2n },
          proofOf("liveness", leaves, 0),
        ),
      ).to.be.revertedWithCustomError(d.evidence, "EvidenceAlreadyUsed");
      await expect(
        d.evidence.proveDowntime(
          header,
          { signer: ops[0]!.validator.signer, signedHeights: window - 1n, missedHeights: 1n },
          proofOf("liveness", leaves, 1),
        ),
      ).to.be.revertedWithCustomError(d.evidence, "EvidenceNotDown");
      await expect(
        d.evidence.proveDowntime(
          header,
          { signer: ops[1]!.validator.signer, signedHeights: 1n, missedHeights: 2n },
          proofOf("liveness", leaves, 2),
        ),
      )
        .to.be.revertedWithCustomError(d.evidence, "EvidenceNotDown")
        .withArgs(1n, 2n);
    });

    it("slashes 2% and jails on a certified fault; needs a certified header", async () => {
      const { d, ops, certify } = await networkHelpers.loadFixture(fixture);
      const signer = ops[2]!.validator.signer;
      const leaves = [[signer, 1n, keccak256(toUtf8Bytes("wrong task result 42"))]];
      const header = makeHeader({ epoch: 2n, height: 1n, faultsRoot: rootOf("fault", leaves) });
      const leaf = { signer, kind: 1n, detailsHash: keccak256(toUtf8Bytes("wrong task result 42")) };
      await expect(d.evidence.proveFault(header, leaf, proofOf("fault", leaves, 0)))
        .to.be.revertedWithCustomError(d.checkpoints, "CheckpointNotCertified")
        .withArgs(1n, headerHash(header));
      await certify(header);
      const operator = ops[2]!.owner.address;
      const before = (await d.staking.poolOf(operator)).bondedStake;
      await expect(d.evidence.proveFault(header, leaf, proofOf("fault", leaves, 0))).to.emit(
        d.evidence,
        "FaultPunished",
      );
      expect(before - (await d.staking.poolOf(operator)).bondedStake).to.equal((before * 2n) / 100n);
    });
  });

  describe("Proof-of-Resource", () => {
    it("verifies an operator's proven resources against a certified porRoot", async () => {
      const { d, owners, certify } = await networkHelpers.loadFixture(fixture);
      const r = {
        cpuCores: 16n,
        bandwidthMbps: 900n,
        memoryMiB: 65536n,
        storageGiB: 4000n,
        latencyUs: 850n,
        uptimeBps: 9_950n,
      };
      const leaves = [
        resourceLeaf(owners[0]!.address, r),
        resourceLeaf(owners[1]!.address, { ...r, cpuCores: 4n, memoryMiB: 8192n, uptimeBps: 10_000n }),
      ];
      const header = makeHeader({ epoch: 2n, height: 1n, porRoot: rootOf("resource", leaves) });
      await certify(header);
      expect(
        await d.checkpoints.verifyResource(header, owners[0]!.address, r, proofOf("resource", leaves, 0)),
      ).to.equal(true);
      expect(
        await d.checkpoints.verifyResource(
          header,
          owners[0]!.address,
          { ...r, cpuCores: 32n },
          proofOf("resource", leaves, 0),
        ),
      ).to.equal(false);
      expect(
        await d.checkpoints.verifyResource(
          header,
          owners[0]!.address,
          { ...r, uptimeBps: 10_000n },
          proofOf("resource", leaves, 0),
        ),
        "a claimed uptime above the proven one fails",
      ).to.equal(false);
      const uncertified = { ...header, height: 2n };
      await expect(
        d.checkpoints.verifyResource(uncertified, owners[0]!.address, r, proofOf("resource", leaves, 0)),
      ).to.be.revertedWithCustomError(d.checkpoints, "CheckpointNotCertified");
    });
  });

  describe("tasks", () => {
    async function posted() {
      const f = await networkHelpers.loadFixture(fixture);
      const { d, user } = f;
      await d.token.connect((await ethers.getSigners())[0]!).transfer(user.address, 1_000n * OPEN);
      await d.token.connect(user).approve(await d.tasks.getAddress(), 1_000n * OPEN);
      const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
      const kind = keccak256(toUtf8Bytes("http-oracle"));
      await d.tasks
        .connect(user)
        .postTask(kind, keccak256(toUtf8Bytes("spec")), "ipfs://spec", 100n * OPEN, 2, deadline);
      return { ...f, deadline };
    }

    it("finalizes a task by proof against a certified taskRoot, pays executors and the protocol fee", async () => {
      const { d, owners, certify } = await posted();
      const executors = [owners[0]!.address, owners[1]!.address];
      const result = toUtf8Bytes("42");
      const leaves = [[1n, 0n, result, executors]];
      const header = makeHeader({ epoch: 2n, height: 1n, taskRoot: rootOf("taskResult", leaves) });
      await certify(header);
      const fee = (100n * OPEN * 500n) / 10_000n;
      await expect(d.tasks.finalizeTask(1n, 0, result, executors, header, proofOf("taskResult", leaves, 0)))
        .to.emit(d.tasks, "TaskRoundFinalized")
        .withArgs(1n, 0n, hexlify(result), executors, fee);
      expect((await d.tasks.getTask(1n)).status).to.equal(2n); // Finalized (the result is logged, not stored)
      expect(await d.tasks.earnings(executors[0]!)).to.equal((100n * OPEN - fee) / 2n);
      expect(await d.tasks.accruedFees()).to.equal(fee);
      const poolBefore = await d.rewards.pendingFees();
      await d.tasks.flushFees();
      expect((await d.rewards.pendingFees()) - poolBefore).to.equal(fee);
      const balance = await d.token.balanceOf(executors[1]!);
      await d.tasks.connect(owners[1]!).withdrawEarnings();
      expect((await d.token.balanceOf(executors[1]!)) - balance).to.equal((100n * OPEN - fee) / 2n);
      // the earnings slot keeps a sentinel: nothing left to withdraw, and the view says zero
      expect(await d.tasks.earnings(executors[1]!)).to.equal(0n);
      await expect(d.tasks.connect(owners[1]!).withdrawEarnings())
        .to.be.revertedWithCustomError(d.tasks, "TaskNothingToWithdraw")
        .withArgs(executors[1]!);
      await expect(d.tasks.connect(owners[2]!).withdrawEarnings())
        .to.be.revertedWithCustomError(d.tasks, "TaskNothingToWithdraw")
        .withArgs(owners[2]!.address);
      await expect(d.tasks.finalizeTask(1n, 0, result, executors, header, proofOf("taskResult", leaves, 0)))
        .to.be.revertedWithCustomError(d.tasks, "TaskNotOpen")
        .withArgs(1n, 2n);
    });

    it("credits an executor again after a withdrawal (from the sentinel) and pays exactly what was earned", async () => {
      const { d, owners, certify, user, deadline } = await posted();
      await d.tasks.connect(user).postTask(ZeroHash, ZeroHash, "", 10n * OPEN, 1, deadline);
      const executor = owners[2]!;
      const leaves = [
        [1n, 0n, "0x", [executor.address]],
        [2n, 0n, "0x", [executor.address]],
      ];
      const header = makeHeader({ epoch: 2n, height: 1n, taskRoot: rootOf("taskResult", leaves) });
      await certify(header);
      const net = (reward: bigint) => reward - (reward * 500n) / 10_000n;
      await d.tasks.finalizeTask(1n, 0, "0x", [executor.address], header, proofOf("taskResult", leaves, 0));
      await expect(d.tasks.connect(executor).withdrawEarnings())
        .to.emit(d.tasks, "EarningsWithdrawn")
        .withArgs(executor.address, net(100n * OPEN));
      await d.tasks.finalizeTask(2n, 0, "0x", [executor.address], header, proofOf("taskResult", leaves, 1));
      expect(await d.tasks.earnings(executor.address)).to.equal(net(10n * OPEN));
      const before = await d.token.balanceOf(executor.address);
      await d.tasks.connect(executor).withdrawEarnings();
      expect((await d.token.balanceOf(executor.address)) - before).to.equal(net(10n * OPEN));
    });

    it("rejects a wrong result, an uncertified header and too many executors", async () => {
      const { d, owners, certify } = await posted();
      const executors = [owners[0]!.address];
      const result = toUtf8Bytes("42");
      const leaves = [[1n, 0n, result, executors]];
      const header = makeHeader({ epoch: 2n, height: 1n, taskRoot: rootOf("taskResult", leaves) });
      await expect(
        d.tasks.finalizeTask(1n, 0, result, executors, header, proofOf("taskResult", leaves, 0)),
      ).to.be.revertedWithCustomError(d.checkpoints, "CheckpointNotCertified");
      await certify(header);
      await expect(d.tasks.finalizeTask(1n, 0, "0x01", executors, header, proofOf("taskResult", leaves, 0)))
        .to.be.revertedWithCustomError(d.tasks, "TaskInvalidProof")
        .withArgs(1n);
      const three = [owners[0]!.address, owners[1]!.address, owners[2]!.address];
      await expect(d.tasks.finalizeTask(1n, 0, result, three, header, []))
        .to.be.revertedWithCustomError(d.tasks, "TaskInvalidExecutors")
        .withArgs(3n, 2n);
      await expect(d.tasks.finalizeTask(9n, 0, result, executors, header, []))
        .to.be.revertedWithCustomError(d.tasks, "TaskUnknown")
        .withArgs(9n);
    });

    it("refunds an expired task to its poster only after the deadline and grace period", async () => {
      const { d, user, deadline } = await posted();
      const grace = await d.tasks.finalizeGracePeriod();
      await expect(d.tasks.refundTask(1n))
        .to.be.revertedWithCustomError(d.tasks, "TaskNotExpired")
        .withArgs(1n, deadline + grace);
      await networkHelpers.time.increaseTo(deadline + grace + 1n);
      const before = await d.token.balanceOf(user.address);
      await d.tasks.refundTask(1n);
      expect((await d.token.balanceOf(user.address)) - before).to.equal(100n * OPEN);
    });

    it("rejects bad posts: zero reward, past deadline, zero redundancy", async () => {
      const { d, user } = await posted();
      const now = BigInt(await networkHelpers.time.latest());
      await expect(
        d.tasks.connect(user).postTask(ZeroHash, ZeroHash, "", 0n, 1, now + 100n),
      ).to.be.revertedWithCustomError(d.tasks, "TaskZeroReward");
      await expect(
        d.tasks.connect(user).postTask(ZeroHash, ZeroHash, "", 1n, 1, now - 1n),
      ).to.be.revertedWithCustomError(d.tasks, "TaskDeadlineInPast");
      await expect(d.tasks.connect(user).postTask(ZeroHash, ZeroHash, "", 1n, 0, now + 100n))
        .to.be.revertedWithCustomError(d.tasks, "TaskInvalidRedundancy")
        .withArgs(0);
    });

    it("lets only governance change the fee, and caps it", async () => {
      const { d, user } = await posted();
      await expect(d.tasks.connect(user).setProtocolFee(100))
        .to.be.revertedWithCustomError(d.tasks, "AccessManagedUnauthorized")
        .withArgs(user.address);
      await asTimelock(d, ethers, networkHelpers, async (tl) => {
        await expect(d.tasks.connect(tl).setProtocolFee(2001))
          .to.be.revertedWithCustomError(d.tasks, "TaskFeeTooHigh")
          .withArgs(2001, 2000);
        await d.tasks.connect(tl).setProtocolFee(100);
      });
      expect(await d.tasks.protocolFeeBps()).to.equal(100n);
    });

    it("bounds the finalize grace period (refunds cannot be frozen) and the checkpoint interval", async () => {
      const { d } = await posted();
      const maxGrace = await d.tasks.MAX_FINALIZE_GRACE_PERIOD();
      const maxInterval = await d.checkpoints.MAX_CHECKPOINT_INTERVAL();
      await asTimelock(d, ethers, networkHelpers, async (tl) => {
        await expect(d.tasks.connect(tl).setFinalizeGracePeriod(maxGrace + 1n))
          .to.be.revertedWithCustomError(d.tasks, "TaskGracePeriodTooLong")
          .withArgs(maxGrace + 1n, maxGrace);
        await d.tasks.connect(tl).setFinalizeGracePeriod(maxGrace);
        await expect(d.checkpoints.connect(tl).setCheckpointInterval(maxInterval + 1n))
          .to.be.revertedWithCustomError(d.checkpoints, "CheckpointInvalidInterval")
          .withArgs(maxInterval + 1n);
        await d.checkpoints.connect(tl).setCheckpointInterval(maxInterval);
      });
    });
  });
});
