// Jobs on the leases this keeper serves: checked, stored, queued and run on the worker pool within
// the lease's limits (limits.ts), with every state change on disk (job-store.ts). A lease runs at
// most `limits.concurrency` jobs at once and keeps at most `maxQueuedPerLease` waiting. A job's
// files (its module, input, output and logs) count against the lease's storage quota with its S3
// objects (lease-usage.ts): a submit holds room for its module, input and the output and log caps.
import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { getAddress, keccak256 } from "ethers";
import type { Logger } from "../../observability/index.js";
import { ApiError } from "../errors.js";
import type { Lease, LeaseAccess } from "../lease-access.js";
import { QuotaExceeded, type LeaseUsage, type UsageBook } from "../lease-usage.js";
import { FINISHED, type JobRecord } from "./job-record.js";
import { JobStore } from "./job-store.js";
import { jobLimits, type JobsConfig } from "./limits.js";
import { checkModule } from "./module-check.js";
import { JobNotStarted, JobWorkerPool, type PoolResult, type RunningJob } from "./worker-pool.js";

export interface JobServiceOptions {
  dir: string;
  config: JobsConfig;
  logger: Logger;
  now?: () => number;
  /** where the lease's bytes are counted with its S3 objects (Workspaces) */
  quota: {
    usage: UsageBook;
    /** opens the lease's S3 store, so its bytes are counted before a check */
    store(leaseId: bigint): Promise<unknown>;
    /** bytes per GiB of lease storage */
    storageUnitBytes: number;
  };
  /**
   * Asked when a queued job is about to start: a reason when the lease ended (by the chain's
   * clock), so the job is not run. Absent: jobs are not checked (tests of the service alone).
   */
  leaseEnded?: (leaseId: bigint) => Promise<string | undefined>;
}

export class JobService {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly queue: string[] = [];
  private readonly running = new Map<string, RunningJob>();
  /** logs of running jobs, in memory until they finish */
  private readonly liveLogs = new Map<string, Buffer[]>();
  private readonly pool: JobWorkerPool;
  private readonly now: () => number;
  /** leaseId -> its stored modules: hash -> bytes (counted in the lease's usage) */
  private readonly modules = new Map<string, Map<string, number>>();
  /** jobId -> the bytes of its files counted in the lease's usage */
  private readonly counted = new Map<string, number>();
  /** jobId -> the room held for its output and logs until it ends */
  private readonly holds = new Map<string, () => void>();
  /** `${leaseId}:${hash}` -> submits in flight that will run this module (it may not be deleted) */
  private readonly pins = new Map<string, number>();

  private constructor(
    private readonly opts: JobServiceOptions,
    private readonly store: JobStore,
  ) {
    const workers = opts.config.workers || Math.max(1, availableParallelism() - 1);
    this.pool = new JobWorkerPool(workers);
    this.now = opts.now ?? Date.now;
  }

  /**
   * Opens the store; jobs a restart cut off (queued or running) are reported `interrupted`. The
   * bytes of every job's files and module are counted from the disk into the leases' usage.
   */
  static async open(opts: JobServiceOptions): Promise<JobService> {
    const s = new JobService(opts, await JobStore.open(opts.dir));
    for (const leaseId of await s.store.leaseIds()) {
      const mods = await s.store.modules(leaseId.toString());
      s.modules.set(leaseId.toString(), mods);
      let n = 0;
      for (const b of mods.values()) n += b;
      s.usage(leaseId.toString()).add("jobs", n);
    }
    for (const rec of await s.store.loadAll()) {
      if (!FINISHED.has(rec.status)) {
        const was = rec.status;
        rec.status = "interrupted";
        rec.error = { code: "interrupted", message: `the keeper restarted while the job was ${was}` };
        rec.finishedAt = new Date(s.now()).toISOString();
        await s.store.save(rec);
      }
      s.jobs.set(rec.jobId, rec);
      const bytes = await s.store.fileBytes(rec);
      s.counted.set(rec.jobId, bytes);
      s.usage(rec.leaseId).add("jobs", bytes);
    }
    return s;
  }

