// Jobs on the leases this keeper serves: checked, stored, queued and run on the worker pool within
// the lease's limits (limits.ts), with every state change on disk (job-store.ts). A lease runs at
// most `limits.concurrency` jobs at once and keeps at most `maxQueuedPerLease` waiting.
import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { getAddress, keccak256 } from "ethers";
import type { Logger } from "../../observability/index.js";
import { ApiError } from "../errors.js";
import type { LeaseAccess } from "../lease-access.js";
import { FINISHED, type JobRecord } from "./job-record.js";
import { JobStore } from "./job-store.js";
import { jobLimits, type JobsConfig } from "./limits.js";
import { checkModule } from "./module-check.js";
import { JobWorkerPool, type PoolResult, type RunningJob } from "./worker-pool.js";

export interface JobServiceOptions {
  dir: string;
  config: JobsConfig;
  logger: Logger;
  now?: () => number;
}

export class JobService {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly queue: string[] = [];
  private readonly running = new Map<string, RunningJob>();
  /** logs of running jobs, in memory until they finish */
  private readonly liveLogs = new Map<string, Buffer[]>();
  private readonly pool: JobWorkerPool;
  private readonly now: () => number;

  private constructor(
    private readonly opts: JobServiceOptions,
    private readonly store: JobStore,
  ) {
    const workers = opts.config.workers || Math.max(1, availableParallelism() - 1);
    this.pool = new JobWorkerPool(workers);
    this.now = opts.now ?? Date.now;
  }

  /** Opens the store; jobs a restart cut off (queued or running) are reported `interrupted`. */
  static async open(opts: JobServiceOptions): Promise<JobService> {
    const s = new JobService(opts, await JobStore.open(opts.dir));
    for (const rec of await s.store.loadAll()) {
      if (!FINISHED.has(rec.status)) {
        const was = rec.status;
        rec.status = "interrupted";
        rec.error = { code: "interrupted", message: `the keeper restarted while the job was ${was}` };
        rec.finishedAt = new Date(s.now()).toISOString();
        await s.store.save(rec);
      }
      s.jobs.set(rec.jobId, rec);
    }
    return s;
  }

  /** Body size a submit may have: base64 module and input, plus the rest. */
  get maxSubmitBytes(): number {
    return Math.ceil(((this.opts.config.maxModuleBytes + this.opts.config.maxInputBytes) * 4) / 3) + 64 * 1024;
  }

  /** Stores a module for the lease (checked first); returns its keccak256 hash. */
  async putModule(leaseId: bigint, bytes: Uint8Array): Promise<{ moduleHash: string; bytes: number }> {
    if (bytes.length > this.opts.config.maxModuleBytes) {
      throw new ApiError(413, "payload_too_large", `module over ${this.opts.config.maxModuleBytes} bytes`);
    }
    checkModule(bytes);
    const moduleHash = keccak256(bytes).toLowerCase();
    await this.store.putModule(leaseId.toString(), moduleHash, bytes);
    return { moduleHash, bytes: bytes.length };
  }

  async submit(access: LeaseAccess, submitter: string, body: Record<string, unknown>): Promise<JobRecord> {
    const cfg = this.opts.config;
    const leaseId = access.lease.leaseId.toString();
    const limits = jobLimits(access.lease, cfg, { fuel: body.fuel, timeoutMs: body.timeoutMs });
    let moduleHash: string;
    if (body.module !== undefined) {
      moduleHash = (await this.putModule(access.lease.leaseId, base64(body.module, "module"))).moduleHash;
    } else if (typeof body.moduleHash === "string") {
      moduleHash = body.moduleHash.toLowerCase();
      if (!(await this.store.getModule(leaseId, moduleHash))) {
        throw new ApiError(
          404,
          "not_found",
          `no module ${body.moduleHash} stored for lease ${leaseId}: send it as "module" (base64) or POST it to /modules`,
        );
      }
    } else {
      throw new ApiError(400, "bad_request", 'expected "module" (base64 wasm) or "moduleHash" (0x keccak256)');
    }
    if (body.input !== undefined && body.inputText !== undefined) {
      throw new ApiError(400, "bad_request", 'send "input" (base64) or "inputText" (UTF-8), not both');
    }
    let input: Uint8Array = new Uint8Array();
    if (body.input !== undefined) input = base64(body.input, "input");
    else if (body.inputText !== undefined) {
      if (typeof body.inputText !== "string") throw new ApiError(400, "bad_request", "inputText must be a string");
      input = Buffer.from(body.inputText, "utf8");
    }
    if (input.length > cfg.maxInputBytes) {
      throw new ApiError(413, "payload_too_large", `input over ${cfg.maxInputBytes} bytes`);
    }
    const waiting = this.queue.filter((id) => this.jobs.get(id)?.leaseId === leaseId).length;
    if (waiting >= cfg.maxQueuedPerLease) {
      throw new ApiError(429, "too_many_jobs", `lease ${leaseId} already has ${waiting} jobs waiting`);
    }
    const rec: JobRecord = {
      jobId: randomBytes(16).toString("hex"),
      leaseId,
      moduleHash,
      submittedBy: getAddress(submitter),
      status: "queued",
      submittedAt: new Date(this.now()).toISOString(),
      limits: { ...limits, fuel: limits.fuel.toString() },
      inputBytes: input.length,
      usage: { fuelUsed: null, wallMs: null, peakMemoryBytes: null },
      outputBytes: null,
      logBytes: 0,
      logsTruncated: false,
    };
    await this.store.create(rec, input);
    this.jobs.set(rec.jobId, rec);
    this.queue.push(rec.jobId);
    this.opts.logger.info({ leaseId, jobId: rec.jobId, moduleHash }, "job queued");
    this.pump();
    return rec;
  }

