// A job's limits, derived from the lease it runs on. A job is one thread, so a lease's cores are
// how many of its jobs run at once, and one job's fuel is what one core buys for the wall-clock
// cap; the lease's memory is shared by its concurrent jobs. docs/workspace.md, "Jobs", has the table.
import type { z } from "zod";
import type { JobsConfigSchema } from "../../config/schema.js";
import { ApiError } from "../errors.js";
import type { Lease } from "../lease-access.js";

export type JobsConfig = z.infer<typeof JobsConfigSchema>;

export interface JobLimits {
  /** wasm instructions (wasm-metering fuel) */
  fuel: bigint;
  /** 64 KiB pages: the module's declared memory maximum must be within it */
  memoryPages: number;
  wallMs: number;
  maxOutputBytes: number;
  maxLogBytes: number;
  /** this lease's jobs running at once */
  concurrency: number;
}

/** wasm32 addresses 4 GiB: 65,536 pages of 64 KiB */
const MAX_PAGES = 65_536;
const PAGES_PER_MIB = 16;

/** What a submit may ask for, below the lease's limits. */
export interface LimitRequest {
  fuel?: unknown;
  timeoutMs?: unknown;
}

export function jobLimits(lease: Lease, cfg: JobsConfig, req: LimitRequest = {}): JobLimits {
  const concurrency = Math.max(1, Math.min(lease.cpuCores, cfg.maxConcurrentPerLease));
  const memoryPages = Math.min(MAX_PAGES, Math.floor((Number(lease.memoryMiB) * PAGES_PER_MIB) / concurrency));
  let wallMs = cfg.maxWallMs;
  if (req.timeoutMs !== undefined) {
    if (!Number.isSafeInteger(req.timeoutMs) || (req.timeoutMs as number) <= 0) {
      throw new ApiError(400, "bad_request", "timeoutMs must be a positive integer (milliseconds)");
    }
    wallMs = Math.min(wallMs, req.timeoutMs as number);
  }
  let fuel = (BigInt(cfg.fuelPerCoreSecond) * BigInt(wallMs)) / 1000n;
  if (req.fuel !== undefined) {
    const asked = parseFuel(req.fuel);
    if (asked < fuel) fuel = asked;
  }
  return {
    fuel,
    memoryPages,
    wallMs,
    maxOutputBytes: cfg.maxOutputBytes,
    maxLogBytes: cfg.maxLogBytes,
    concurrency,
  };
}

function parseFuel(v: unknown): bigint {
  const s = typeof v === "number" && Number.isSafeInteger(v) ? String(v) : v;
  if (typeof s !== "string" || !/^[1-9]\d{0,19}$/.test(s)) {
    throw new ApiError(400, "bad_request", "fuel must be a positive integer (a number or a decimal string)");
  }
  return BigInt(s);
}
