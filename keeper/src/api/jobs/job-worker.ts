// A job worker thread: meters and runs one module at a time with the deterministic runtime, off
// the keeper's main thread (a running job never stalls consensus or the HTTP server). Log lines
// (env.log) are posted as they are written, up to the job's log cap, so a job stopped by the
// wall-clock cap (the pool terminates this thread) keeps the logs it wrote.
import { parentPort } from "node:worker_threads";
import { meter, runMetered, type WasmOutcome } from "../../wasm/runtime.js";
import type { RunRequest, WorkerReply } from "./worker-protocol.js";

const port = parentPort;
if (!port) throw new Error("job-worker.ts runs as a worker thread");
const post = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

port.on("message", (req: RunRequest) => {
  void run(req).then(
    ({ outcome, logsTruncated }) => post({ type: "done", jobId: req.jobId, outcome, logsTruncated }),
    (err: unknown) =>
      post({
        type: "done",
        jobId: req.jobId,
        outcome: { ok: false, code: "trap", message: `runner error: ${String(err).slice(0, 200)}`, fuelUsed: 0n },
        logsTruncated: false,
      }),
  );
});

async function run(req: RunRequest): Promise<{ outcome: WasmOutcome; logsTruncated: boolean }> {
  let metered: Uint8Array;
  try {
    metered = meter(req.module);
  } catch (e) {
    const message = `cannot meter: ${(e as Error).message.slice(0, 160)}`;
    return { outcome: { ok: false, code: "bad-module", message, fuelUsed: 0n }, logsTruncated: false };
  }
  let logged = 0;
  let logsTruncated = false;
  // one env.log call is one line of the job's logs
  const log = (text: Uint8Array) => {
    const bytes = new Uint8Array(text.length + 1);
    bytes.set(text);
    bytes[text.length] = 0x0a;
    const room = req.maxLogBytes - logged;
    if (bytes.length > room) logsTruncated = true;
    const kept = bytes.length > room ? bytes.slice(0, Math.max(0, room)) : bytes;
    if (kept.length === 0) return;
    logged += kept.length;
    post({ type: "log", jobId: req.jobId, bytes: kept });
  };
  const outcome = await runMetered(
    metered,
    req.module,
    req.input,
    { fuel: req.fuel, memoryPages: req.memoryPages, maxOutputBytes: req.maxOutputBytes },
    { log },
  );
  return { outcome, logsTruncated };
}

post({ type: "ready" });