  /** Leases that have jobs or modules here (the grace sweep deletes them with the lease's data). */
  leaseIds(): Promise<bigint[]> {
    return this.store.leaseIds();
  }

  /** The lease's jobs, newest first. */
  list(leaseId: bigint): JobRecord[] {
    const id = leaseId.toString();
    return [...this.jobs.values()]
      .filter((j) => j.leaseId === id)
      .sort((a, b) => (a.submittedAt < b.submittedAt ? 1 : a.submittedAt > b.submittedAt ? -1 : 0));
  }

  get(leaseId: bigint, jobId: string | undefined): JobRecord {
    const rec = jobId ? this.jobs.get(jobId) : undefined;
    if (!rec || rec.leaseId !== leaseId.toString()) {
      throw new ApiError(404, "not_found", `no job ${jobId ?? ""} on lease ${leaseId}`);
    }
    return rec;
  }

  /** The job's output (succeeded jobs only). */
  async output(rec: JobRecord): Promise<Buffer> {
    if (rec.status !== "succeeded") {
      throw new ApiError(409, "job_not_finished", `job ${rec.jobId} is ${rec.status}: output exists once it succeeded`);
    }
    return this.store.read(rec, "output");
  }

  /** The logs so far (a running job's too). */
  async logs(rec: JobRecord): Promise<Buffer> {
    const live = this.liveLogs.get(rec.jobId);
    if (live) return Buffer.concat(live);
    return this.store.read(rec, "logs");
  }

  /** Cancels a queued or running job; a finished one is left as it is (409). */
  async cancel(rec: JobRecord): Promise<JobRecord> {
    if (FINISHED.has(rec.status)) {
      throw new ApiError(409, "job_not_finished", `job ${rec.jobId} already ended (${rec.status})`);
    }
    const running = this.running.get(rec.jobId);
    if (running) {
      running.cancel();
      await running.done.catch(() => undefined);
      await this.settled.get(rec.jobId);
      return rec;
    }
    const i = this.queue.indexOf(rec.jobId);
    if (i >= 0) this.queue.splice(i, 1);
    Object.assign(rec, {
      status: "cancelled",
      error: { code: "cancelled", message: "cancelled by the lease holder before it started" },
      finishedAt: new Date(this.now()).toISOString(),
    });
    await this.persist(rec);
    return rec;
  }

  /** Deletes a lease's jobs (its grace period is over). */
  async removeLease(leaseId: bigint): Promise<void> {
    const id = leaseId.toString();
    const ending: Promise<void>[] = [];
    for (const rec of this.list(leaseId)) {
      const i = this.queue.indexOf(rec.jobId);
      if (i >= 0) this.queue.splice(i, 1);
      this.running.get(rec.jobId)?.cancel();
      const settled = this.settled.get(rec.jobId);
      if (settled) ending.push(settled);
    }
    // a cancelled job writes its end first; then everything goes
    await Promise.all(ending);
    for (const rec of this.list(leaseId)) this.jobs.delete(rec.jobId);
    await this.store.removeLease(id);
  }

  /** Keeper shutdown: running jobs are stopped and recorded `interrupted`. */
  async close(): Promise<void> {
    this.closing = true;
    for (const r of this.running.values()) r.cancel();
    await Promise.all([...this.settled.values()]);
    await this.pool.close();
  }

  private closing = false;
  /** jobId -> the last queued write of its record: a job's saves land in order */
  private readonly writes = new Map<string, Promise<void>>();

  /** Saves a snapshot of the record after the job's earlier saves. */
  private persist(rec: JobRecord): Promise<void> {
    const snapshot = structuredClone(rec);
    const next = (this.writes.get(rec.jobId) ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.store.save(snapshot));
    this.writes.set(rec.jobId, next);
    void next
      .finally(() => {
        if (this.writes.get(rec.jobId) === next) this.writes.delete(rec.jobId);
      })
      .catch(() => undefined);
    return next;
  }
  /** jobId -> the write of its final record */
  private readonly settled = new Map<string, Promise<void>>();

