// Epochs and frozen validator sets: the on-chain root equals @openzeppelin/merkle-tree's StandardMerkleTree
// root, the aggregate key equals the keeper's aggregatePublicKeys, the set is exactly the top maxValidators
// Active operators (checked against a model after random stake changes), and the epoch clock.
import { expect } from "chai";
import { network } from "hardhat";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { AbiCoder, concat, getBytes, hexlify, keccak256, ZeroHash } from "ethers";
import { aggregatePublicKeys } from "../../../keeper/src/crypto/bls.js";
import { EPOCH_LENGTH, MIN_STAKE, OPEN, deployStaking, registerOperator, type StakingFixture } from "./fixtures.js";

const { ethers, networkHelpers } = await network.create();

const KEY_ENCODING = ["uint256", "bytes32", "uint256"];
const SIGNER_ENCODING = ["uint256", "address", "uint256"];
const abi = AbiCoder.defaultAbiCoder();

interface Member {
  operator: string;
  signer: string;
  stake: bigint;
  blsPubkey: string;
}

async function advance(f: StakingFixture) {
  const tx = await f.validatorSets.advanceEpoch();
  const receipt = (await tx.wait())!;
  const log = receipt.logs.map((l) => f.validatorSets.interface.parseLog(l)).find((l) => l?.name === "EpochAdvanced")!;
  const members: Member[] = log.args.validators.map((v: Member) => ({
    operator: v.operator,
    signer: v.signer,
    stake: v.stake,
    blsPubkey: v.blsPubkey,
  }));
  return { args: log.args, members, receipt };
}

/** Expected set order: descending stake, ties by ascending operator address. */
function bySetOrder(a: { operator: string; stake: bigint }, b: { operator: string; stake: bigint }) {
  if (a.stake !== b.stake) return a.stake > b.stake ? -1 : 1;
  return BigInt(a.operator) < BigInt(b.operator) ? -1 : 1;
}

const byAddress = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : 1);

/** The set commitment built independently with the JS library: keys and signers trees, root = sorted-pair hash. */
function setTrees(members: readonly Member[]) {
  const keys = StandardMerkleTree.of(
    members.map((m, i) => [BigInt(i), keccak256(m.blsPubkey), m.stake]),
    KEY_ENCODING,
  );
  const signers = StandardMerkleTree.of(
    members.map((m, i) => [BigInt(i), m.signer, m.stake]),
    SIGNER_ENCODING,
  );
  const [a, b] = [keys.root, signers.root].sort(byAddress);
  return { keys, signers, root: keccak256(concat([a!, b!])) };
}

