// The one transaction sender of a key. It owns the key's nonces (a second sender for the same
// address in this process is refused: two would race for nonces), estimates gas, signs
// locally, broadcasts with retries on transport errors, bumps the fees of a transaction that
// is not mined in time (same nonce, higher fees), and decodes reverts into readable errors.
// In-flight transactions are kept in the durable store, so a restarted keeper rebroadcasts them
// instead of reusing their nonces.
import {
  Transaction,
  isError,
  type JsonRpcProvider,
  type TransactionReceipt,
  type TransactionRequest,
  type Wallet,
} from "ethers";
import type { Logger } from "../observability/logger.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import type { Bucket } from "../store/index.js";
import type { DecodedRevert, ErrorDecoder } from "./errors.js";
import { backoffDelay, isTransientRpcError, sleep, type BackoffOptions } from "./retry.js";

export interface TxSenderOptions {
  /** not mined after this long -> replace with higher fees */
  stuckAfterMs: number;
  /** fee increase per replacement, percent (nodes require >= 10 to accept a replacement) */
  feeBumpPercent: number;
  maxFeeBumps: number;
  /** never bid more than this per gas (wei) */
  maxFeePerGasCapWei?: bigint;
  /** give up waiting for a receipt after this long (the tx may still be mined later) */
  receiptTimeoutMs: number;
  receiptPollMs: number;
  /** retries of one RPC call that failed in transport */
  rpcRetries: number;
  backoff: BackoffOptions;
  /** multiply the gas estimate by (100 + margin) / 100 */
  gasMarginPercent: number;
}

export const DEFAULT_TX_SENDER_OPTIONS: TxSenderOptions = {
  stuckAfterMs: 60_000,
  feeBumpPercent: 15,
  maxFeeBumps: 5,
  receiptTimeoutMs: 10 * 60_000,
  receiptPollMs: 1_000,
  rpcRetries: 6,
  backoff: { initialMs: 250, maxMs: 10_000 },
  gasMarginPercent: 20,
};

export class TxSenderInUseError extends Error {
  override name = "TxSenderInUseError";
}

export class TxRevertedError extends Error {
  override name = "TxRevertedError";
  constructor(
    readonly revert: DecodedRevert,
    readonly stage: "estimate" | "mined",
    readonly receipt?: TransactionReceipt,
  ) {
    super(`transaction ${stage === "estimate" ? "would revert" : "reverted"}: ${revert.message}`);
  }
}

export class TxTimeoutError extends Error {
  override name = "TxTimeoutError";
}

/** What the store keeps about a transaction until it is mined. */
interface PendingTx {
  nonce: number;
  /** every signed version (original + replacements), newest last */
  raw: string[];
  hashes: string[];
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  sentAtMs: number;
}

export interface TxSenderModules {
  signer: Wallet;
  provider: JsonRpcProvider;
  logger: Logger;
  metrics: KeeperMetrics;
  decoder: ErrorDecoder;
  /** durable bucket for in-flight transactions (store.pendingTxs) */
  pending?: Bucket<unknown>;
  chainId: bigint;
}

/** What a caller asks to send; the sender fills in nonce, gas and fees. */
export type TxFields = Pick<TransactionRequest, "to" | "data" | "value">;

interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

const inUse = new Set<string>();

export class TxSender {
  private nextNonce = 0;
  /** serialises estimate -> nonce -> sign -> broadcast, so nonces are handed out without gaps */
  private lock: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly controller = new AbortController();
  private readonly options: TxSenderOptions;

  private constructor(
    private readonly modules: TxSenderModules,
    options: Partial<TxSenderOptions>,
  ) {
    this.options = { ...DEFAULT_TX_SENDER_OPTIONS, ...options };
  }

  get address(): string {
    return this.modules.signer.address;
  }

  static async init(modules: TxSenderModules, options: Partial<TxSenderOptions> = {}): Promise<TxSender> {
    const address = modules.signer.address;
    if (inUse.has(address))
      throw new TxSenderInUseError(`a transaction sender for ${address} already runs in this process`);
    inUse.add(address);
    const sender = new TxSender(modules, options);
    try {
      await sender.resume();
    } catch (err) {
      inUse.delete(address);
      throw err;
    }
    return sender;
  }