  private usage(leaseId: string): LeaseUsage {
    return this.opts.quota.usage.of(leaseId);
  }

  /**
   * Holds room for `bytes` more on the lease, its S3 objects counted; 413 `quota_exceeded` when
   * they do not fit (a client error: the lease's own storage is full, not the provider's disk).
   */
  private async reserve(lease: Lease, bytes: number): Promise<() => void> {
    await this.opts.quota.store(lease.leaseId);
    const quota = Number(lease.storageGiB) * this.opts.quota.storageUnitBytes;
    try {
      return this.usage(lease.leaseId.toString()).reserve(bytes, 0, quota);
    } catch (err) {
      if (!(err instanceof QuotaExceeded)) throw err;
      throw new ApiError(
        413,
        "quota_exceeded",
        `${err.message}; a job holds room for its module, input and its output and log caps: delete objects or finished jobs to free room`,
      );
    }
  }

  /** Stores a module once per lease and counts it (the caller holds room for it). */
  private async keepModule(leaseId: string, moduleHash: string, bytes: Uint8Array): Promise<void> {
    await this.store.putModule(leaseId, moduleHash, bytes);
    let mods = this.modules.get(leaseId);
    if (!mods) this.modules.set(leaseId, (mods = new Map()));
    // two submits of one new module may both write it: it is counted once
    if (!mods.has(moduleHash)) {
      mods.set(moduleHash, bytes.length);
      this.usage(leaseId).add("jobs", bytes.length);
    }
  }

  private hasModule(leaseId: string, moduleHash: string): boolean {
    return this.modules.get(leaseId)?.has(moduleHash) ?? false;
  }

  /** Body size a submit may have: base64 module and input, plus the rest. */
  get maxSubmitBytes(): number {
    return Math.ceil(((this.opts.config.maxModuleBytes + this.opts.config.maxInputBytes) * 4) / 3) + 64 * 1024;
  }

  /** Checks a module's size and shape; returns its keccak256 hash. */
  private checked(bytes: Uint8Array): string {
    if (bytes.length > this.opts.config.maxModuleBytes) {
      throw new ApiError(413, "payload_too_large", `module over ${this.opts.config.maxModuleBytes} bytes`);
    }
    checkModule(bytes);
    return keccak256(bytes).toLowerCase();
  }

  /** Stores a module for the lease (checked first, counted against its quota); returns its hash. */
  async putModule(lease: Lease, bytes: Uint8Array): Promise<{ moduleHash: string; bytes: number }> {
    const moduleHash = this.checked(bytes);
    const leaseId = lease.leaseId.toString();
    if (!this.hasModule(leaseId, moduleHash)) {
      const release = await this.reserve(lease, bytes.length);
      try {
        await this.keepModule(leaseId, moduleHash, bytes);
      } finally {
        release();
      }
    }
    return { moduleHash, bytes: bytes.length };
  }

  /** Deletes a stored module (its bytes leave the quota); 409 while a waiting or running job needs it. */
  async deleteModule(leaseId: bigint, moduleHash: string): Promise<{ deleted: string; freedBytes: number }> {
    const id = leaseId.toString();
    const hash = moduleHash.toLowerCase();
    const bytes = this.modules.get(id)?.get(hash);
    if (bytes === undefined) throw new ApiError(404, "not_found", `no module ${moduleHash} stored for lease ${id}`);
    const user = this.list(leaseId).find((j) => j.moduleHash === hash && !FINISHED.has(j.status));
    if (user) throw new ApiError(409, "module_in_use", `job ${user.jobId} (${user.status}) runs this module`);
    if (this.pins.has(`${id}:${hash}`))
      throw new ApiError(409, "module_in_use", "a job for this module is being submitted");
    this.modules.get(id)!.delete(hash);
    await this.store.removeModule(id, hash);
    this.usage(id).add("jobs", -bytes);
    return { deleted: hash, freedBytes: bytes };
  }

