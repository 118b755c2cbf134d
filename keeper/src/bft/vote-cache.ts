// Per-process memo of vote digests and verified vote signatures. Within a height every validator's
// vote for the same (type, round, value) has the same digest, and each precommit is checked again
// when it comes back inside the next proposal's lastCommit or a gossiped commit: remembering both
// turns those repeats into map lookups. Entries are pure functions of their keys (a digest of public
// fields; a signer recovered from a digest and signature), so a hit is as good as recomputing.

/** A Map that forgets its oldest entries beyond `limit` (insertion order). */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    if (this.map.size >= this.limit && !this.map.has(key)) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
  }

  get size(): number {
    return this.map.size;
  }

  /** `compute(key)` once per key while it is remembered. */
  getOrCompute(key: K, compute: () => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    const value = compute();
    this.set(key, value);
    return value;
  }
}
