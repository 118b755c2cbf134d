// Operators registered on the real deployed protocol with real keys (ECDSA signer + BLS key with
// proof of possession), and epoch advancement that returns the frozen set as keepers see it.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import { hexlify, toUtf8Bytes } from "ethers";
import { proofOfPossession } from "../../keeper/src/crypto/bls.js";
import { epochSetFromEventArgs, treeOfEpoch, type EpochSet } from "../../keeper/src/checkpoint/epoch.js";
import type { ValidatorSetTree } from "../../keeper/src/checkpoint/validator-set.js";
import type { Deployed } from "../../scripts/lib/deploy.js";
import { deployLocal } from "./protocol.js";
import { makeValidators, type TestValidator } from "./validators.js";

export const OPEN = 10n ** 18n;

export interface RegisteredOperator {
  owner: HardhatEthersSigner;
  validator: TestValidator;
}

/** Registers one operator per owner, with the given self-stakes (OPEN wei). */
export async function registerOperators(
  d: Deployed,
  owners: HardhatEthersSigner[],
  stakes: bigint[],
  label = "op",
): Promise<RegisteredOperator[]> {
  const validators = makeValidators(owners.length, (i) => stakes[i]!, label);
  const stakingAddress = await d.staking.getAddress();
  const out: RegisteredOperator[] = [];
  for (const [i, owner] of owners.entries()) {
    const v = validators[i]!;
    await (await d.token.connect(owner).approve(stakingAddress, stakes[i]!)).wait();
    await (
      await d.staking.connect(owner).register({
        signer: v.signer,
        blsPubkey: hexlify(v.blsPubkey),
        blsProofOfPossession: hexlify(proofOfPossession(v.blsSecret, owner.address)),
        peerId: hexlify(toUtf8Bytes(`${label}-peer-${i}`)),
        endpoint: `/ip4/127.0.0.1/tcp/${40000 + i}`,
        resources: { cpuCores: 8n, bandwidthMbps: 1000n, memoryMiB: 16384n, storageGiB: 500n },
        commissionWad: 10n ** 17n,
        stake: stakes[i]!,
      })
    ).wait();
    out.push({ owner, validator: v });
  }
  return out;
}

/** Waits out the epoch and advances it; returns the frozen set (from the event) and its tree. */
export async function advanceEpoch(
  d: Deployed,
  networkHelpers: NetworkHelpers,
): Promise<{ set: EpochSet; tree: ValidatorSetTree }> {
  const next = await d.validatorSets.nextEpochTime();
  const now = BigInt(await networkHelpers.time.latest());
  if (next > now) await networkHelpers.time.increaseTo(next);
  const receipt = await (await d.validatorSets.advanceEpoch()).wait();
  const block = receipt!.blockNumber;
  const [log] = await d.validatorSets.queryFilter(d.validatorSets.filters.EpochAdvanced(), block, block);
  if (log) {
    const set = epochSetFromEventArgs(log.args, block);
    return { set, tree: treeOfEpoch(set) };
  }
  throw new Error("advanceEpoch emitted no EpochAdvanced");
}

/** Runs `fn` as the timelock (what a passed proposal does), for tests of restricted paths. */
export async function asTimelock<T>(
  d: Deployed,
  ethers: HardhatEthers,
  networkHelpers: NetworkHelpers,
  fn: (timelock: HardhatEthersSigner) => Promise<T>,
): Promise<T> {
  const address = await d.timelock.getAddress();
  await networkHelpers.impersonateAccount(address);
  await networkHelpers.setBalance(address, 10n ** 20n);
  const signer = await ethers.getSigner(address);
  try {
    return await fn(signer);
  } finally {
    await networkHelpers.stopImpersonatingAccount(address);
  }
}

/** The self-stakes of the usual 4-operator set: any 3 of the top 3 hold 90 of 100. */
export const FOUR_STAKES = [40_000n, 30_000n, 20_000n, 10_000n].map((x) => x * OPEN);

/**
 * The protocol deployed with accounts 1-4 registered as operators (FOUR_STAKES), not yet in a
 * frozen set: the fixture most contract tests start from.
 */
export async function deployFourOperators(ethers: HardhatEthers): Promise<{
  d: Deployed;
  signers: HardhatEthersSigner[];
  owners: HardhatEthersSigner[];
  ops: RegisteredOperator[];
  bySigner: Map<string, TestValidator>;
}> {
  const d = await deployLocal(ethers);
  const signers = await ethers.getSigners();
  const owners = signers.slice(1, 5);
  const ops = await registerOperators(d, owners, FOUR_STAKES);
  const bySigner = new Map<string, TestValidator>(ops.map((o) => [o.validator.signer, o.validator]));
  return { d, signers, owners, ops, bySigner };
}
