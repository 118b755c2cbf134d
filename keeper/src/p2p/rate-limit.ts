// Token buckets per (peer, protocol): how much a peer may make this keeper do on one protocol.
// A bucket holds up to `burst` tokens and refills at `perSecond`; a message takes one token and a
// byte budget takes its length. Lodestar rate-limits req/resp per peer and protocol the same way;
// CometBFT caps what one peer may send at 5 MB/s.

export interface RateLimit {
  /** messages (requests, frames) per second, and the burst allowed above it */
  perSecond: number;
  burst: number;
  /** bytes per second, burst = 2 s of it; unlimited when absent */
  bytesPerSecond?: number;
}

class TokenBucket {
  private tokens: number;
  private atMs: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.atMs = nowMs;
  }

  take(amount: number, nowMs: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.atMs) / 1000) * this.perSecond);
    this.atMs = nowMs;
    if (this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }
}

interface Buckets {
  messages: TokenBucket;
  bytes?: TokenBucket;
}

/** Token buckets keyed by peer and protocol; at most `maxKeys` of them (least recently used go). */
export class PeerRateLimiter {
  private readonly buckets = new Map<string, Buckets>();

  constructor(
    private readonly maxKeys = 8192,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one message of `bytes` from the peer's budget on `protocol`; false when over the limit. */
  allow(peer: string, protocol: string, limit: RateLimit, bytes = 0): boolean {
    const key = `${peer} ${protocol}`;
    const now = this.now();
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = {
        messages: new TokenBucket(limit.perSecond, limit.burst, now),
        bytes: limit.bytesPerSecond ? new TokenBucket(limit.bytesPerSecond, 2 * limit.bytesPerSecond, now) : undefined,
      };
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next();
        if (!oldest.done) this.buckets.delete(oldest.value);
      }
    } else {
      this.buckets.delete(key); // re-inserted below: most recently used last
    }
    this.buckets.set(key, b);
    const okMessages = b.messages.take(1, now);
    const okBytes = b.bytes === undefined || b.bytes.take(bytes, now);
    return okMessages && okBytes;
  }

  forget(peer: string): void {
    for (const key of this.buckets.keys()) if (key.startsWith(`${peer} `)) this.buckets.delete(key);
  }
}
