// Claims each operator's epoch reward and pushes it into its staking pool, so that no reward is lost
// to its stakers (docs/checkpoints.md, "Rewards"): epoch e's reward is declared by epoch e+1's first
// header and must be pushed during epoch e+1, or the staking contract returns it to the free pool.
// Once that header is certified, every keeper settles its own operator's leaf at once, and a leaf
// whose operator's keeper did not (offline, out of gas) is settled by the keeper r places after that
// operator in set order, after r x fallbackDelayMs. Each step reads the chain first (claimed?
// credited?), so a leaf somebody already settled costs a fallback keeper two calls and no transaction.
import type { Provider, TransactionReceipt } from "ethers";
import type { Logger } from "pino";
import type { Header } from "../checkpoint/header.js";
import { buildTree } from "../checkpoint/leaves.js";
import { rewardLeafValues, type RewardLeaf } from "../checkpoint/rewards.js";
import { rewardLeavesOf } from "../checkpoint/parts/index.js";
import { TxRevertedError } from "../chain/tx-sender.js";
import { waitCertified } from "../chain/wait-certified.js";
import { StopScope } from "../chain/stop-scope.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import {
  CheckpointStore__factory,
  RewardsDistributor__factory,
  type CheckpointStore,
  type RewardsDistributor,
} from "../../../types/ethers-contracts/index.js";
import type { EpochStart } from "../bft/chain-view.js";
import type { DecidedHeight, DecisionSink } from "../bft/service.js";

export interface PushResult {
  epoch: bigint;
  operator: string;
  /** "pushed": this keeper sent the claim and/or the push; "already": someone else had settled it */
  outcome: "pushed" | "already" | "failed";
  /** "own": this keeper's operator; "fallback": another operator's leaf */
  role: "own" | "fallback";
  amount: bigint;
  claimTx?: string;
  pushTx?: string;
}

export interface RewardPusherModules {
  provider: Provider;
  rewardsAddress: string;
  checkpointsAddress: string;
  /** sends a transaction from this keeper's signer and resolves with its receipt */
  send(request: { to: string; data: string }): Promise<TransactionReceipt>;
  logger: Logger;
  metrics: KeeperMetrics;
  fallbackDelayMs: number;
  certifiedTimeoutMs: number;
  pollMs: number;
  onPushed?(r: PushResult): void;
}

const rewardsIface = RewardsDistributor__factory.createInterface();

/** A leaf with its proof, and how long after certification this keeper settles it. */
interface Due {
  leaf: RewardLeaf;
  proof: string[];
  rank: number;
}

export class RewardPusher implements DecisionSink {
  private readonly log: Logger;
  private readonly rewards: RewardsDistributor;
  private readonly checkpoints: CheckpointStore;
  private readonly scope = new StopScope();

  constructor(private readonly m: RewardPusherModules) {
    this.log = m.logger.child({ module: "rewards" });
    this.rewards = RewardsDistributor__factory.connect(m.rewardsAddress, m.provider);
    this.checkpoints = CheckpointStore__factory.connect(m.checkpointsAddress, m.provider);
  }

  stop(): void {
    this.scope.stop();
  }

  onDecided(decided: DecidedHeight, ctx: { start: EpochStart; proposer: string; self: string }): void {
    const header = decided.payload.header;
    const rewards = rewardLeavesOf(decided.payload);
    if (rewards.length === 0) return;
    void this.settleEpoch(header, rewards, ctx).catch((err: unknown) => {
      if (!this.scope.stopped())
        this.log.warn({ err: (err as Error).message, epoch: String(header.epoch - 1n) }, "reward push failed");
    });
  }

  private async settleEpoch(header: Header, leaves: readonly RewardLeaf[], ctx: { start: EpochStart; self: string }) {
    const order = ctx.start.set.validators.map((v) => v.operator.toLowerCase());
    const me = ctx.start.set.validators.findIndex((v) => v.signer.toLowerCase() === ctx.self.toLowerCase());
    if (me < 0) return;
    const certified = await waitCertified(
      this.checkpoints,
      header,
      { timeoutMs: this.m.certifiedTimeoutMs, pollMs: this.m.pollMs },
      this.scope,
    );
    if (!certified) return;
    const since = Date.now();
    const tree = buildTree("reward", rewardLeafValues(leaves))!;
    const due: Due[] = [];
    for (const [i, v] of tree.entries()) {
      const leaf = leaves.find((l) => l.index === Number(v[0]))!;
      const at = order.indexOf(leaf.operator.toLowerCase());
      // rank 0 = my own leaf; r = I am r places after the leaf's operator
      const rank = at < 0 ? order.length : (me - at + order.length) % order.length;
      due.push({ leaf, proof: tree.getProof(i), rank });
    }
    due.sort((a, b) => a.rank - b.rank);
    const epoch = header.epoch - 1n;
    for (const d of due) {
      const wait = since + d.rank * this.m.fallbackDelayMs - Date.now();
      if (wait > 0) await this.scope.sleep(wait);
      if (this.scope.stopped()) return;
      const result = await this.settle(epoch, d);
      this.m.onPushed?.(result);
    }
  }

  /** Claims (if unclaimed) and pushes (if credited) one leaf; reads the chain before each step. */
  private async settle(epoch: bigint, d: Due): Promise<PushResult> {
    const { operator, amount, index } = d.leaf;
    const role = d.rank === 0 ? "own" : "fallback";
    const result: PushResult = { epoch, operator, outcome: "already", role, amount };
    const to = this.m.rewardsAddress;
    try {
      if (!(await this.rewards.isClaimed(epoch, operator))) {
        const data = rewardsIface.encodeFunctionData("claim", [epoch, index, operator, amount, d.proof]);
        const receipt = await this.sendUnlessSettled({ to, data }, "RewardsAlreadyClaimed");
        if (receipt) result.claimTx = receipt.hash;
      }
      if ((await this.rewards.credited(operator, epoch, epoch)) > 0n) {
        const data = rewardsIface.encodeFunctionData("pushRewards", [operator, epoch, epoch]);
        const receipt = await this.sendUnlessSettled({ to, data }, "RewardsNothingToPush");
        if (receipt) result.pushTx = receipt.hash;
      }
      if (result.claimTx || result.pushTx) {
        result.outcome = "pushed";
        this.m.metrics.rewardsPushedTotal.inc({ role });
        this.log.info(
          {
            epoch: String(epoch),
            operator,
            amount: amount.toString(),
            role,
            claim: result.claimTx,
            push: result.pushTx,
          },
          "epoch reward claimed and pushed into the operator's pool",
        );
      }
    } catch (err) {
      result.outcome = "failed";
      this.m.metrics.rewardsPushFailedTotal.inc({ role });
      if (!this.scope.stopped()) {
        this.log.warn({ epoch: String(epoch), operator, role, err: (err as Error).message }, "reward push failed");
      }
    }
    return result;
  }

  /** Sends; a revert with `settled` means another keeper got there between our read and our send. */
  private async sendUnlessSettled(
    request: { to: string; data: string },
    settled: string,
  ): Promise<TransactionReceipt | undefined> {
    try {
      return await this.m.send(request);
    } catch (err) {
      if (err instanceof TxRevertedError && err.revert.kind === "custom" && err.revert.name === settled)
        return undefined;
      throw err;
    }
  }
}
