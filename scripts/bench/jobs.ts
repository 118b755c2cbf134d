// Jobs bench: how long the keeper's event loop stalls while a CPU-bound wasm job runs, on a job
// worker thread (keeper/src/api/jobs/worker-pool.ts) vs. the same metered loop on the main thread
// (what running the synchronous runtime in-process would do). Also the worker's start and the
// per-job overhead of a warm worker.
//
//   npx tsx scripts/bench/jobs.ts
import { monitorEventLoopDelay } from "node:perf_hooks";
import { loadavg } from "node:os";
import wabtInit from "wabt";
import { JobWorkerPool } from "../../keeper/src/api/jobs/worker-pool.js";
import { meter, runMetered } from "../../keeper/src/wasm/runtime.js";

const wabt = await wabtInit();
const wat = (src: string) => {
  const m = wabt.parseWat("b.wat", src);
  try {
    return new Uint8Array(m.toBinary({}).buffer);
  } finally {
    m.destroy();
  }
};
/** counts down from the 4-byte input, output empty: fuel ~ 3 x input */
const COUNTDOWN = wat(`(module (memory (export "memory") 1 1)
  (func (export "run") (param i32) (result i32) (local $n i32)
    (local.set $n (i32.load (i32.const 0)))
    (block $d (loop $l (br_if $d (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $l)))
    (i32.const 0)))`);
const input = new Uint8Array(new Uint32Array([300_000_000]).buffer);
const limits = { fuel: 10n ** 12n, memoryPages: 1, maxOutputBytes: 16, maxLogBytes: 0 };

async function measure(what: string, work: () => Promise<unknown>): Promise<void> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  // the histogram drops its first sample: let it tick before the work starts
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  // let the sampling timer fire once more: a stall ending here is recorded when it does
  await new Promise((r) => setTimeout(r, 50));
  h.disable();
  console.log(
    `  ${what.padEnd(34)} job ${ms.toFixed(0).padStart(5)} ms   event-loop delay p50 ${(h.percentile(50) / 1e6).toFixed(1)} ms, ` +
      `p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(1)} ms`,
  );
}

console.log(`jobs bench (load average ${loadavg().map((x) => x.toFixed(2)).join(" ")})`);
const pool = new JobWorkerPool(1);
const job = (id: string) =>
  pool.run({ type: "run", jobId: id, ...limits, wallMs: 60_000 }, () => undefined, async () => ({
    module: COUNTDOWN,
    input,
  })).done;
let t = performance.now();
await pool
  .run({ type: "run", jobId: "warm", ...limits, wallMs: 60_000 }, () => undefined, async () => ({
    module: COUNTDOWN,
    input: new Uint8Array(4),
  }))
  .done;
console.log(`  worker start (tsx + runtime) and first tiny job: ${(performance.now() - t).toFixed(0)} ms`);
t = performance.now();
const tiny = await pool.run({ type: "run", jobId: "tiny", ...limits, wallMs: 60_000 }, () => undefined, async () => ({
  module: COUNTDOWN,
  input: new Uint8Array(4),
})).done;
console.log(`  a tiny job on a warm worker: ${(performance.now() - t).toFixed(1)} ms (worker wall ${tiny.wallMs} ms)`);
await measure("on a job worker thread", () => job("w"));
await measure("on the main thread (for comparison)", () => runMetered(meter(COUNTDOWN), COUNTDOWN, input, limits));
await pool.close();