  async submit(access: LeaseAccess, submitter: string, body: Record<string, unknown>): Promise<JobRecord> {
    const cfg = this.opts.config;
    const leaseId = access.lease.leaseId.toString();
    const limits = jobLimits(access.lease, cfg, { fuel: body.fuel, timeoutMs: body.timeoutMs });
    let moduleHash: string;
    let module: Uint8Array | undefined;
    if (body.module !== undefined) {
      module = base64(body.module, "module");
      moduleHash = this.checked(module);
    } else if (typeof body.moduleHash === "string") {
      moduleHash = body.moduleHash.toLowerCase();
      if (!this.hasModule(leaseId, moduleHash)) {
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
    // room for the module (unless stored), the input, and the output and logs it may write
    const fresh = module && !this.hasModule(leaseId, moduleHash) ? module : undefined;
    const caps = limits.maxOutputBytes + limits.maxLogBytes;
    // no await since the module was found: pinned now, it cannot be deleted before the job is listed
    const pin = `${leaseId}:${moduleHash}`;
    this.pins.set(pin, (this.pins.get(pin) ?? 0) + 1);
    try {
      return await this.enqueue(access, submitter, moduleHash, fresh, input, limits, caps);
    } finally {
      const n = this.pins.get(pin)! - 1;
      if (n > 0) this.pins.set(pin, n);
      else this.pins.delete(pin);
    }
  }

  /** Holds room for the job, stores it and queues it. */
  private async enqueue(
    access: LeaseAccess,
    submitter: string,
    moduleHash: string,
    fresh: Uint8Array | undefined,
    input: Uint8Array,
    limits: ReturnType<typeof jobLimits>,
    caps: number,
  ): Promise<JobRecord> {
    const leaseId = access.lease.leaseId.toString();
    const release = await this.reserve(access.lease, (fresh?.length ?? 0) + input.length + caps);
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
    try {
      if (fresh) await this.keepModule(leaseId, moduleHash, fresh);
      await this.store.create(rec, input);
    } finally {
      release();
    }
    this.usage(leaseId).add("jobs", input.length);
    this.counted.set(rec.jobId, input.length);
    // the hold moves from the submit to the job (no await between: nothing else takes the room)
    this.holds.set(rec.jobId, this.usage(leaseId).reserve(caps, 0, Infinity));
    this.jobs.set(rec.jobId, rec);
    this.queue.push(rec.jobId);
    this.opts.logger.info({ leaseId, jobId: rec.jobId, moduleHash }, "job queued");
    this.pump();
    return rec;
  }

  /** What a job submitted now on `lease` may use at most (the Studio shows it before a submit). */
  limitsFor(lease: Lease): JobRecord["limits"] & { maxModuleBytes: number; maxInputBytes: number } {
    const l = jobLimits(lease, this.opts.config);
    return {
      ...l,
      fuel: l.fuel.toString(),
      maxModuleBytes: this.opts.config.maxModuleBytes,
      maxInputBytes: this.opts.config.maxInputBytes,
    };
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

  /**
   * DELETE of a job: cancels it while queued or running (answers the cancelled job); deletes a
   * finished one with its files (their bytes leave the quota).
   */
  async delete(rec: JobRecord): Promise<JobRecord | { deleted: string; freedBytes: number }> {
    if (!FINISHED.has(rec.status)) return this.cancel(rec);
    // a cancel or an end being written: let it land before the files go
    await this.settled.get(rec.jobId);
    await this.writes.get(rec.jobId)?.catch(() => undefined);
    if (!this.jobs.has(rec.jobId)) throw new ApiError(404, "not_found", `no job ${rec.jobId}`);
    return { deleted: rec.jobId, freedBytes: await this.remove(rec) };
  }

  /** Forgets a finished job and deletes its files; returns the bytes freed. */
  private async remove(rec: JobRecord): Promise<number> {
    this.jobs.delete(rec.jobId);
    await this.store.remove(rec);
    const bytes = this.counted.get(rec.jobId) ?? 0;
    this.counted.delete(rec.jobId);
    this.usage(rec.leaseId).add("jobs", -bytes);
    return bytes;
  }

  /** Cancels a queued or running job. */
  private async cancel(rec: JobRecord): Promise<JobRecord> {
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
    this.release(rec.jobId);
    await this.persist(rec);
    return rec;
  }

  /** Frees the room held for a job's output and logs (it ended). */
  private release(jobId: string): void {
    this.holds.get(jobId)?.();
    this.holds.delete(jobId);
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
    for (const rec of this.list(leaseId)) {
      this.jobs.delete(rec.jobId);
      this.release(rec.jobId);
      this.counted.delete(rec.jobId);
    }
    this.modules.delete(id);
    await this.store.removeLease(id);
    const usage = this.usage(id);
    usage.add("jobs", -usage.of("jobs"));
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
        moduleHash: rec.moduleHash,
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
        this.release(rec.jobId);
        this.settled.delete(rec.jobId);
        this.pump();
      });
    this.settled.set(rec.jobId, settled);
    this.persist(rec).catch((err: unknown) => this.opts.logger.warn({ err }, "job record write failed"));
  }

  /** The module and input of a job, read when a worker is about to run it (unless its lease ended). */
  private async loadRun(rec: JobRecord): Promise<{ module: Uint8Array; input: Uint8Array }> {
    const ended = await this.opts.leaseEnded?.(BigInt(rec.leaseId)).catch((err: unknown) => {
      // the chain could not be read: the lease was running at submit, so the job runs
      this.opts.logger.warn({ err, jobId: rec.jobId }, "cannot read the lease before a job starts; running it");
      return undefined;
    });
    if (ended) throw new JobNotStarted("lease-ended", ended);
    const module = await this.store.getModule(rec.leaseId, rec.moduleHash);
    if (!module) throw new Error(`module ${rec.moduleHash} is gone`);
    return { module, input: await this.store.readInput(rec) };
  }

  private async finish(rec: JobRecord, r: PoolResult, logs: Buffer): Promise<void> {
    let output: Uint8Array | undefined;
    let status: JobRecord["status"];
    let error: JobRecord["error"];
    if (r.outcome?.ok) {
      status = "succeeded";
      output = r.outcome.output;
    } else if (r.outcome) {
      status = "failed";
      error = { code: r.outcome.code, message: r.outcome.message };
    } else if (r.stopped?.code === "cancelled" && this.closing) {
      status = "interrupted";
      error = { code: "interrupted", message: "the keeper stopped while the job was running" };
    } else if (r.stopped?.code === "lease-ended") {
      status = "lease-ended";
      error = { code: "lease-ended", message: r.stopped.message };
    } else if (r.stopped?.code === "cancelled") {
      status = "cancelled";
      error = { code: "cancelled", message: r.stopped.message };
    } else {
      status = "failed";
      error = r.stopped ?? { code: "worker-crashed", message: "no answer from the job worker" };
    }
    // files and their count first: a reader that sees the job ended finds its output and its bytes
    await this.store.writeResult(rec, output, logs);
    const written = (output?.length ?? 0) + logs.length;
    this.counted.set(rec.jobId, (this.counted.get(rec.jobId) ?? 0) + written);
    this.usage(rec.leaseId).add("jobs", written);
    this.release(rec.jobId);
    Object.assign(rec, {
      status,
      ...(error ? { error } : {}),
      finishedAt: new Date(this.now()).toISOString(),
      usage: {
        fuelUsed: r.outcome ? r.outcome.fuelUsed.toString() : null,
        wallMs: status === "lease-ended" ? null : r.wallMs,
        peakMemoryBytes: r.outcome?.memoryBytes ?? null,
      },
      logBytes: logs.length,
      logsTruncated: r.logsTruncated,
      ...(output ? { outputBytes: output.length } : {}),
    } satisfies Partial<JobRecord>);
    if (status === "lease-ended") delete rec.startedAt; // it never ran
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
    for (const old of done.slice(this.opts.config.keepPerLease)) await this.remove(old);
  }
}

function base64(v: unknown, what: string): Buffer {
  if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
    throw new ApiError(400, "bad_request", `${what} must be base64 (standard alphabet, padded)`);
  }
  return Buffer.from(v, "base64");
}
