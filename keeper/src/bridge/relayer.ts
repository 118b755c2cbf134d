// Relays certified checkpoint headers over CCIP (docs/bridge.md). After a height is decided, the
// relayer waits until the header is certified on chain; then, for every lane of the CheckpointSender
// whose `relayEvery` divides the height, the designated keeper (the deciding round's proposer)
// relays at once and the keeper r places after it waits r x fallbackDelayMs and relays only what is
// still missing. Each (lane, height) is relayed once: the keeper's datastore remembers what it
// relayed or saw relayed (a restart never relays twice), and the chain refuses a second send.
import { Contract, Interface, MaxUint256, formatUnits, type Provider, type TransactionReceipt } from "ethers";
import type { Logger } from "pino";
import { headerHash, headerTuple, ZERO_HASH, type Header } from "../checkpoint/header.js";
import { TxRevertedError } from "../chain/tx-sender.js";
import { waitCertified } from "../chain/wait-certified.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import { numericKey, type Bucket } from "../store/index.js";
import {
  CheckpointSender__factory,
  CheckpointStore__factory,
  type CheckpointSender,
  type CheckpointStore,
} from "../../../types/ethers-contracts/index.js";
import type { EpochStart } from "../bft/chain-view.js";
import type { DecidedHeight, DecisionSink } from "../bft/service.js";

const ERC20_ALLOWANCE = new Interface([
  "function allowance(address,address) view returns (uint256)",
  "function approve(address,uint256)",
]);

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

const senderIface = CheckpointSender__factory.createInterface();
const recordKey = (lane: bigint, height: bigint) => `${lane.toString()}/${numericKey(height)}`;

export class CheckpointRelayer implements DecisionSink {
  private readonly log: Logger;
  private readonly sender: CheckpointSender;
  private readonly checkpoints: CheckpointStore;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** (lane, height) keys being relayed by this process right now */
  private readonly inFlight = new Set<string>();
  private stopped = false;

  constructor(private readonly m: RelayerModules) {
    this.log = m.logger.child({ module: "bridge" });
    this.sender = CheckpointSender__factory.connect(m.senderAddress, m.provider);
    this.checkpoints = CheckpointStore__factory.connect(m.checkpointsAddress, m.provider);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  onDecided(decided: DecidedHeight, ctx: { start: EpochStart; proposer: string; self: string }): void {
    const header = decided.payload.header;
    void this.consider(header, ctx).catch((err: unknown) => {
      if (!this.stopped) this.log.warn({ err: (err as Error).message, height: String(header.height) }, "relay failed");
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
      results.push(await this.relayOnLane(header, lane));
    }
    return results;
  }

  private async consider(header: Header, ctx: { start: EpochStart; proposer: string; self: string }) {
    // only heights the submitter certifies (every checkpointInterval-th, and each epoch's first) ever reach the chain
    const interval = await this.checkpoints.checkpointInterval();
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
    if (rank > 0) await this.sleep(rank * this.m.fallbackDelayMs);
    if (this.stopped) return;
    for (const lane of due) await this.relayOnLane(header, lane);
  }

  private async waitCertified(header: Header): Promise<boolean> {
    const certified = await waitCertified(this.checkpoints, header, {
      timeoutMs: this.m.certifiedTimeoutMs,
      pollMs: this.m.pollMs,
      stopped: () => this.stopped,
      sleep: (ms) => this.sleep(ms),
    });
    // a skipped interval height is never certified: nothing to relay
    if (!certified) this.log.debug({ height: String(header.height) }, "decided header not certified: not relayed");
    return certified;
  }

  private async relayOnLane(header: Header, lane: bigint): Promise<RelayResult> {
    const height = header.height;
    const key = recordKey(lane, height);
    const laneLabel = lane.toString();
    const done = await this.m.store.get(key);
    if (done) return { lane, height, outcome: "already", messageId: done.messageId };
    if (this.inFlight.has(key)) return { lane, height, outcome: "already" };
    this.inFlight.add(key);
    try {
      const prior = await this.sender.relayedMessage(lane, height);
      if (prior !== ZERO_HASH) {
        await this.m.store.put(key, { by: "seen", messageId: prior });
        return { lane, height, outcome: "already", messageId: prior };
      }
      const tuple = headerTuple(header);
      const [feeToken, fee] = await Promise.all([this.sender.feeToken(), this.sender.quoteFee(tuple, lane)]);
      const native = feeToken === "0x0000000000000000000000000000000000000000";
      if (!native) await this.ensureAllowance(feeToken, fee);
      const data = senderIface.encodeFunctionData("relay", [tuple, lane]);
      let receipt: TransactionReceipt;
      try {
        receipt = await this.m.send({ to: this.m.senderAddress, data, value: native ? fee : 0n });
      } catch (err) {
        // another keeper's relay was mined between our check and our gas estimate: served, not failed
        if (
          err instanceof TxRevertedError &&
          err.revert.kind === "custom" &&
          err.revert.name === "SenderAlreadyRelayed"
        ) {
          const id = await this.sender.relayedMessage(lane, height);
          await this.m.store.put(key, { by: "seen", messageId: id });
          return { lane, height, outcome: "already", messageId: id };
        }
        throw err;
      }
      let messageId = ZERO_HASH;
      let feeWei = fee;
      for (const log of receipt.logs) {
        if (log.address.toLowerCase() !== this.m.senderAddress.toLowerCase()) continue;
        const parsed = senderIface.parseLog(log);
        if (parsed?.name === "CheckpointRelayed") {
          messageId = parsed.args.messageId as string;
          feeWei = parsed.args.fee as bigint;
        }
      }
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
      if (!this.stopped) {
        this.log.warn({ height: String(height), lane: laneLabel, err: (err as Error).message }, "relay failed");
      }
      return { lane, height, outcome: "failed" };
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** LINK fees: the sender pulls the fee from this keeper; approve once, generously, when short. */
  private async ensureAllowance(token: string, fee: bigint): Promise<void> {
    const erc20 = new Contract(token, ERC20_ALLOWANCE, this.m.provider);
    const allowance = (await erc20.getFunction("allowance")(this.m.self, this.m.senderAddress)) as bigint;
    if (allowance >= fee) return;
    const data = ERC20_ALLOWANCE.encodeFunctionData("approve", [this.m.senderAddress, MaxUint256]);
    await this.m.send({ to: token, data });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }
}
