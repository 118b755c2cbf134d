// Relays certified checkpoint headers over CCIP (docs/bridge.md). After a height is decided, the
// relayer waits until the header is certified on chain; then, for every lane of the CheckpointSender
// whose `relayEvery` divides the height, the designated keeper (the deciding round's proposer)
// relays at once and the keeper r places after it waits r x fallbackDelayMs and relays only what is
// still missing. Each (lane, height) is relayed once: the keeper's datastore remembers what it
// relayed or saw relayed (a restart never relays twice), and the chain refuses a second send.
import { formatUnits, type Provider, type TransactionReceipt } from "ethers";
import { relayOnLane, type LaneRelayOutcome } from "./lane-relay.js";
import type { Logger } from "pino";
import { headerHash, type Header } from "../checkpoint/header.js";
import { TxRevertedError } from "../chain/tx-sender.js";
import { waitCertified } from "../chain/wait-certified.js";
import { StopScope } from "../chain/stop-scope.js";
import { ttlCached } from "../chain/ttl-cached.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import { numericKey, type Bucket } from "../store/index.js";
import {
  CheckpointSender__factory,
  CheckpointStore__factory,
  type CheckpointSender,
  type CheckpointStore,
} from "../../../types/ethers-contracts/index.js";
import { INTERVAL_TTL_MS, type EpochStart } from "../bft/chain-view.js";
import type { DecidedHeight, DecisionSink } from "../bft/service.js";

/** What the datastore keeps per (lane, height). */
export interface RelayRecord {
  /** "relayed": this keeper's transaction; "seen": someone else's, found on chain */
  by: "relayed" | "seen";
  messageId: string;
  txHash?: string;
  feeWei?: string;
}

export interface RelayResult {
  lane: bigint;
  height: bigint;
  outcome: "relayed" | "already" | "not-due" | "failed";
  messageId?: string;
  feeWei?: bigint;
}

export interface RelayerModules {
  provider: Provider;
  /** CheckpointSender and CheckpointStore addresses */
  senderAddress: string;
  checkpointsAddress: string;
  /** this keeper's signer address (pays the fees) */
  self: string;
  /** sends a transaction from this keeper's signer and resolves with its receipt */
  send(request: { to: string; data: string; value?: bigint }): Promise<TransactionReceipt>;
  /** durable: (lane, height) -> what happened */
  store: Bucket<RelayRecord>;
  logger: Logger;
  metrics: KeeperMetrics;
  fallbackDelayMs: number;
  certifiedTimeoutMs: number;
  pollMs: number;
  onRelayed?(r: RelayResult): void;
}

const recordKey = (lane: bigint, height: bigint) => `${lane.toString()}/${numericKey(height)}`;

export class CheckpointRelayer implements DecisionSink {
  private readonly log: Logger;
  private readonly sender: CheckpointSender;
  private readonly checkpoints: CheckpointStore;
  private readonly scope = new StopScope();
  private readonly interval = ttlCached(INTERVAL_TTL_MS, () => this.checkpoints.checkpointInterval());
  /** (lane, height) keys being relayed by this process right now */
  private readonly inFlight = new Set<string>();

  constructor(private readonly m: RelayerModules) {
    this.log = m.logger.child({ module: "bridge" });
    this.sender = CheckpointSender__factory.connect(m.senderAddress, m.provider);
    this.checkpoints = CheckpointStore__factory.connect(m.checkpointsAddress, m.provider);
  }

  stop(): void {
    this.scope.stop();
  }

  onDecided(decided: DecidedHeight, ctx: { start: EpochStart; proposer: string; self: string }): void {
    const header = decided.payload.header;
    void this.consider(header, ctx).catch((err: unknown) => {
      if (!this.scope.stopped())
        this.log.warn({ err: (err as Error).message, height: String(header.height) }, "relay failed");
    });
  }

  /**
   * Relays `header` (certified on chain) on every lane now, whatever the lanes' relayEvery: the
   * on-request path. Lanes already served are skipped.
   */
  async relay(header: Header, opts: { onlyDue?: boolean } = {}): Promise<RelayResult[]> {
    const hash = headerHash(header);
    if ((await this.checkpoints.checkpointHash(header.height)) !== hash) {
      throw new Error(`header at height ${header.height} is not certified on chain`);
    }
    const results: RelayResult[] = [];
    for (const lane of await this.sender.destinations()) {
      const { relayEvery } = await this.sender.laneOf(lane);
      if (opts.onlyDue && header.height % relayEvery !== 0n) {
        results.push({ lane, height: header.height, outcome: "not-due" });
        continue;
      }
      results.push(await this.relayLane(header, lane));
    }
    return results;
  }

