// Messages between the job pool (main thread) and a job worker (job-worker.ts).
import type { WasmOutcome } from "../../wasm/runtime.js";

export interface RunRequest {
  type: "run";
  jobId: string;
  module: Uint8Array;
  input: Uint8Array;
  fuel: bigint;
  memoryPages: number;
  maxOutputBytes: number;
  maxLogBytes: number;
  /** the wall-clock cap, enforced by the pool (the worker cannot be interrupted) */
  wallMs: number;
}

export type WorkerReply =
  | { type: "ready" }
  | { type: "log"; jobId: string; bytes: Uint8Array }
  | { type: "done"; jobId: string; outcome: WasmOutcome; logsTruncated: boolean };
