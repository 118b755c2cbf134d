// Recent round-trip times to one peer: a bounded ring of samples for quantiles (the Prometheus
// histogram keeps the long-run distribution).
export class LatencyWindow {
  private readonly samples: number[] = [];
  private next = 0;
  count = 0;

  constructor(private readonly size = 256) {}

  add(ms: number): void {
    this.count++;
    if (this.samples.length < this.size) this.samples.push(ms);
    else {
      this.samples[this.next] = ms;
      this.next = (this.next + 1) % this.size;
    }
  }

  /** p-th percentile (nearest rank) of the recent samples; null when there are none */
  quantile(p: number): number | null {
    if (this.samples.length === 0) return null;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? sorted[0]!;
  }
}

/** Median of numbers (lower middle for an even count, so an integer input gives an integer); null when empty. */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}
