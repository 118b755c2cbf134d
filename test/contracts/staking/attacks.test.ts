// Issue 15: each attack of the outside review, performed step by step on the real deploy fixture.
// Every test here failed on the code before the fix (see the branch's commit messages).
import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toUtf8Bytes, hexlify } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { proofOf, rootOf } from "../../../keeper/src/checkpoint/leaves.js";
import { VoteType, checkpointDomain, voteDigest, type Header } from "../../../keeper/src/checkpoint/header.js";
import { proofOfPossession } from "../../../keeper/src/crypto/bls.js";
import { advanceEpoch, deployFourOperators, OPEN } from "../../helpers/operators.js";
import { blsCertificate, headerHash, makeHeader } from "../../helpers/checkpoints.js";
import type { TestValidator } from "../../helpers/validators.js";
import type { ValidatorSetTree } from "../../../keeper/src/checkpoint/validator-set.js";
import type { Deployed } from "../../../scripts/lib/deploy.js";

const { ethers, networkHelpers } = await network.create();

describe("Stake economics under attack (issue 15)", () => {
  async function fixture() {
    const { d, signers, owners, ops, bySigner } = await deployFourOperators(ethers);
    const fund = async (who: HardhatEthersSigner, amount: bigint) => {
      await d.token.connect(owners[0]!).transfer(who.address, amount);
      await d.token.connect(who).approve(await d.staking.getAddress(), amount);
    };
    const certifyWith = async (tree: ValidatorSetTree, header: Header) => {
      const indices = tree.members.map((_, i) => i);
      await d.checkpoints.submitCheckpointBls(header, await blsCertificate(d, tree, bySigner, header, indices));
    };
    return { d, ops, owners, bySigner, fund, certifyWith, signers };
  }

  /** Two conflicting prevotes of `v` at (epoch, height), with its membership in `tree`. */
  async function doubleSign(d: Deployed, tree: ValidatorSetTree, v: TestValidator, epoch: bigint, height: bigint) {
    const idx = tree.members.findIndex((m) => m.signer === v.signer);
    const domain = checkpointDomain(31337n, await d.checkpoints.getAddress());
    const vote = (valueHash: string) => {
      const fields = { voteType: VoteType.Prevote, epoch, height, round: 0, valueHash };
      return { ...fields, signature: v.wallet.signingKey.sign(voteDigest(domain, fields)).serialized };
    };
    return {
      first: vote(keccak256(toUtf8Bytes(`A${height}`))),
      second: vote(keccak256(toUtf8Bytes(`B${height}`))),
      validator: { index: BigInt(idx), signer: v.signer, stake: tree.member(idx).stake },
      proof: tree.signerProof(idx),
    };
  }

  it("attack 1: a reward push cannot be sandwiched: an account never bonded in epoch e that claims, delegates, pushes and undelegates in one block gets nothing of e's reward", async () => {
    const { d, ops, owners, fund, certifyWith, signers } = await networkHelpers.loadFixture(fixture);
    const operator = ops[0]!.owner.address;
    const [victim, attacker] = [signers[12]!, signers[13]!];
    // the victim backs operator 0 before epoch 1 starts: it is bonded for all of epoch 1
    await fund(victim, 100_000n * OPEN);
    await d.staking.connect(victim).delegate(operator, 100_000n * OPEN, 0n);
    await advanceEpoch(d, networkHelpers); // epoch 1: frozen with the victim's stake
    const e2 = await advanceEpoch(d, networkHelpers); // epoch 2: epoch 1 is over
    // the first header of epoch 2 certifies epoch 1's rewards (real BLS certificate of the frozen set)
    const budget = await d.rewards.nextEpochBudget();
    const reward = budget / 2n;
    const leaves = [
      [0n, operator, reward],
      [1n, owners[1]!.address, budget / 4n],
    ];
    await certifyWith(
      e2.tree,
      makeHeader({
        epoch: 2n,
        height: 1n,
        rewardsRoot: rootOf("reward", leaves),
        totalRewards: reward + budget / 4n,
      }),
    );
    expect((await d.rewards.epochRewards(1n)).recorded).to.equal(true);
    const victimBefore = (await d.staking.positionOf(operator, victim.address)).stake;
    const ownerBefore = (await d.staking.positionOf(operator, operator)).stake;

    // the bundle, in one transaction (claim and push are permissionless): claim epoch 1 for operator 0, delegate
    // 500k, push, undelegate everything (contracts/test/RewardSandwich.sol)
    const capital = 500_000n * OPEN;
    const sandwich = await ethers.deployContract("RewardSandwich", [], attacker);
    await d.token.connect(owners[0]!).transfer(await sandwich.getAddress(), capital);
    await sandwich.run(d.rewards, d.staking, 1n, 0n, operator, reward, proofOf("reward", leaves, 0), capital);
    const requestId = await d.staking.unbondingRequestCount();
    await networkHelpers.time.increase(await d.staking.unbondingPeriod());
    const balanceBefore = await d.token.balanceOf(attacker.address);
    await sandwich.withdraw(d.staking, requestId);
    const taken = (await d.token.balanceOf(attacker.address)) - balanceBefore;
    const victimGain = (await d.staking.positionOf(operator, victim.address)).stake - victimBefore;
    const ownerGain = (await d.staking.positionOf(operator, operator)).stake - ownerBefore;
    console.log(
      `      attacker paid ${capital / OPEN} OPEN, withdrew ${taken} wei (gain ${taken - capital} wei) of a ` +
        `${reward} wei reward; victim +${victimGain} wei, owner +${ownerGain} wei`,
    );
    // the attacker gets back at most its deposit (rounding in favour of the pool)
    expect(taken).to.be.lte(capital);
    expect(taken).to.be.gte(capital - 2n);
    // the reward went to the stake bonded in epoch 1: the victim (100k) and the owner (40k + 10% commission)
    const commission = reward / 10n;
    expect(victimGain + ownerGain).to.be.gte(reward - 10n);
    expect(victimGain).to.be.gte(((reward - commission) * 100n) / 140n - 10n ** 6n);
  });

  it("attack 1, across the boundary: a delegation made in the last moments of epoch e gets none of e's reward (it was not bonded when e began), then earns e + 1's", async () => {
    const { d, ops, owners, fund, certifyWith, signers } = await networkHelpers.loadFixture(fixture);
    const operator = ops[0]!.owner.address;
    const late = signers[14]!;
    await advanceEpoch(d, networkHelpers); // epoch 1 begins: operator 0 holds only its own 40k
    await fund(late, 500_000n * OPEN);
    await d.staking.connect(late).delegate(operator, 500_000n * OPEN, 0n); // just before epoch 1 ends
    const e2 = await advanceEpoch(d, networkHelpers); // epoch 2: the late stake is in this epoch's frozen set
    expect(e2.tree.members.find((m) => m.signer === ops[0]!.validator.signer)!.stake).to.equal(540_000n * OPEN);
    const budget = await d.rewards.nextEpochBudget();
    const leaves = [
      [0n, operator, budget / 2n],
      [1n, owners[1]!.address, budget / 4n],
    ];
    const h = makeHeader({
      epoch: 2n,
      height: 1n,
      rewardsRoot: rootOf("reward", leaves),
      totalRewards: (budget * 3n) / 4n,
    });
    await certifyWith(e2.tree, h);
    await d.rewards.claim(1n, 0n, operator, budget / 2n, proofOf("reward", leaves, 0));
    await d.rewards.pushRewards(operator, 1n, 1n);
    // epoch 1's reward is the owner's (the only stake bonded when epoch 1 began)
    expect((await d.staking.positionOf(operator, late.address)).stake).to.equal(500_000n * OPEN);
    expect((await d.staking.positionOf(operator, operator)).stake).to.be.closeTo(40_000n * OPEN + budget / 2n, 10n);
    // epoch 2's reward, pushed during epoch 3, is shared with the late stake: it was bonded all through epoch 2
    const e3 = await advanceEpoch(d, networkHelpers);
    const reward2 = (await d.rewards.nextEpochBudget()) / 2n;
    const leaves2 = [[0n, operator, reward2]];
    const h3 = makeHeader({
      epoch: 3n,
      height: 2n,
      parentHash: headerHash(h),
      rewardsRoot: rootOf("reward", leaves2),
      totalRewards: reward2,
    });
    await certifyWith(e3.tree, h3);
    await d.rewards.claim(2n, 0n, operator, reward2, proofOf("reward", leaves2, 0));
    await d.rewards.pushRewards(operator, 2n, 2n);
    const lateValue = (await d.staking.positionOf(operator, late.address)).stake;
    const ownerStake = 40_000n * OPEN + budget / 2n;
    const expected = 500_000n * OPEN + ((reward2 - reward2 / 10n) * 500_000n * OPEN) / (500_000n * OPEN + ownerStake);
    expect(lateValue).to.be.closeTo(expected, 10n ** 15n);
  });

  it("attack 2: a tombstoned double-signer is slashed once; evidence of the next height of the same incident slashes nothing and pays no bounty", async () => {
    const { d, ops, signers } = await networkHelpers.loadFixture(fixture);
    await advanceEpoch(d, networkHelpers);
    const e2 = await advanceEpoch(d, networkHelpers);
    const reporter = signers[17]!;
    await d.token.connect(ops[0]!.owner).transfer(await d.evidence.getAddress(), 10_000n * OPEN);
    const operator = ops[1]!.owner.address;
    const v = ops[1]!.validator;
    const before = await d.staking.poolOf(operator);
    await d.evidence.connect(reporter).submitDoubleSign(await doubleSign(d, e2.tree, v, 2n, 7n));
    const afterFirst = await d.staking.poolOf(operator);
    expect(before.bondedStake - afterFirst.bondedStake).to.equal((before.bondedStake * 5n) / 100n);
    const bountyAfterFirst = await d.token.balanceOf(reporter.address);

    // the same key ran twice: heights 8, 9, 10 carry conflicting votes too
    for (const height of [8n, 9n, 10n]) {
      await expect(d.evidence.connect(reporter).submitDoubleSign(await doubleSign(d, e2.tree, v, 2n, height)))
        .to.be.revertedWithCustomError(d.evidence, "EvidenceOperatorTombstoned")
        .withArgs(operator);
    }
    expect((await d.staking.poolOf(operator)).bondedStake).to.equal(afterFirst.bondedStake);
    expect(await d.token.balanceOf(reporter.address)).to.equal(bountyAfterFirst);
  });

  it("attack 3: double-sign evidence older than the unbonding period is rejected", async () => {
    const { d, ops } = await networkHelpers.loadFixture(fixture);
    await advanceEpoch(d, networkHelpers);
    const e2 = await advanceEpoch(d, networkHelpers);
    const evidence = await doubleSign(d, e2.tree, ops[1]!.validator, 2n, 3n);
    const start = (await d.validatorSets.epochInfo(2n)).startTime;
    const maxAge = await d.staking.unbondingPeriod();
    await networkHelpers.time.increaseTo(start + maxAge);
    await expect(d.evidence.submitDoubleSign(evidence))
      .to.be.revertedWithCustomError(d.evidence, "EvidenceTooOld")
      .withArgs(2n, start, maxAge);
    expect((await d.staking.statusOf(ops[1]!.owner.address)) === 4n).to.equal(false);
  });

  it("attack 3: the slash is the fraction of the frozen-set stake, taken from unbonding entries made after the infraction, then pro rata from the bonded pool; a late joiner pays at most its pro-rata share", async () => {
    const { d, ops, fund, signers } = await networkHelpers.loadFixture(fixture);
    const operator = ops[1]!.owner.address;
    const [early, during, late] = [signers[14]!, signers[15]!, signers[16]!];
    await fund(early, 10_000n * OPEN);
    await fund(during, 10_000n * OPEN);
    await fund(late, 100_000n * OPEN);
    await d.staking.connect(early).delegate(operator, 10_000n * OPEN, 0n);
    await d.staking.connect(during).delegate(operator, 10_000n * OPEN, 0n);
    await advanceEpoch(d, networkHelpers); // epoch 1
    // `early` leaves before the infraction's epoch is frozen: its entry must not be slashed
    await d.staking.connect(early).undelegate(operator, (await d.staking.positionOf(operator, early.address)).shares);
    const earlyRequest = await d.staking.unbondingRequestCount();
    const e2 = await advanceEpoch(d, networkHelpers); // epoch 2: the offence happens here
    const frozenStake = e2.tree.members.find((m) => m.signer === ops[1]!.validator.signer)!.stake;
    expect(frozenStake).to.equal(40_000n * OPEN);
    // `during` was in the frozen set and leaves after the infraction: its entry is slashed first
    await d.staking.connect(during).undelegate(operator, (await d.staking.positionOf(operator, during.address)).shares);
    const duringRequest = await d.staking.unbondingRequestCount();
    await advanceEpoch(d, networkHelpers); // epoch 3
    // `late` joins long after the offence
    await d.staking.connect(late).delegate(operator, 100_000n * OPEN, 0n);
    const lateBefore = (await d.staking.positionOf(operator, late.address)).stake;
    const earlyBefore = (await d.staking.unbondingRequest(earlyRequest)).amount;
    const duringBefore = (await d.staking.unbondingRequest(duringRequest)).amount;
    const bondedBefore = (await d.staking.poolOf(operator)).bondedStake;

    const treasury = await d.staking.treasury();
    const treasuryBefore = await d.token.balanceOf(treasury);
    await d.evidence.submitDoubleSign(await doubleSign(d, e2.tree, ops[1]!.validator, 2n, 5n));
    const slashed = (await d.token.balanceOf(treasury)) - treasuryBefore;
    const amount = (frozenStake * 5n) / 100n;
    expect(slashed).to.be.lte(amount);
    expect(slashed).to.be.gte(amount - 10n);
    // the early leaver lost nothing; the entry after the infraction lost exactly the fraction
    expect((await d.staking.unbondingRequest(earlyRequest)).amount).to.equal(earlyBefore);
    const duringLoss = duringBefore - (await d.staking.unbondingRequest(duringRequest)).amount;
    expect(duringLoss).to.equal((duringBefore * 5n) / 100n);
    // the late joiner pays at most its pro-rata share of what the bonded pool pays
    const lateLoss = lateBefore - (await d.staking.positionOf(operator, late.address)).stake;
    const bondedPaid = amount - duringLoss;
    expect(lateLoss).to.be.lte((bondedPaid * lateBefore) / bondedBefore + 1n);
    expect(lateLoss).to.be.lt((lateBefore * 5n) / 100n);
  });

  it("attack 4: one window of missed heights is punished once, even when the identical leaf is certified again in the next epoch", async () => {
    const { d, ops, certifyWith } = await networkHelpers.loadFixture(fixture);
    await advanceEpoch(d, networkHelpers);
    const e2 = await advanceEpoch(d, networkHelpers);
    const window = await d.evidence.downtimeWindow();
    const down = ops[0]!.validator.signer;
    const leaves = [
      [down, 2n, window - 2n],
      [ops[1]!.validator.signer, window, 0n],
    ];
    const leaf = { signer: down, signedHeights: 2n, missedHeights: window - 2n };
    const h1 = makeHeader({ epoch: 2n, height: 30n, livenessRoot: rootOf("liveness", leaves) });
    await certifyWith(e2.tree, h1);
    await d.evidence.proveDowntime(h1, leaf, proofOf("liveness", leaves, 0));
    const operator = ops[0]!.owner.address;
    const afterFirst = (await d.staking.poolOf(operator)).bondedStake;
    // the owner unjails at once if it can (the short jail of a test config is not the point)
    const e3 = await advanceEpoch(d, networkHelpers);
    // the keeper used to carry the window into the next epoch's first header: the same leaf again
    const h2 = makeHeader({ epoch: 3n, height: 32n, livenessRoot: rootOf("liveness", leaves) });
    await certifyWith(e3.tree, h2);
    await expect(d.evidence.proveDowntime(h2, leaf, proofOf("liveness", leaves, 0)))
      .to.be.revertedWithCustomError(d.evidence, "EvidenceDowntimeWindowOverlap")
      .withArgs(down, 32n, 30n + window);
    expect((await d.staking.poolOf(operator)).bondedStake).to.equal(afterFirst);
    // a later, disjoint window while the operator is still jailed is the same absence: not punished again
    const h3 = makeHeader({ epoch: 3n, height: 30n + window, livenessRoot: rootOf("liveness", leaves) });
    await certifyWith(e3.tree, h3);
    await expect(d.evidence.proveDowntime(h3, leaf, proofOf("liveness", leaves, 0)))
      .to.be.revertedWithCustomError(d.evidence, "EvidenceOperatorJailed")
      .withArgs(operator);
  });

  it("proveFault: one fault reported by several verifiers (leaves with other details) is one offence", async () => {
    const { d, ops, certifyWith } = await networkHelpers.loadFixture(fixture);
    await advanceEpoch(d, networkHelpers);
    const e2 = await advanceEpoch(d, networkHelpers);
    const signer = ops[2]!.validator.signer;
    const leaves = [
      [signer, 1n, keccak256(toUtf8Bytes("wrong result of task 42, seen by verifier A"))],
      [signer, 1n, keccak256(toUtf8Bytes("wrong result of task 42, seen by verifier B"))],
    ];
    const header = makeHeader({ epoch: 2n, height: 40n, faultsRoot: rootOf("fault", leaves) });
    await certifyWith(e2.tree, header);
    const leaf = (i: number) => ({ signer, kind: 1n, detailsHash: leaves[i]![2] as string });
    const operator = ops[2]!.owner.address;
    const before = (await d.staking.poolOf(operator)).bondedStake;
    await d.evidence.proveFault(header, leaf(0), proofOf("fault", leaves, 0));
    const after = (await d.staking.poolOf(operator)).bondedStake;
    expect(before - after).to.equal((before * 2n) / 100n);
    const key = keccak256(
      ethers.AbiCoder.defaultAbiCoder().encode(["string", "address", "uint8", "uint64"], ["fault", signer, 1n, 2n]),
    );
    await expect(d.evidence.proveFault(header, leaf(1), proofOf("fault", leaves, 1)))
      .to.be.revertedWithCustomError(d.evidence, "EvidenceAlreadyUsed")
      .withArgs(key);
    expect((await d.staking.poolOf(operator)).bondedStake).to.equal(after);
  });

  it("attack 5: an operator that left cannot re-open its pool with 1 wei and inflate the share price against a later delegator", async () => {
    const { d, ops, fund, signers } = await networkHelpers.loadFixture(fixture);
    const owner = ops[3]!.owner;
    const operator = owner.address;
    await d.staking.connect(owner).requestUnbonding((await d.staking.positionOf(operator, operator)).shares);
    expect(await d.staking.statusOf(operator)).to.equal(2n); // Inactive, empty pool
    const minStake = await d.staking.minStake();
    await d.token.connect(owner).approve(await d.staking.getAddress(), ethers.MaxUint256);
    // the attack's first step: one share worth one wei
    await expect(d.staking.connect(owner).addStake(1n))
      .to.be.revertedWithCustomError(d.staking, "StakingBelowMinimum")
      .withArgs(1n, minStake);
    // nor can anyone else hold a dust pool for it
    const victim = signers[12]!;
    await fund(victim, 15_000n * OPEN);
    await expect(d.staking.connect(victim).delegate(operator, 1n, 0n))
      .to.be.revertedWithCustomError(d.staking, "StakingBelowMinimum")
      .withArgs(0n, minStake);
  });

  it("attack 5: a delegation whose share price moved before it landed reverts on its minShares (slippage)", async () => {
    const { d, ops, fund, signers } = await networkHelpers.loadFixture(fixture);
    const operator = ops[0]!.owner.address;
    const victim = signers[12]!;
    await fund(victim, 15_000n * OPEN);
    const expected = await d.staking.previewDelegate(operator, 15_000n * OPEN);
    // the price rises between the preview and the transaction (a reward push, here by the rewards payer)
    const store = await d.checkpoints.getAddress();
    await networkHelpers.impersonateAccount(store);
    await networkHelpers.setBalance(store, 10n ** 20n);
    const leaves = [[0n, operator, 20_000n * OPEN]];
    await d.rewards
      .connect(await ethers.getSigner(store))
      .recordEpochRewards(1n, rootOf("reward", leaves), 20_000n * OPEN);
    await d.rewards.claim(1n, 0n, operator, 20_000n * OPEN, proofOf("reward", leaves, 0));
    await d.rewards.pushRewards(operator, 1n, 1n);
    const now = await d.staking.previewDelegate(operator, 15_000n * OPEN);
    expect(now).to.be.lessThan(expected);
    await expect(d.staking.connect(victim).delegate(operator, 15_000n * OPEN, expected))
      .to.be.revertedWithCustomError(d.staking, "StakingSlippage")
      .withArgs(now, expected);
    await d.staking.connect(victim).delegate(operator, 15_000n * OPEN, now);
    expect((await d.staking.positionOf(operator, victim.address)).stake).to.be.gte(15_000n * OPEN - 2n);
  });

  it("attack 6: a BLS key and proof of possession copied from another operator's pending registration cannot be registered from another account", async () => {
    const { d, signers, fund } = await networkHelpers.loadFixture(fixture);
    const [victim, attacker] = [signers[12]!, signers[13]!];
    await fund(victim, 10_000n * OPEN);
    await fund(attacker, 10_000n * OPEN);
    const victimKey = (await import("../../helpers/validators.js")).makeValidators(1, undefined, "victim")[0]!;
    const pop = hexlify(proofOfPossession(victimKey.blsSecret, victim.address));
    const reg = (signer: string, peer: string) => ({
      signer,
      blsPubkey: hexlify(victimKey.blsPubkey),
      blsProofOfPossession: pop,
      peerId: hexlify(toUtf8Bytes(peer)),
      endpoint: "/ip4/127.0.0.1/tcp/4999",
      resources: { cpuCores: 8n, bandwidthMbps: 1000n, memoryMiB: 16384n, storageGiB: 500n },
      commissionWad: 10n ** 17n,
      stake: 10_000n * OPEN,
    });
    // the attacker front-runs with the victim's key and proof
    await expect(d.staking.connect(attacker).register(reg(attacker.address, "attacker-peer")))
      .to.be.revertedWithCustomError(d.staking, "OperatorInvalidProofOfPossession")
      .withArgs(keccak256(victimKey.blsPubkey));
    await d.staking.connect(victim).register(reg(victimKey.signer, "victim-peer"));
    expect(await d.staking.operatorOfBlsKey(keccak256(victimKey.blsPubkey))).to.equal(victim.address);
  });
});