  /** Stops waiting loops; releases the key for another sender. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.controller.abort(new Error("tx sender stopped"));
    await this.lock.catch(() => {});
    inUse.delete(this.address);
  }

  private key(nonce: number): string {
    return `${this.address}:${nonce.toString().padStart(12, "0")}`;
  }

  /** RPC call with retries on transport failures; chain answers (reverts, nonce errors) pass through. */
  private async rpc<T>(what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isTransientRpcError(err) || attempt >= this.options.rpcRetries) throw err;
        this.modules.metrics.chainRpcErrorsTotal.inc({ component: "tx-sender" });
        this.modules.metrics.chainTxTotal.inc({ result: "retried" });
        const delay = backoffDelay(attempt, this.options.backoff);
        this.modules.logger.warn({ what, err: (err as Error).message, retryInMs: delay }, "RPC call failed, retrying");
        await sleep(delay, signal ? AbortSignal.any([signal, this.controller.signal]) : this.controller.signal);
      }
    }
  }

  /** Rebroadcasts what a previous run left in flight and sets the next nonce past it. */
  private async resume(): Promise<void> {
    const { provider, pending, logger } = this.modules;
    const chainPending = await this.rpc("getTransactionCount", () =>
      provider.getTransactionCount(this.address, "pending"),
    );
    const chainLatest = await this.rpc("getTransactionCount", () =>
      provider.getTransactionCount(this.address, "latest"),
    );
    this.nextNonce = chainPending;
    if (!pending) return;
    for await (const [key, value] of pending.entries({ gte: `${this.address}:`, lt: `${this.address};` })) {
      const tx = value as PendingTx;
      if (tx.nonce < chainLatest) {
        await pending.del(key); // mined (this version or another) while we were down
        continue;
      }
      this.nextNonce = Math.max(this.nextNonce, tx.nonce + 1);
      const raw = tx.raw[tx.raw.length - 1];
      if (raw === undefined) continue;
      try {
        await this.rpc("broadcastTransaction", () => provider.broadcastTransaction(raw));
        logger.info(
          { nonce: tx.nonce, hash: tx.hashes[tx.hashes.length - 1] },
          "rebroadcast transaction left in flight",
        );
      } catch (err) {
        logger.info(
          { nonce: tx.nonce, err: (err as Error).message },
          "in-flight transaction already known or replaced",
        );
      }
    }
  }

  private async fees(): Promise<Fees> {
    const data = await this.rpc("getFeeData", () => this.modules.provider.getFeeData());
    const priority = data.maxPriorityFeePerGas ?? 1_000_000_000n;
    const maxFee = data.maxFeePerGas ?? (data.gasPrice ?? 0n) * 2n + priority;
    return this.capped({ maxFeePerGas: maxFee, maxPriorityFeePerGas: priority });
  }

  private capped(f: Fees): Fees {
    const cap = this.options.maxFeePerGasCapWei;
    if (cap === undefined) return f;
    const maxFeePerGas = f.maxFeePerGas > cap ? cap : f.maxFeePerGas;
    return {
      maxFeePerGas,
      maxPriorityFeePerGas: f.maxPriorityFeePerGas > maxFeePerGas ? maxFeePerGas : f.maxPriorityFeePerGas,
    };
  }

  private bumped(f: Fees, market: Fees): Fees {
    const pct = BigInt(100 + this.options.feeBumpPercent);
    const up = (v: bigint) => (v * pct + 99n) / 100n;
    const max = (a: bigint, b: bigint) => (a > b ? a : b);
    return this.capped({
      maxFeePerGas: max(up(f.maxFeePerGas), market.maxFeePerGas),
      maxPriorityFeePerGas: max(up(f.maxPriorityFeePerGas), market.maxPriorityFeePerGas),
    });
  }

  private async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.lock;
    let release!: () => void;
    this.lock = new Promise<void>((r) => (release = r));
    await previous.catch(() => {});
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /**
   * Sends a transaction and resolves with its receipt once mined. Throws TxRevertedError (with the
   * decoded custom error) when it would revert or did, TxTimeoutError when it is not mined in time.
   */
  async send(
    request: TxFields & Pick<TransactionRequest, "gasLimit">,
    opts: { signal?: AbortSignal } = {},
  ): Promise<TransactionReceipt> {
    if (this.stopped) throw new Error("tx sender stopped");
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.controller.signal]) : this.controller.signal;
    const tx = await this.withLock(() => this.broadcastNew(request, signal));
    return this.waitMined(tx, request, signal);
  }

  private async broadcastNew(
    request: TxFields & Pick<TransactionRequest, "gasLimit">,
    signal: AbortSignal,
  ): Promise<PendingTx & { gasLimit: bigint }> {
    const { provider, metrics, decoder, pending, logger } = this.modules;
    let gasLimit = request.gasLimit === undefined || request.gasLimit === null ? undefined : BigInt(request.gasLimit);
    if (gasLimit === undefined) {
      try {
        const estimate = await this.rpc(
          "estimateGas",
          () => provider.estimateGas({ ...request, from: this.address }),
          signal,
        );
        gasLimit = (estimate * BigInt(100 + this.options.gasMarginPercent)) / 100n;
      } catch (err) {
        const revert = decoder.decode(err);
        if (revert) {
          metrics.chainTxTotal.inc({ result: "reverted" });
          throw new TxRevertedError(revert, "estimate");
        }
        metrics.chainTxTotal.inc({ result: "failed" });
        throw err;
      }
    }
    const fees = await this.fees();
    for (let nonceAttempt = 0; ; nonceAttempt++) {
      const nonce = this.nextNonce;
      const raw = await this.sign(request, nonce, gasLimit, fees);
      try {
        const hash = await this.broadcast(raw, signal);
        this.nextNonce = nonce + 1;
        const record: PendingTx = {
          nonce,
          raw: [raw],
          hashes: [hash],
          maxFeePerGas: fees.maxFeePerGas.toString(),
          maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString(),
          sentAtMs: Date.now(),
        };
        await pending?.put(this.key(nonce), record);
        metrics.chainTxTotal.inc({ result: "sent" });
        logger.info({ nonce, hash, to: request.to }, "transaction sent");
        return { ...record, gasLimit };
      } catch (err) {
        // Someone else (another process with this key) used the nonce: resync once and retry.
        if (isError(err, "NONCE_EXPIRED") && nonceAttempt < 3) {
          this.nextNonce = await this.rpc("getTransactionCount", () =>
            provider.getTransactionCount(this.address, "pending"),
          );
          logger.warn({ nonce, resyncedTo: this.nextNonce }, "nonce already used on chain, resynced");
          continue;
        }
        metrics.chainTxTotal.inc({ result: "failed" });
        throw err;
      }
    }
  }

  /** Signs an EIP-1559 transaction locally. */
  private sign(request: TxFields, nonce: number, gasLimit: bigint, fees: Fees): Promise<string> {
    return this.modules.signer.signTransaction({
      ...request,
      type: 2,
      chainId: this.modules.chainId,
      nonce,
      gasLimit,
      ...fees,
    });
  }

  /**
   * Broadcasts a signed transaction; returns its hash. Two errors are not failures: a retry after
   * a transport error may find the node already has it, and a dev node that mines on submission
   * (Hardhat automine) reports a revert as an error although the transaction is mined.
   */
  private async broadcast(raw: string, signal: AbortSignal): Promise<string> {
    const hash = Transaction.from(raw).hash!;
    try {
      return (await this.rpc("broadcastTransaction", () => this.modules.provider.broadcastTransaction(raw), signal))
        .hash;
    } catch (err) {
      if (/already known|known transaction/i.test(String((err as Error)?.message))) return hash;
      if (this.modules.decoder.decode(err) && (await this.modules.provider.getTransactionReceipt(hash))) return hash;
      throw err;
    }
  }

  private async receiptOf(hashes: string[], signal: AbortSignal): Promise<TransactionReceipt | null> {
    for (const hash of hashes) {
      const receipt = await this.rpc(
        "getTransactionReceipt",
        () => this.modules.provider.getTransactionReceipt(hash),
        signal,
      );
      if (receipt) return receipt;
    }
    return null;
  }

  private async waitMined(
    tx: PendingTx & { gasLimit: bigint },
    request: TxFields,
    signal: AbortSignal,
  ): Promise<TransactionReceipt> {
    const { provider, metrics, pending, logger, decoder } = this.modules;
    const started = Date.now();
    let lastSentAt = Date.now();
    let fees: Fees = { maxFeePerGas: BigInt(tx.maxFeePerGas), maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas) };
    let bumps = 0;
    for (;;) {
      const receipt = await this.receiptOf(tx.hashes, signal);
      if (receipt) {
        await pending?.del(this.key(tx.nonce));
        if (receipt.status === 1) {
          metrics.chainTxTotal.inc({ result: "mined" });
          return receipt;
        }
        metrics.chainTxTotal.inc({ result: "reverted" });
        // Replay the call at its block to get the revert data a receipt does not carry.
        let revert: DecodedRevert = decoder.decodeData(undefined);
        try {
          await provider.call({ ...request, from: this.address, gasLimit: tx.gasLimit, blockTag: receipt.blockNumber });
        } catch (err) {
          revert = decoder.decode(err) ?? revert;
        }
        throw new TxRevertedError(revert, "mined", receipt);
      }
      if (Date.now() - started > this.options.receiptTimeoutMs) {
        metrics.chainTxTotal.inc({ result: "timeout" });
        throw new TxTimeoutError(
          `transaction with nonce ${tx.nonce} not mined after ${this.options.receiptTimeoutMs} ms`,
        );
      }
      if (Date.now() - lastSentAt >= this.options.stuckAfterMs && bumps < this.options.maxFeeBumps) {
        const next = this.bumped(fees, await this.fees());
        const raw = await this.sign(request, tx.nonce, tx.gasLimit, next);
        try {
          const hash = await this.broadcast(raw, signal);
          fees = next;
          bumps++;
          tx.raw.push(raw);
          tx.hashes.push(hash);
          tx.maxFeePerGas = next.maxFeePerGas.toString();
          tx.maxPriorityFeePerGas = next.maxPriorityFeePerGas.toString();
          await pending?.put(this.key(tx.nonce), { ...tx, gasLimit: undefined });
          metrics.chainTxTotal.inc({ result: "replaced" });
          logger.warn(
            { nonce: tx.nonce, hash, maxFeePerGas: tx.maxFeePerGas, bump: bumps },
            "transaction stuck, replaced with higher fees",
          );
        } catch (err) {
          // Mined meanwhile (nonce too low) or the node wants a bigger bump: look again next round.
          logger.warn({ nonce: tx.nonce, err: (err as Error).message }, "fee bump not accepted");
        }
        lastSentAt = Date.now();
      }
      await sleep(this.options.receiptPollMs, signal);
    }
  }
}