describe("ValidatorSetManager: epochs and frozen validator sets", () => {
  const empty = () => deployStaking(ethers);

  /** Seven operators; two pairs with equal stakes to exercise the tie rule. */
  async function withOperators() {
    const f = await deployStaking(ethers);
    const stakes = [12n, 30n, 12n, 25n, 40n, 25n, 10n].map((k) => k * 1_000n * OPEN);
    for (const [i, stake] of stakes.entries()) await registerOperator(f, f.accounts[i]!, `op${i}`, { stake });
    return f;
  }

  it("starts at the genesis epoch 0 with an empty set, which can be left at once", async () => {
    const f = await networkHelpers.loadFixture(empty);
    expect(await f.validatorSets.currentEpoch()).to.equal(0n);
    const genesis = await f.validatorSets.epochInfo(0n);
    expect(await f.validatorSets.nextEpochTime()).to.equal(genesis.startTime);
    expect(await f.validatorSets.epochValidatorSet(0n)).to.deep.equal([ZeroHash, 0n, ZeroHash, 0n]);
    const { args } = await advance(f);
    // Nobody registered: an empty set has a zero root, zero aggregate hash and no aggregate key.
    expect(args.epoch).to.equal(1n);
    expect(args.validatorSetRoot).to.equal(ZeroHash);
    expect(args.aggregatePubkey).to.equal("0x");
    expect(await f.validatorSets.epochValidatorSet(1n)).to.deep.equal([ZeroHash, 0n, ZeroHash, 0n]);
  });

  it("stores the StandardMerkleTree root and the aggregate of the members' keys, ordered by stake then address", async () => {
    const f = await networkHelpers.loadFixture(withOperators);
    const { args, members } = await advance(f);

    expect(members.length).to.equal(7);
    expect([...members].sort(bySetOrder)).to.deep.equal(members);
    const tieA = members.filter((m) => m.stake === 25_000n * OPEN);
    expect(BigInt(tieA[0]!.operator) < BigInt(tieA[1]!.operator)).to.equal(true);

    const tree = setTrees(members);
    const aggregate = hexlify(aggregatePublicKeys(members.map((m) => getBytes(m.blsPubkey))));
    const total = members.reduce((s, m) => s + m.stake, 0n);
    const [root, totalStake, aggregateHash, count] = await f.validatorSets.epochValidatorSet(1n);
    expect(root).to.equal(tree.root);
    expect(args.validatorSetRoot).to.equal(tree.root);
    expect(args.aggregatePubkey).to.equal(aggregate);
    expect(aggregateHash).to.equal(keccak256(aggregate));
    expect(totalStake).to.equal(total);
    expect(args.totalStake).to.equal(total);
    expect(count).to.equal(7n);

    // Members prove their signers-tree leaf against the stored root with the JS library's proofs (then the keys
    // tree's root); a wrong stake does not, nor a proof that stops at the signers tree's root.
    for (const [i, m] of members.entries()) {
      const proof = [...tree.signers.getProof(i), tree.keys.root];
      expect(await f.validatorSets.verifyValidator(1n, i, m.signer, m.stake, proof)).to.equal(true);
      const signerInner = keccak256(abi.encode(SIGNER_ENCODING, [i, m.signer, m.stake]));
      expect(await f.validatorSets.signerLeaf(i, m.signer, m.stake)).to.equal(keccak256(signerInner));
      const keyInner = keccak256(abi.encode(KEY_ENCODING, [i, keccak256(m.blsPubkey), m.stake]));
      expect(await f.validatorSets.keyLeaf(i, keccak256(m.blsPubkey), m.stake)).to.equal(keccak256(keyInner));
    }
    const m0 = members[0]!;
    const proof0 = [...tree.signers.getProof(0), tree.keys.root];
    expect(await f.validatorSets.verifyValidator(1n, 0, m0.signer, m0.stake + 1n, proof0)).to.equal(false);
    expect(await f.validatorSets.verifyValidator(1n, 0, m0.signer, m0.stake, tree.signers.getProof(0))).to.equal(false);
  });

  it("matches StandardMerkleTree for every set size from 1 to 9", async () => {
    const f = await networkHelpers.loadFixture(empty);
    for (let n = 1; n <= 9; n++) {
      await registerOperator(f, f.accounts[n - 1]!, `size${n}`, { stake: MIN_STAKE + BigInt(n) * OPEN });
      await networkHelpers.time.increase(EPOCH_LENGTH);
      const { members } = await advance(f);
      expect(members.length).to.equal(n);
      const tree = setTrees(members);
      const [root, , aggregateHash] = await f.validatorSets.epochValidatorSet(await f.validatorSets.currentEpoch());
      expect(root, `root for ${n} members`).to.equal(tree.root);
      expect(aggregateHash).to.equal(keccak256(aggregatePublicKeys(members.map((m) => getBytes(m.blsPubkey)))));
    }
  });

  it("freezes the set: stake changes during an epoch only show in the next epoch's set", async () => {
    const f = await networkHelpers.loadFixture(withOperators);
    await advance(f);
    const frozen = await f.validatorSets.epochValidatorSet(1n);
    await f.staking.connect(f.accounts[10]!).delegate(f.accounts[6]!.address, 100_000n * OPEN, 0n);
    expect(await f.validatorSets.epochValidatorSet(1n)).to.deep.equal(frozen);
    await networkHelpers.time.increase(EPOCH_LENGTH);
    const { members } = await advance(f);
    expect(members[0]!.operator).to.equal(f.accounts[6]!.address);
    expect(members[0]!.stake).to.equal(110_000n * OPEN);
  });

  it("keeps only the top maxValidators, excluding jailed, tombstoned and Inactive operators", async () => {
    const f = await networkHelpers.loadFixture(withOperators);
    await expect(f.staking.setMaxValidators(3)).to.emit(f.staking, "MaxValidatorsSet").withArgs(100n, 3n);
    const addr = (i: number) => f.accounts[i]!.address;
    const [tie25] = [addr(3), addr(5)].sort(byAddress);
    expect((await f.staking.validatorCandidates()).map((v) => v.operator)).to.deep.equal([addr(4), addr(1), tie25]);
    await f.staking.jail(addr(4));
    await f.staking.tombstone(addr(1));
    await f.staking.connect(f.accounts[6]!).requestUnbonding(10_000n * OPEN); // op6 leaves: Inactive
    const { members } = await advance(f);
    const [tie12] = [addr(0), addr(2)].sort(byAddress);
    expect(members.map((m) => m.operator)).to.deep.equal([...[addr(3), addr(5)].sort(byAddress), tie12]);
    // Growing the set takes the next best at once.
    await f.staking.setMaxValidators(10);
    expect((await f.staking.validatorCandidates()).length).to.equal(4);
  });

  it("always equals the model top set after random stake changes (ranking maintained incrementally)", async () => {
    const f = await networkHelpers.loadFixture(empty);
    const operators = f.accounts.slice(0, 10);
    for (const [i, op] of operators.entries()) {
      await registerOperator(f, op, `rand${i}`, { stake: MIN_STAKE + BigInt(i % 3) * 1_000n * OPEN });
    }
    await f.staking.setMaxValidators(4);
    const delegators = f.accounts.slice(10, 16);
    let seed = 12345n;
    const next = (mod: number) => {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      return Number(seed >> 33n) % mod;
    };
    for (let step = 0; step < 40; step++) {
      const op = operators[next(operators.length)]!.address;
      const delegator = delegators[next(delegators.length)]!;
      const [shares] = await f.staking.positionOf(op, delegator.address);
      if (shares > 0n && next(3) === 0) {
        await f.staking.connect(delegator).undelegate(op, shares / 2n + 1n);
      } else if (next(5) === 0) {
        await f.staking.slash(op, 10n ** 16n * BigInt(1 + next(10)), 1, 0n, 0n);
      } else {
        const amount = BigInt(1 + next(5000)) * OPEN;
        const pool = (await f.staking.poolOf(op)).bondedStake;
        if (pool < MIN_STAKE) {
          // a slash took the pool below the minimum: it takes no delegation until its owner tops it up
          await expect(f.staking.connect(delegator).delegate(op, amount, 0n))
            .to.be.revertedWithCustomError(f.staking, "StakingBelowMinimum")
            .withArgs(pool, MIN_STAKE);
        } else {
          await f.staking.connect(delegator).delegate(op, amount, 0n);
        }
      }
      const all = await Promise.all(
        operators.map(async (o) => ({ operator: o.address, stake: (await f.staking.poolOf(o.address)).bondedStake })),
      );
      const expected = all.sort(bySetOrder).slice(0, 4);
      const actual = (await f.staking.validatorCandidates()).map((v) => ({ operator: v.operator, stake: v.stake }));
      expect(actual, `step ${step}`).to.deep.equal(expected);
    }
  });

  it("reverts an early advance with ValidatorSetEpochNotOver(epoch, end, now)", async () => {
    const f = await networkHelpers.loadFixture(withOperators);
    const { args } = await advance(f);
    const end = BigInt(args.startTime) + EPOCH_LENGTH;
    await networkHelpers.time.setNextBlockTimestamp(end - 1n);
    await expect(f.validatorSets.advanceEpoch())
      .to.be.revertedWithCustomError(f.validatorSets, "ValidatorSetEpochNotOver")
      .withArgs(1n, end, end - 1n);
    await networkHelpers.time.setNextBlockTimestamp(end);
    await expect(f.validatorSets.connect(f.accounts[15]!).advanceEpoch()).to.emit(f.validatorSets, "EpochAdvanced");
    expect(await f.validatorSets.currentEpoch()).to.equal(2n);
    expect((await f.validatorSets.epochInfo(2n)).startTime).to.equal(end);
  });

  it("reverts reads of epochs that have not started with ValidatorSetUnknownEpoch(epoch, current)", async () => {
    const f = await networkHelpers.loadFixture(withOperators);
    await expect(f.validatorSets.epochValidatorSet(1n))
      .to.be.revertedWithCustomError(f.validatorSets, "ValidatorSetUnknownEpoch")
      .withArgs(1n, 0n);
    await expect(f.validatorSets.epochInfo(3n))
      .to.be.revertedWithCustomError(f.validatorSets, "ValidatorSetUnknownEpoch")
      .withArgs(3n, 0n);
  });

  it("lets governance change the epoch length within bounds; the current epoch ends by the new length", async () => {
    const f = await networkHelpers.loadFixture(withOperators);
    const { args } = await advance(f);
    await expect(f.validatorSets.setEpochLength(60))
      .to.emit(f.validatorSets, "EpochLengthSet")
      .withArgs(EPOCH_LENGTH, 60n);
    expect(await f.validatorSets.nextEpochTime()).to.equal(BigInt(args.startTime) + 60n);
    await expect(f.validatorSets.setEpochLength(0))
      .to.be.revertedWithCustomError(f.validatorSets, "ValidatorSetInvalidEpochLength")
      .withArgs(0n, 1n, 30n * 24n * 3600n);
    await expect(f.validatorSets.setEpochLength(30n * 24n * 3600n + 1n))
      .to.be.revertedWithCustomError(f.validatorSets, "ValidatorSetInvalidEpochLength")
      .withArgs(30n * 24n * 3600n + 1n, 1n, 30n * 24n * 3600n);
    await expect(f.validatorSets.connect(f.accounts[15]!).setEpochLength(60))
      .to.be.revertedWithCustomError(f.validatorSets, "AccessManagedUnauthorized")
      .withArgs(f.accounts[15]!.address);
    expect(await f.validatorSets.staking()).to.equal(await f.staking.getAddress());
  });
});
