// Worker threads that run jobs, kept warm (a worker loads the TypeScript runtime once, ~0.5 s).
// The main thread only posts the job and waits: the wasm runs on the worker, so the keeper's event
// loop (consensus, HTTP) stays responsive. The wall-clock cap and a cancel terminate the worker
// (a synchronous wasm loop cannot be interrupted any other way); a fresh one replaces it.
import { Worker } from "node:worker_threads";
import type { WasmOutcome } from "../../wasm/runtime.js";
import type { RunRequest, WorkerReply } from "./worker-protocol.js";

export type PoolStop = "timeout" | "cancelled" | "worker-crashed" | "memory-limit" | "lease-ended";

/** Thrown by a job's `load` when it must not run after all (its lease ended while it waited). */
export class JobNotStarted extends Error {
  constructor(
    readonly code: "lease-ended",
    message: string,
  ) {
    super(message);
  }
}

export interface PoolResult {
  /** the runtime's answer, when the worker gave one */
  outcome?: WasmOutcome;
  /** why the worker was stopped instead */
  stopped?: { code: PoolStop; message: string };
  logsTruncated: boolean;
  wallMs: number;
}

export interface RunningJob {
  done: Promise<PoolResult>;
  cancel(): void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
}

const ENTRY = new URL(`./job-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url).href;
// The keeper runs as TypeScript under tsx: a worker registers tsx before loading its entry.
const TSX = ENTRY.endsWith(".ts") ? import.meta.resolve("tsx/esm/api") : undefined;
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
(workerData.tsx ? import(workerData.tsx).then((m) => m.register()) : Promise.resolve()).then(() => import(workerData.entry));
`;

export class JobWorkerPool {
  private readonly idle: Slot[] = [];
  private busy = 0;
  private closed = false;

  /** `heapMb`: a worker's JS heap cap (wasm memory is bounded by the job's limits instead) */
  constructor(
    readonly size: number,
    private readonly heapMb = 256,
  ) {}

  get free(): number {
    return this.closed ? 0 : this.size - this.busy;
  }

  private spawn(): Slot {
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { entry: ENTRY, tsx: TSX },
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb },
    });
    worker.unref();
    // an idle worker that dies (it should not) leaves the pool instead of taking the next job
    worker.once("exit", () => {
      const i = this.idle.findIndex((s) => s.worker === worker);
      if (i >= 0) this.idle.splice(i, 1);
    });
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: WorkerReply) => {
        if (m.type !== "ready") return;
        worker.off("message", onMessage);
        worker.off("error", reject);
        resolve();
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
    });
    ready.catch(() => undefined);
    return { worker, ready };
  }

  /**
   * Runs a job on a free worker; call only when `free > 0`. `load` reads its module and input
   * (from disk) once the worker is ready; the wall clock starts when they are posted.
   */
  run(
    req: Omit<RunRequest, "module" | "input">,
    onLog: (bytes: Uint8Array) => void,
    load: () => Promise<Pick<RunRequest, "module" | "input">>,
  ): RunningJob {
    if (this.free <= 0) throw new Error("no free job worker");
    this.busy++;
    const slot = this.idle.pop() ?? this.spawn();
    let stop: ((code: PoolStop, message: string) => void) | undefined;
    const done = new Promise<PoolResult>((resolve) => {
      let startedAt = 0;
      let timer: NodeJS.Timeout | undefined;
      let finished = false;
      let logsTruncated = false;
      const finish = (r: Omit<PoolResult, "wallMs" | "logsTruncated">, reuse: boolean) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        slot.worker.off("message", onMessage);
        slot.worker.off("error", onError);
        slot.worker.off("exit", onExit);
        this.busy--;
        if (reuse && !this.closed) this.idle.push(slot);
        else void slot.worker.terminate();
        resolve({ ...r, logsTruncated, wallMs: startedAt ? Math.round(performance.now() - startedAt) : 0 });
      };
      const onMessage = (m: WorkerReply) => {
        if (m.type === "log" && m.jobId === req.jobId) onLog(m.bytes);
        else if (m.type === "done" && m.jobId === req.jobId) {
          logsTruncated = m.logsTruncated;
          finish({ outcome: m.outcome }, true);
        }
      };
      const onError = (err: Error & { code?: string }) => {
        if (err.code === "ERR_WORKER_OUT_OF_MEMORY") {
          finish({ stopped: { code: "memory-limit", message: "the job worker ran out of heap" } }, false);
        } else finish({ stopped: { code: "worker-crashed", message: err.message.slice(0, 200) } }, false);
      };
      const onExit = (code: number) =>
        finish({ stopped: { code: "worker-crashed", message: `job worker exited (${code})` } }, false);
      stop = (code, message) => finish({ stopped: { code, message } }, false);
      slot.worker.on("message", onMessage);
      slot.worker.on("error", onError);
      slot.worker.on("exit", onExit);
      slot.ready
        .then(async () => {
          const body = await load();
          if (finished) return;
          startedAt = performance.now();
          timer = setTimeout(() => stop!("timeout", `wall-clock cap of ${req.wallMs} ms reached`), req.wallMs);
          timer.unref();
          slot.worker.postMessage({ ...req, ...body } satisfies RunRequest);
        })
        .catch((err: unknown) =>
          err instanceof JobNotStarted
            ? finish({ stopped: { code: err.code, message: err.message } }, true) // nothing was posted: the worker is free
            : finish(
                { stopped: { code: "worker-crashed", message: `job start: ${String(err).slice(0, 200)}` } },
                false,
              ),
        );
    });
    return {
      done,
      cancel: () => stop?.("cancelled", "cancelled by the lease holder"),
    };
  }

  /** Stops every worker (keeper shutdown); running jobs end as `worker-crashed` unless cancelled first. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.idle.splice(0).map((s) => s.worker.terminate()));
  }
}
