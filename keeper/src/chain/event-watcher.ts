// Delivers contract logs once they are `confirmations` blocks deep, in block order, exactly once
// per (re)delivery cursor. Survives RPC outages (retries with backoff, resumes where it was) and
// reorgs: a reorg shallower than the confirmation depth never reaches consumers; a deeper one is
// detected (the last processed block's hash changed), counted, and the watcher rewinds and
// delivers the new chain's logs again — consumers must be idempotent (logs carry blockHash).
import type { JsonRpcProvider, Log } from "ethers";
import type { Logger } from "../observability/logger.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import type { Bucket } from "../store/index.js";
import { backoffDelay, DEFAULT_BACKOFF, sleep, type BackoffOptions } from "./retry.js";

export interface WatchCursor {
  /** last block whose logs were delivered */
  block: number;
  hash: string;
}

export interface ReorgInfo {
  block: number;
  expectedHash: string;
  actualHash: string | null;
  rewoundTo: number;
}

export interface EventWatcherOptions {
  /** key of the persisted cursor */
  name: string;
  address: string | string[];
  /** log topic filter (event selectors etc.) */
  topics?: Array<string | string[] | null>;
  /** first block to scan when there is no saved cursor (the deployment block) */
  fromBlock: number;
  confirmations: number;
  pollIntervalMs: number;
  /** largest eth_getLogs block range per request */
  maxBlockRange?: number;
  /** blocks to go back when a reorg deeper than the confirmation depth is detected */
  reorgRewindBlocks?: number;
  backoff?: BackoffOptions;
  /** called in block order; the cursor advances only after it resolves */
  onLogs: (logs: Log[], range: { fromBlock: number; toBlock: number }) => Promise<void> | void;
  onReorg?: (info: ReorgInfo) => void;
}

export interface EventWatcherModules {
  provider: JsonRpcProvider;
  logger: Logger;
  metrics: KeeperMetrics;
  /** persists the cursor across restarts when given */
  cursorStore?: Bucket<unknown>;
}

export class EventWatcher {
  private cursor?: WatchCursor;
  private controller?: AbortController;
  private loop?: Promise<void>;
  private headBlock = -1;
  private readonly maxBlockRange: number;

  constructor(
    private readonly modules: EventWatcherModules,
    private readonly opts: EventWatcherOptions,
  ) {
    this.maxBlockRange = opts.maxBlockRange ?? 2_000;
  }

  /** Last delivered block, or undefined before the first delivery. */
  get lastProcessedBlock(): number | undefined {
    return this.cursor?.block;
  }

  /** Caught up: everything confirmed at the last seen head has been delivered. */
  get synced(): boolean {
    return this.headBlock >= 0 && (this.cursor?.block ?? -1) >= this.headBlock - this.opts.confirmations;
  }

  async start(): Promise<void> {
    if (this.controller) return;
    const saved = (await this.modules.cursorStore?.get(this.cursorKey)) as WatchCursor | undefined;
    this.cursor = saved;
    this.controller = new AbortController();
    this.loop = this.run(this.controller.signal);
  }

  async stop(): Promise<void> {
    this.controller?.abort(new Error("watcher stopped"));
    await this.loop;
    this.controller = undefined;
  }

  private get cursorKey(): string {
    return `watcher:${this.opts.name}`;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { logger, metrics } = this.modules;
    let failures = 0;
    while (!signal.aborted) {
      try {
        await this.poll(signal);
        if (failures > 0) logger.info({ watcher: this.opts.name, failures }, "RPC reachable again, watcher resumed");
        failures = 0;
        await sleep(this.opts.pollIntervalMs, signal);
      } catch (err) {
        if (signal.aborted) break;
        metrics.chainRpcErrorsTotal.inc({ component: "event-watcher" });
        const delay = backoffDelay(failures++, this.opts.backoff ?? DEFAULT_BACKOFF);
        logger.warn(
          { watcher: this.opts.name, err: (err as Error).message, retryInMs: delay },
          "event watcher poll failed",
        );
        await sleep(delay, signal).catch(() => {});
      }
    }
  }

  /** One pass: check for a deep reorg, then deliver every newly confirmed range. */
  async poll(signal?: AbortSignal): Promise<void> {
    const { provider, metrics } = this.modules;
    const head = await provider.getBlockNumber();
    this.headBlock = head;
    metrics.chainHeadBlock.set(head);
    if (this.cursor) await this.checkReorg(this.cursor);
    const safe = head - this.opts.confirmations;
    let from = this.cursor ? this.cursor.block + 1 : this.opts.fromBlock;
    while (from <= safe && !signal?.aborted) {
      const to = Math.min(safe, from + this.maxBlockRange - 1);
      const [logs, toBlock] = await Promise.all([
        provider.getLogs({ address: this.opts.address, topics: this.opts.topics, fromBlock: from, toBlock: to }),
        provider.getBlock(to),
      ]);
      if (!toBlock?.hash) throw new Error(`block ${to} not available`);
      logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
      await this.opts.onLogs(logs, { fromBlock: from, toBlock: to });
      metrics.chainEventsTotal.inc(logs.length);
      await this.saveCursor({ block: to, hash: toBlock.hash });
      from = to + 1;
    }
  }

  private async checkReorg(cursor: WatchCursor): Promise<void> {
    const block = await this.modules.provider.getBlock(cursor.block);
    if (block?.hash === cursor.hash) return;
    const rewoundTo = Math.max(
      this.opts.fromBlock - 1,
      cursor.block - (this.opts.reorgRewindBlocks ?? Math.max(12, this.opts.confirmations * 2)),
    );
    const info: ReorgInfo = {
      block: cursor.block,
      expectedHash: cursor.hash,
      actualHash: block?.hash ?? null,
      rewoundTo,
    };
    this.modules.metrics.chainReorgsTotal.inc();
    this.modules.logger.error(
      { watcher: this.opts.name, ...info },
      "reorg deeper than the confirmation depth: rewinding",
    );
    this.opts.onReorg?.(info);
    if (rewoundTo < this.opts.fromBlock) {
      this.cursor = undefined;
      await this.modules.cursorStore?.del(this.cursorKey);
      return;
    }
    const rewound = await this.modules.provider.getBlock(rewoundTo);
    if (!rewound?.hash) throw new Error(`block ${rewoundTo} not available`);
    await this.saveCursor({ block: rewoundTo, hash: rewound.hash });
  }

  private async saveCursor(cursor: WatchCursor): Promise<void> {
    this.cursor = cursor;
    await this.modules.cursorStore?.put(this.cursorKey, cursor);
  }
}