  private async consider(header: Header, ctx: { start: EpochStart; proposer: string; self: string }) {
    // only heights the submitter certifies (every checkpointInterval-th, and each epoch's first) ever reach the chain
    const interval = BigInt(await this.interval());
    if (header.height % interval !== 0n && header.height !== ctx.start.startHeight) return;
    const lanes = await this.sender.destinations();
    const due = [];
    for (const lane of lanes) {
      const { relayEvery } = await this.sender.laneOf(lane);
      if (header.height % relayEvery === 0n) due.push(lane);
    }
    if (due.length === 0) return;
    const order = ctx.start.set.validators.map((v) => v.signer.toLowerCase());
    const first = Math.max(0, order.indexOf(ctx.proposer));
    const rank = [...order.slice(first), ...order.slice(0, first)].indexOf(ctx.self);
    if (rank < 0) return;
    if (!(await this.waitCertified(header))) return;
    if (rank > 0) await this.scope.sleep(rank * this.m.fallbackDelayMs);
    if (this.scope.stopped()) return;
    for (const lane of due) await this.relayLane(header, lane);
  }

  private async waitCertified(header: Header): Promise<boolean> {
    const certified = await waitCertified(
      this.checkpoints,
      header,
      { timeoutMs: this.m.certifiedTimeoutMs, pollMs: this.m.pollMs },
      this.scope,
    );
    // a skipped interval height is never certified: nothing to relay
    if (!certified) this.log.debug({ height: String(header.height) }, "decided header not certified: not relayed");
    return certified;
  }

  private async relayLane(header: Header, lane: bigint): Promise<RelayResult> {
    const height = header.height;
    const key = recordKey(lane, height);
    const laneLabel = lane.toString();
    const done = await this.m.store.get(key);
    if (done) return { lane, height, outcome: "already", messageId: done.messageId };
    if (this.inFlight.has(key)) return { lane, height, outcome: "already" };
    this.inFlight.add(key);
    try {
      let outcome: LaneRelayOutcome;
      try {
        outcome = await relayOnLane(
          {
            sender: this.sender,
            payer: this.m.self,
            send: (request) => this.m.send(request),
            approve: "max",
            aborted: () => this.scope.stopped(),
          },
          header,
          lane,
        );
      } catch (err) {
        // another keeper's relay was mined between our check and our gas estimate: served, not failed
        if (!(
          err instanceof TxRevertedError &&
          err.revert.kind === "custom" &&
          err.revert.name === "SenderAlreadyRelayed"
        ))
          throw err;
        outcome = { kind: "already", messageId: await this.sender.relayedMessage(lane, height) };
      }
      if (outcome.kind === "aborted" || outcome.kind === "quoted") return { lane, height, outcome: "failed" };
      if (outcome.kind === "already") {
        await this.m.store.put(key, { by: "seen", messageId: outcome.messageId });
        return { lane, height, outcome: "already", messageId: outcome.messageId };
      }
      const { messageId, fee: feeWei, feeToken, receipt } = outcome;
      await this.m.store.put(key, { by: "relayed", messageId, txHash: receipt.hash, feeWei: feeWei.toString() });
      this.m.metrics.bridgeRelayedTotal.inc({ lane: laneLabel });
      this.m.metrics.bridgeFeePaidTotal.inc({ token: feeToken }, Number(formatUnits(feeWei, 18)));
      this.log.info(
        { height: String(height), lane: laneLabel, messageId, fee: feeWei.toString(), tx: receipt.hash },
        "checkpoint relayed over CCIP",
      );
      const result: RelayResult = { lane, height, outcome: "relayed", messageId, feeWei };
      this.m.onRelayed?.(result);
      return result;
    } catch (err) {
      this.m.metrics.bridgeFailedTotal.inc({ lane: laneLabel });
      if (!this.scope.stopped()) {
        this.log.warn({ height: String(height), lane: laneLabel, err: (err as Error).message }, "relay failed");
      }
      return { lane, height, outcome: "failed" };
    } finally {
      this.inFlight.delete(key);
    }
  }
}
