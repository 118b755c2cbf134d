// The keeper's LevelDB: one database in <dataDir>/db, one sublevel per kind of state.
// Signing state, pending transactions and the consensus WAL are durable (fsync per write):
// losing them could make a restarted keeper double-sign or reuse a nonce.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import type { Logger } from "../observability/logger.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import { Bucket, type JsonSublevel } from "./bucket.js";
import { WriteAheadLog } from "./wal.js";

/** What the keeper remembers about a peer between restarts. */
export interface StoredPeer {
  addrs: string[];
  lastSeenMs: number;
}

/** A peer banned until `untilMs` (p2p/bans.ts), kept across restarts. */
export interface StoredBan {
  untilMs: number;
  reason: string;
}

export class StoreOpenError extends Error {
  override name = "StoreOpenError";
}

export interface StoreModules {
  config: { dataDir: string };
  logger: Logger;
  metrics?: KeeperMetrics;
}

export class KeeperStore {
  private constructor(
    private readonly db: ClassicLevel<string, unknown>,
    private readonly logger: Logger,
    readonly peers: Bucket<StoredPeer>,
    /** the consensus engine's last signed (height, round, step): never sign below it */
    readonly signingState: Bucket<unknown>,
    /** certified checkpoint headers by height (numericKey) */
    readonly headers: Bucket<unknown>,
    /** transactions sent but not yet final, by sender and nonce */
    readonly pendingTxs: Bucket<unknown>,
    /** event watcher cursors and other small chain-sync state */
    readonly chainState: Bucket<unknown>,
    /** CCIP relays done or seen, by lane and height: a restart never relays twice */
    readonly bridge: Bucket<unknown>,
    readonly wal: WriteAheadLog<unknown>,
    /** banned peers by peer id */
    readonly bans: Bucket<StoredBan>,
    /** PoR state a restart must not lose: own signed reports (never sign a second one), recent leaves */
    readonly por: Bucket<unknown>,
  ) {}

  static async init({ config, logger, metrics }: StoreModules): Promise<KeeperStore> {
    const location = join(config.dataDir, "db");
    mkdirSync(location, { recursive: true, mode: 0o700 });
    const db = new ClassicLevel<string, unknown>(location, { valueEncoding: "json" });
    try {
      await db.open();
    } catch (err) {
      const cause = (err as { cause?: Error }).cause ?? (err as Error);
      const locked = /lock/i.test(cause.message);
      throw new StoreOpenError(
        locked
          ? `data dir ${config.dataDir} is in use by another keeper process (LevelDB lock held)`
          : `cannot open the store at ${location}: ${cause.message}`,
        { cause: err },
      );
    }
    const bucket = <V>(name: string, durable: boolean) =>
      new Bucket<V>(
        db.sublevel<string, unknown>(name, { valueEncoding: "json" }) as JsonSublevel,
        name,
        durable,
        metrics,
      );
    const walBucket = bucket<unknown>("wal", true);
    const store = new KeeperStore(
      db,
      logger,
      bucket<StoredPeer>("peers", false),
      bucket("signing", true),
      bucket("headers", false),
      bucket("pending-txs", true),
      bucket("chain", false),
      bucket("bridge", true),
      await WriteAheadLog.open(walBucket),
      bucket<StoredBan>("bans", false),
      bucket("por", true),
    );
    logger.info({ location }, "store opened");
    return store;
  }

  get isOpen(): boolean {
    return this.db.status === "open";
  }

  /** Closes the database; every resolved write is already on disk. */
  async stop(): Promise<void> {
    if (this.db.status === "closed") return;
    await this.db.close();
    this.logger.info("store closed");
  }
}
