// A virtual clock: a priority queue of timed callbacks, run in (time, insertion) order. Nothing
// waits for real time, so a simulated minute of consensus runs in milliseconds.

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export class VirtualClock {
  private heap: Scheduled[] = [];
  private seq = 0;
  private stopped = false;
  now = 0;
  /** callbacks run so far */
  events = 0;

  /** runs `run` at now + delayMs (>= 0) */
  after(delayMs: number, run: () => void): void {
    this.at(this.now + Math.max(0, delayMs), run);
  }

  at(time: number, run: () => void): void {
    this.push({ at: Math.max(time, this.now), seq: this.seq++, run });
  }

  /** ends runUntil() after the current callback */
  stop(): void {
    this.stopped = true;
  }

  /** Runs callbacks in order until the queue empties, stop() is called, or the next one is after `time`. */
  runUntil(time: number): void {
    this.stopped = false;
    while (!this.stopped && this.heap.length > 0 && this.heap[0]!.at <= time) {
      const next = this.pop();
      this.now = next.at;
      this.events++;
      next.run();
    }
    if (!this.stopped) this.now = Math.max(this.now, time);
  }

  private push(item: Scheduled): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Scheduled {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < heap.length && before(heap[l]!, heap[best]!)) best = l;
        if (r < heap.length && before(heap[r]!, heap[best]!)) best = r;
        if (best === i) break;
        [heap[i], heap[best]] = [heap[best]!, heap[i]!];
        i = best;
      }
    }
    return top;
  }
}