  private runningOn(leaseId: string): number {
    let n = 0;
    for (const id of this.running.keys()) if (this.jobs.get(id)?.leaseId === leaseId) n++;
    return n;
  }

  /** Starts queued jobs while workers are free, oldest first, each lease within its concurrency. */
  private pump(): void {
    if (this.closing) return;
    for (let i = 0; i < this.queue.length && this.pool.free > 0;) {
      const rec = this.jobs.get(this.queue[i]!);
      if (!rec || this.runningOn(rec.leaseId) >= rec.limits.concurrency) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.start(rec);
    }
  }

  private start(rec: JobRecord): void {
    const logs: Buffer[] = [];
    this.liveLogs.set(rec.jobId, logs);
    rec.status = "running";
    rec.startedAt = new Date(this.now()).toISOString();
    let logBytes = 0;
    const job = this.pool.run(
      {
        type: "run",
        jobId: rec.jobId,
        fuel: BigInt(rec.limits.fuel),
        memoryPages: rec.limits.memoryPages,
        maxOutputBytes: rec.limits.maxOutputBytes,
        maxLogBytes: rec.limits.maxLogBytes,
        wallMs: rec.limits.wallMs,
      },
      (bytes) => {
        logBytes += bytes.length;
        logs.push(Buffer.from(bytes));
        rec.logBytes = logBytes;
      },
      () => this.loadRun(rec),
    );
    this.running.set(rec.jobId, job);
    const settled = job.done
      .then((r) => this.finish(rec, r, Buffer.concat(logs)))
      .catch((err: unknown) => this.opts.logger.error({ err, jobId: rec.jobId }, "job bookkeeping failed"))
      .finally(() => {
        this.running.delete(rec.jobId);
        this.liveLogs.delete(rec.jobId);
        this.settled.delete(rec.jobId);
        this.pump();
      });
    this.settled.set(rec.jobId, settled);
    this.persist(rec).catch((err: unknown) => this.opts.logger.warn({ err }, "job record write failed"));
  }

  /** The module and input of a job, read when a worker is about to run it. */
  private async loadRun(rec: JobRecord): Promise<{ module: Uint8Array; input: Uint8Array }> {
    const module = await this.store.getModule(rec.leaseId, rec.moduleHash);
    if (!module) throw new Error(`module ${rec.moduleHash} is gone`);
    return { module, input: await this.store.readInput(rec) };
  }

  private async finish(rec: JobRecord, r: PoolResult, logs: Buffer): Promise<void> {
    rec.finishedAt = new Date(this.now()).toISOString();
    rec.usage = {
      fuelUsed: r.outcome ? r.outcome.fuelUsed.toString() : null,
      wallMs: r.wallMs,
      peakMemoryBytes: r.outcome?.memoryBytes ?? null,
    };
    rec.logBytes = logs.length;
    rec.logsTruncated = r.logsTruncated;
    let output: Uint8Array | undefined;
    if (r.outcome?.ok) {
      rec.status = "succeeded";
      output = r.outcome.output;
      rec.outputBytes = output.length;
    } else if (r.outcome) {
      rec.status = "failed";
      rec.error = { code: r.outcome.code, message: r.outcome.message };
    } else if (r.stopped?.code === "cancelled" && this.closing) {
      rec.status = "interrupted";
      rec.error = { code: "interrupted", message: "the keeper stopped while the job was running" };
    } else if (r.stopped?.code === "cancelled") {
      rec.status = "cancelled";
      rec.error = { code: "cancelled", message: r.stopped.message };
    } else {
      rec.status = "failed";
      rec.error = r.stopped ?? { code: "worker-crashed", message: "no answer from the job worker" };
    }
    await this.store.writeResult(rec, output, logs);
    await this.persist(rec);
    this.opts.logger.info(
      { leaseId: rec.leaseId, jobId: rec.jobId, status: rec.status, error: rec.error?.code, wallMs: r.wallMs },
      "job ended",
    );
    await this.prune(rec.leaseId);
  }

  /** Keeps the newest `keepPerLease` finished jobs of a lease. */
  private async prune(leaseId: string): Promise<void> {
    const done = this.list(BigInt(leaseId)).filter((j) => FINISHED.has(j.status));
    for (const old of done.slice(this.opts.config.keepPerLease)) {
      this.jobs.delete(old.jobId);
      await this.store.remove(old);
    }
  }
}

function base64(v: unknown, what: string): Buffer {
  if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
    throw new ApiError(400, "bad_request", `${what} must be base64 (standard alphabet, padded)`);
  }
  return Buffer.from(v, "base64");
}
