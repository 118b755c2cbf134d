// A job as the API shows it and the disk keeps it (job.json): JSON-ready (fuel as decimal strings).
import type { WasmFailure } from "../../wasm/runtime.js";

export type JobStatus =
  | "queued"
  | "running"
  | "succeeded"
  | "failed"
  | "interrupted"
  | "cancelled"
  /** queued when its lease ended: never started */
  | "lease-ended";

/** Why a job failed: the runtime's codes, plus the wall-clock cap and a worker that died. */
export type JobErrorCode = WasmFailure | "timeout" | "worker-crashed";

export interface JobRecord {
  jobId: string;
  leaseId: string;
  /** keccak256 of the module's bytes */
  moduleHash: string;
  /** the lease holder that submitted it */
  submittedBy: string;
  status: JobStatus;
  /** set when failed, interrupted, cancelled or lease-ended */
  error?: { code: JobErrorCode | "interrupted" | "cancelled" | "lease-ended"; message: string };
  submittedAt: string;
  startedAt?: string;
  finishedAt?: string;
  limits: {
    fuel: string;
    memoryPages: number;
    wallMs: number;
    maxOutputBytes: number;
    maxLogBytes: number;
    concurrency: number;
  };
  inputBytes: number;
  usage: {
    /** null when unknown (stopped by the wall-clock cap: the worker was terminated) */
    fuelUsed: string | null;
    wallMs: number | null;
    peakMemoryBytes: number | null;
  };
  /** bytes of output (null until succeeded) */
  outputBytes: number | null;
  logBytes: number;
  /** logs past maxLogBytes were dropped */
  logsTruncated: boolean;
}

export const FINISHED: ReadonlySet<JobStatus> = new Set([
  "succeeded",
  "failed",
  "interrupted",
  "cancelled",
  "lease-ended",
]);
