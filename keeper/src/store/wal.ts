// The consensus write-ahead log: entries appended in order under increasing sequence numbers,
// fsynced before append() resolves, replayed after a restart, truncated once a decision makes
// them useless.
import { Bucket, numericKey } from "./bucket.js";

export class WriteAheadLog<E> {
  private constructor(
    private readonly bucket: Bucket<E>,
    private nextSeq: bigint,
  ) {}

  static async open<E>(bucket: Bucket<E>): Promise<WriteAheadLog<E>> {
    const [last] = await bucket.keys({ reverse: true, limit: 1 });
    return new WriteAheadLog(bucket, last === undefined ? 0n : BigInt(`0x${last}`) + 1n);
  }

  /** Appends and resolves with the entry's sequence number once it is on disk. */
  async append(entry: E): Promise<bigint> {
    // The number is taken before the first await, so concurrent appends keep call order.
    const seq = this.nextSeq++;
    await this.bucket.put(numericKey(seq), entry);
    return seq;
  }

  async *replay(fromSeq: bigint = 0n): AsyncGenerator<{ seq: bigint; entry: E }> {
    for await (const [key, entry] of this.bucket.entries({ gte: numericKey(fromSeq) })) {
      yield { seq: BigInt(`0x${key}`), entry };
    }
  }

  /** Deletes every entry below `seq`. */
  async truncateBelow(seq: bigint): Promise<void> {
    const keys = await this.bucket.keys({ lt: numericKey(seq) });
    if (keys.length > 0) await this.bucket.batch(keys.map((key) => ({ type: "del", key })));
  }

  /** The sequence number the next append will get. */
  get nextSequence(): bigint {
    return this.nextSeq;
  }
}
