// What the consensus reads from the chain, at exact blocks so every keeper reads the same thing:
// each epoch's frozen validator set (from the EpochAdvanced event) and, at the block that started
// the epoch, the latest certified checkpoint (where the epoch's heights start) and the rewards
// budget of the epoch that just ended.
import type { JsonRpcProvider } from "ethers";
import { epochSetFromEventArgs, treeOfEpoch, type EpochSet } from "../checkpoint/epoch.js";
import type { ValidatorSetTree } from "../checkpoint/validator-set.js";
import { serviceRewardParams } from "../checkpoint/service-params.js";
import type { ServiceRewardParams } from "../checkpoint/rewards.js";
import {
  CheckpointStore__factory,
  EvidenceHandler__factory,
  type EvidenceHandler,
  RewardsDistributor__factory,
  ValidatorSetManager__factory,
  type CheckpointStore,
  type RewardsDistributor,
  type ValidatorSetManager,
} from "../../../types/ethers-contracts/index.js";
import { ttlCached } from "../chain/ttl-cached.js";

/** how long a read checkpoint interval is used before reading it again */
export const INTERVAL_TTL_MS = 2_000;

export interface ChainViewAddresses {
  validatorSets: string;
  checkpoints: string;
  rewards: string;
  evidence: string;
}

/** Where an epoch's heights start, as the chain said at the block that started it. */
export interface EpochStart {
  set: EpochSet;
  tree: ValidatorSetTree;
  /** first height of the epoch */
  startHeight: bigint;
  /** latest certified header hash when the epoch started (zero hash before the first checkpoint) */
  parentHash: string;
  /** the rewards budget of the previous epoch, read at the epoch's start block */
  rewardsBudget: bigint;
  /** the governed security/service split of rewards (RewardsDistributor.serviceRewards), at the start block */
  serviceRewards: ServiceRewardParams;
  /** the downtime window (liveness bitmap length), read at the epoch's start block, at most 256 */
  livenessWindow: number;
}

export class ChainView {
  readonly validatorSets: ValidatorSetManager;
  readonly checkpoints: CheckpointStore;
  readonly rewards: RewardsDistributor;
  readonly evidence: EvidenceHandler;
  private readonly starts = new Map<bigint, EpochStart>();

  constructor(
    readonly provider: JsonRpcProvider,
    addresses: ChainViewAddresses,
    private readonly fromBlock: number,
  ) {
    this.validatorSets = ValidatorSetManager__factory.connect(addresses.validatorSets, provider);
    this.checkpoints = CheckpointStore__factory.connect(addresses.checkpoints, provider);
    this.rewards = RewardsDistributor__factory.connect(addresses.rewards, provider);
    this.evidence = EvidenceHandler__factory.connect(addresses.evidence, provider);
  }

  async currentEpoch(): Promise<bigint> {
    return this.validatorSets.currentEpoch();
  }

  /** the governed checkpoint interval, re-read at most every 2 s (a change is followed within 2 s) */
  readonly checkpointInterval = ttlCached(INTERVAL_TTL_MS, async () =>
    Number(await this.checkpoints.checkpointInterval()),
  );

  async latestHeight(): Promise<bigint> {
    return this.checkpoints.latestHeight();
  }

  async checkpointHash(height: bigint): Promise<string> {
    return this.checkpoints.checkpointHash(height);
  }

  /** The start of `epoch` (cached: it never changes once the epoch began). */
  async epochStart(epoch: bigint): Promise<EpochStart> {
    const cached = this.starts.get(epoch);
    if (cached) return cached;
    const logs = await this.validatorSets.queryFilter(
      this.validatorSets.filters.EpochAdvanced(epoch),
      this.fromBlock,
      "latest",
    );
    const log = logs[0];
    if (!log) throw new Error(`epoch ${epoch} has not started`);
    const a = log.args;
    const set = epochSetFromEventArgs(a, log.blockNumber);
    const blockTag = log.blockNumber;
    const latest = await this.checkpoints.latestHeight({ blockTag });
    const parentHash = await this.checkpoints.checkpointHash(latest, { blockTag });
    const rewardsBudget = await this.rewards.nextEpochBudget({ blockTag });
    const serviceRewards = serviceRewardParams(await this.rewards.serviceRewards({ blockTag }));
    const livenessWindow = Math.min(256, Number(await this.evidence.downtimeWindow({ blockTag })));
    const start: EpochStart = {
      set,
      tree: treeOfEpoch(set),
      startHeight: latest + 1n,
      parentHash,
      rewardsBudget,
      serviceRewards,
      livenessWindow,
    };
    this.starts.set(epoch, start);
    return start;
  }
}
