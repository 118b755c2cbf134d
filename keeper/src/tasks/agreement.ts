// Turning executors' signed results into one agreed result per round, deterministically from the
// results a proposal carries (never from what one keeper happens to see):
// - http-oracle: the agreed value is the (lower) median of the numeric results; a result further
//   from it than the tolerance is a fault;
// - wasm: the output a strict majority of the results share; a different output is a fault.
// A round agrees with at least `quorum(redundancy)` good results; executors in the leaf are the
// first `redundancy` good ones in rendezvous order (the contract pays at most `redundancy`).

export interface ExecutorResult {
  /** operator (owner) address of the executor */
  operator: string;
  /** its position in the rendezvous order (lower first) */
  position: number;
  /** numeric value (http-oracle) or output bytes as 0x-hex (wasm); undefined = recorded failure */
  value?: bigint | string;
}

export interface Agreement {
  /** the agreed value, or undefined when the round has no agreement */
  value?: bigint | string;
  /** operators credited, in rendezvous order (<= redundancy) */
  executors: string[];
  /** operators whose result disagrees (outside tolerance / a different output) */
  faults: string[];
}

/** Good results needed: a strict majority of the redundancy. */
export function quorum(redundancy: number): number {
  return Math.floor(redundancy / 2) + 1;
}

export function lowerMedian(values: readonly bigint[]): bigint {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** |v - median| <= max(1, |median| * bps / 10_000) */
export function withinTolerance(v: bigint, median: bigint, toleranceBps: number): boolean {
  const abs = (x: bigint) => (x < 0n ? -x : x);
  let allowed = (abs(median) * BigInt(toleranceBps)) / 10_000n;
  if (allowed < 1n && toleranceBps > 0) allowed = 1n;
  return abs(v - median) <= allowed;
}

function byPosition(results: readonly ExecutorResult[]): ExecutorResult[] {
  return [...results].sort((a, b) => a.position - b.position);
}

export function agreeNumeric(results: readonly ExecutorResult[], redundancy: number, toleranceBps: number): Agreement {
  const numeric = byPosition(results).filter(
    (r): r is ExecutorResult & { value: bigint } => typeof r.value === "bigint",
  );
  if (numeric.length < quorum(redundancy)) return { executors: [], faults: [] };
  const median = lowerMedian(numeric.map((r) => r.value));
  const good = numeric.filter((r) => withinTolerance(r.value, median, toleranceBps));
  const faults = numeric.filter((r) => !withinTolerance(r.value, median, toleranceBps)).map((r) => r.operator);
  // without agreement nobody can be called a liar
  if (good.length < quorum(redundancy)) return { executors: [], faults: [] };
  return { value: median, executors: good.slice(0, redundancy).map((r) => r.operator), faults };
}

export function agreeExact(results: readonly ExecutorResult[], redundancy: number): Agreement {
  const outputs = byPosition(results).filter(
    (r): r is ExecutorResult & { value: string } => typeof r.value === "string",
  );
  const counts = new Map<string, number>();
  for (const r of outputs) counts.set(r.value.toLowerCase(), (counts.get(r.value.toLowerCase()) ?? 0) + 1);
  const [best, n] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
  if (n < quorum(redundancy) || n * 2 <= outputs.length) return { executors: [], faults: [] };
  return {
    value: best,
    executors: outputs
      .filter((r) => r.value.toLowerCase() === best)
      .slice(0, redundancy)
      .map((r) => r.operator),
    faults: outputs.filter((r) => r.value.toLowerCase() !== best).map((r) => r.operator),
  };
}
