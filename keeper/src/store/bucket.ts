// One named LevelDB sublevel holding JSON values, with op counting. A durable bucket fsyncs every
// write (`sync: true`) before the promise resolves: a resolved write survives a process kill
// and a power loss. Non-durable writes survive a process kill (the write reached the OS) but
// not necessarily a power loss.
import type { AbstractSublevel } from "abstract-level";
import type { ClassicLevel } from "classic-level";
import type { KeeperMetrics } from "../observability/index.js";

export type JsonSublevel = AbstractSublevel<
  ClassicLevel<string, unknown>,
  string | Buffer | Uint8Array,
  string,
  unknown
>;

export type BucketOp<V> = { type: "put"; key: string; value: V } | { type: "del"; key: string };

export interface RangeOptions {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  limit?: number;
  reverse?: boolean;
}

export class Bucket<V> {
  constructor(
    private readonly db: JsonSublevel,
    readonly name: string,
    readonly durable: boolean,
    private readonly metrics?: KeeperMetrics,
  ) {}

  /**
   * Sublevels forward write options to the root database, so `sync` reaches LevelDB; their
   * typings just do not declare it (hence a variable, not a literal).
   */
  private get writeOptions() {
    const options = { sync: this.durable, keyEncoding: "utf8" as const, valueEncoding: "json" as const };
    return options;
  }

  private count(op: string): void {
    this.metrics?.storeOpsTotal.inc({ bucket: this.name, op });
  }

  async get(key: string): Promise<V | undefined> {
    this.count("get");
    return (await this.db.get(key)) as V | undefined;
  }

  async put(key: string, value: V): Promise<void> {
    this.count("put");
    await this.db.put(key, value, this.writeOptions);
  }

  async del(key: string): Promise<void> {
    this.count("del");
    await this.db.del(key, this.writeOptions);
  }

  /** Atomic: all operations land or none does. */
  async batch(ops: Array<BucketOp<V>>): Promise<void> {
    this.count("batch");
    await this.db.batch(ops, this.writeOptions);
  }

  async *entries(range: RangeOptions = {}): AsyncGenerator<[string, V]> {
    this.count("iterate");
    for await (const [key, value] of this.db.iterator(range)) yield [key, value as V];
  }

  async keys(range: RangeOptions = {}): Promise<string[]> {
    this.count("iterate");
    return this.db.keys(range).all();
  }
}

/** Fixed-width key for numeric ids (heights, sequence numbers) so lexicographic order = numeric order. */
export function numericKey(n: number | bigint): string {
  const value = BigInt(n);
  if (value < 0n) throw new RangeError(`numeric keys must be >= 0, got ${value}`);
  return value.toString(16).padStart(16, "0");
}
