// What the integration guide's claim and proof steps need before an integrator can run them: four
// registered validators, two epochs, and one certified checkpoint carrying a rewards root (one leaf
// per validator) and a PoR root. Signed with real keys, exactly as keepers certify one; the proofs
// are written in the shape a keeper serves them (`/rewards`: RewardsReport).
import { JsonRpcProvider, hexlify, toUtf8Bytes } from "ethers";
import { treeOfEpoch, epochSetFromEventArgs } from "../../keeper/src/checkpoint/epoch.js";
import type { Header } from "../../keeper/src/checkpoint/header.js";
import { proofOf, resourceLeaf, rootOf } from "../../keeper/src/checkpoint/leaves.js";
import type { RewardsReport } from "../../keeper/src/bft/service.js";
import { proofOfPossession } from "../../keeper/src/crypto/bls.js";
import type { Deployed } from "../../scripts/lib/deploy.js";
import { blsCertificate, makeHeader } from "../helpers/checkpoints.js";
import { makeValidators, type TestValidator } from "../helpers/validators.js";

const OPEN = 10n ** 18n;

export interface CertifiedEpoch {
  /** the reward leaves of epoch 1, as a keeper's /rewards serves them */
  rewards: RewardsReport;
  /** a proven-resources leaf of each validator operator, with its proof against the certified header */
  resources: Array<{ operator: string; resources: Record<string, string>; proof: string[] }>;
  /** the certified header (epoch 2, height 1), decimal strings for numbers */
  header: Record<string, string>;
  operators: string[];
}

/** Registers accounts `ownerIndices` as validators, advances two epochs and certifies one header. */
export async function certifyAnEpoch(
  d: Deployed,
  provider: JsonRpcProvider,
  ownerIndices: number[],
): Promise<CertifiedEpoch> {
  const validators = makeValidators(ownerIndices.length, () => 20_000n * OPEN, "package");
  const staking = await d.staking.getAddress();
  const owners: string[] = [];
  for (const [i, accountIndex] of ownerIndices.entries()) {
    const owner = await provider.getSigner(accountIndex);
    const v = validators[i]!;
    await (await d.token.transfer(owner.address, v.stake)).wait(); // the deployer holds the fundraising share
    await (await d.token.connect(owner).approve(staking, v.stake)).wait();
    await (
      await d.staking.connect(owner).register({
        signer: v.signer,
        blsPubkey: hexlify(v.blsPubkey),
        blsProofOfPossession: hexlify(proofOfPossession(v.blsSecret, owner.address)),
        peerId: hexlify(toUtf8Bytes(`package-validator-${i}`)),
        endpoint: `/ip4/127.0.0.1/tcp/${41000 + i}`,
        resources: { cpuCores: 8n, bandwidthMbps: 1000n, memoryMiB: 16384n, storageGiB: 500n },
        commissionWad: 10n ** 17n,
        stake: v.stake,
      })
    ).wait();
    owners.push(owner.address);
  }
  const advance = async () => {
    const next = Number(await d.validatorSets.nextEpochTime());
    const now = (await provider.getBlock("latest"))!.timestamp;
    if (next > now) await provider.send("evm_increaseTime", [next - now + 1]);
    const receipt = (await (await d.validatorSets.advanceEpoch()).wait())!;
    const [log] = await d.validatorSets.queryFilter(
      d.validatorSets.filters.EpochAdvanced(),
      receipt.blockNumber,
      receipt.blockNumber,
    );
    return treeOfEpoch(epochSetFromEventArgs(log!.args, receipt.blockNumber));
  };
  await advance(); // epoch 1: the set is frozen
  const tree = await advance(); // epoch 2: its first header declares epoch 1's rewards

  const budget = await d.rewards.nextEpochBudget();
  const share = budget / BigInt(owners.length + 1);
  const rewardLeaves = owners.map((op, i) => [BigInt(i), op, share]);
  const proven = {
    cpuCores: 16n,
    bandwidthMbps: 900n,
    memoryMiB: 65536n,
    storageGiB: 4000n,
    latencyUs: 700n,
    uptimeBps: 10_000n,
  };
  const resourceLeaves = owners.map((op) => resourceLeaf(op, proven));
  const header: Header = makeHeader({
    epoch: 2n,
    height: 1n,
    rewardsRoot: rootOf("reward", rewardLeaves),
    totalRewards: share * BigInt(owners.length),
    porRoot: rootOf("resource", resourceLeaves),
  });
  const bySigner = new Map<string, TestValidator>(validators.map((v) => [v.signer, v]));
  const certificate = await blsCertificate(d, tree, bySigner, header, [0, 1, 2, 3]);
  await (await d.checkpoints.submitCheckpointBls(header, certificate)).wait();

  return {
    rewards: {
      "1": {
        root: header.rewardsRoot,
        total: header.totalRewards.toString(),
        leaves: owners.map((operator, i) => ({
          index: i,
          operator,
          amount: share.toString(),
          service: "0",
          proof: proofOf("reward", rewardLeaves, i),
        })),
      },
    },
    resources: owners.map((operator, i) => ({
      operator,
      resources: Object.fromEntries(Object.entries(proven).map(([k, v]) => [k, v.toString()])),
      proof: proofOf("resource", resourceLeaves, i),
    })),
    header: Object.fromEntries(Object.entries(header).map(([k, v]) => [k, String(v)])),
    operators: owners,
  };
}
