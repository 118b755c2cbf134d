// Jobs on disk, per lease: <dir>/<leaseId>/<jobId>/{job.json,input,output,logs} and the lease's
// modules by hash in <dir>/<leaseId>/modules/<hash>.wasm. Every state change rewrites job.json
// durably (fsync + rename), so a restart finds each job as last reported; a job found queued or
// running at open was cut off by the restart and becomes `interrupted`.
import { randomBytes } from "node:crypto";
import { access, mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileDurable } from "../s3/durable.js";
import type { JobRecord } from "./job-record.js";

export class JobStore {
  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<JobStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new JobStore(dir);
  }

  private jobDir(leaseId: string, jobId: string): string {
    return join(this.dir, leaseId, jobId);
  }

  /** Every job record on disk (unreadable ones are skipped: a half-made job dir has no job.json). */
  async loadAll(): Promise<JobRecord[]> {
    const out: JobRecord[] = [];
    for (const lease of await readdir(this.dir)) {
      if (!/^\d+$/.test(lease)) continue;
      for (const job of await readdir(join(this.dir, lease))) {
        if (!/^[0-9a-f]{32}$/.test(job)) continue;
        const raw = await readFile(join(this.jobDir(lease, job), "job.json"), "utf8").catch(() => undefined);
        if (raw === undefined) continue;
        try {
          out.push(JSON.parse(raw) as JobRecord);
        } catch {
          // a torn write cannot happen (rename), but a hand-edited file can: leave it out
        }
      }
    }
    return out;
  }

  async leaseIds(): Promise<bigint[]> {
    return (await readdir(this.dir)).filter((n) => /^\d+$/.test(n)).map((n) => BigInt(n));
  }

  async create(rec: JobRecord, input: Uint8Array): Promise<void> {
    const d = this.jobDir(rec.leaseId, rec.jobId);
    await mkdir(d, { recursive: true, mode: 0o700 });
    await writeFileDurable(join(d, "input"), Buffer.from(input));
    await this.save(rec);
  }

  /** Writes the record as it is now (callers serialize a job's saves: job-service.ts persist). */
  save(rec: JobRecord): Promise<void> {
    const file = join(this.jobDir(rec.leaseId, rec.jobId), "job.json");
    // a unique temporary name: two keepers on one data dir (a crash and a restart) never share one
    return writeFileDurable(file, JSON.stringify(rec), `${file}.${randomBytes(4).toString("hex")}.tmp`);
  }

  async writeResult(rec: JobRecord, output: Uint8Array | undefined, logs: Uint8Array): Promise<void> {
    const d = this.jobDir(rec.leaseId, rec.jobId);
    if (output) await writeFileDurable(join(d, "output"), Buffer.from(output));
    await writeFileDurable(join(d, "logs"), Buffer.from(logs));
  }

  readInput(rec: JobRecord): Promise<Buffer> {
    return readFile(join(this.jobDir(rec.leaseId, rec.jobId), "input"));
  }

  /** The output or logs file; empty when none was written (the job never finished). */
  async read(rec: JobRecord, what: "output" | "logs"): Promise<Buffer> {
    return readFile(join(this.jobDir(rec.leaseId, rec.jobId), what)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return Buffer.alloc(0);
      throw err;
    });
  }

  async remove(rec: JobRecord): Promise<void> {
    await rm(this.jobDir(rec.leaseId, rec.jobId), { recursive: true, force: true });
  }

  /** Deletes everything of a lease (its grace period is over). */
  async removeLease(leaseId: string): Promise<void> {
    await rm(join(this.dir, leaseId), { recursive: true, force: true });
  }

  async putModule(leaseId: string, hash: string, bytes: Uint8Array): Promise<void> {
    const d = join(this.dir, leaseId, "modules");
    await mkdir(d, { recursive: true, mode: 0o700 });
    const file = join(d, `${hash}.wasm`);
    const exists = await access(file).then(
      () => true,
      () => false,
    );
    if (!exists) await writeFileDurable(file, Buffer.from(bytes));
  }

  /** The bytes of a job's files that count against the lease's quota: input, output, logs. */
  async fileBytes(rec: JobRecord): Promise<number> {
    const d = this.jobDir(rec.leaseId, rec.jobId);
    let n = 0;
    for (const f of ["input", "output", "logs"]) n += (await stat(join(d, f)).catch(() => undefined))?.size ?? 0;
    return n;
  }

  /** The modules stored for a lease: hash -> bytes. */
  async modules(leaseId: string): Promise<Map<string, number>> {
    const d = join(this.dir, leaseId, "modules");
    const out = new Map<string, number>();
    for (const f of await readdir(d).catch(() => [] as string[])) {
      const m = /^(0x[0-9a-f]{64})\.wasm$/.exec(f);
      if (m) out.set(m[1]!, (await stat(join(d, f))).size);
    }
    return out;
  }

  async removeModule(leaseId: string, hash: string): Promise<void> {
    await rm(join(this.dir, leaseId, "modules", `${hash}.wasm`), { force: true });
  }

  /** A module stored for this lease, or undefined. */
  async getModule(leaseId: string, hash: string): Promise<Buffer | undefined> {
    if (!/^0x[0-9a-f]{64}$/.test(hash)) return undefined;
    return readFile(join(this.dir, leaseId, "modules", `${hash}.wasm`)).catch(() => undefined);
  }
}
