// A chain value read at most once per `ttlMs` (issue 16's CPU work: the submitter and the relayer
// read checkpointInterval on every decided height, an RPC per keeper per height for a value that
// governance changes rarely). Concurrent callers share one read; a failed read is not kept.
export function ttlCached<T>(ttlMs: number, read: () => Promise<T>): () => Promise<T> {
  let value: { at: number; v: T } | undefined;
  let pending: Promise<T> | undefined;
  return () => {
    if (value && Date.now() - value.at < ttlMs) return Promise.resolve(value.v);
    pending ??= read()
      .then((v) => {
        value = { at: Date.now(), v };
        return v;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
