// Jobs' bytes and S3 objects share the lease's storage quota (keeper/src/api/lease-usage.ts), on a
// real local chain, the real server and real disk: a submit that does not fit is refused, an S3 PUT
// sees the jobs' bytes, deleting frees room, the count survives a restart; a job still queued when
// its lease ends never starts.
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { DeleteObjectCommand, PutObjectCommand, CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { keccak256, type Wallet } from "ethers";
import { JobsConfigSchema } from "../../../keeper/src/config/schema.js";
import { getJob, jobBytes, submitJob, waitForJob } from "../../../scripts/lib/job-client.js";
import { HASH_MODULE, wat } from "../wasm/modules.js";
import { s3Client, s3Error, sessionFor, startApi, type ApiHarness } from "./harness.js";
import { startLeaseChain, type LeaseChain } from "./lease-chain.js";

/** quota unit here: a lease of 1 "GiB" holds 32 KiB (same rule, tiny disk) */
const UNIT = 32 * 1024;

/** Logs one line, then loops until the wall-clock cap stops it. */
const LOG_THEN_LOOP = wat(`(module
  (import "env" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 1024) "started")
  (func (export "run") (param i32) (result i32)
    (call $log (i32.const 1024) (i32.const 7))
    (loop $l (br $l)) (i32.const 0)))`);

interface Storage {
  usedBytes: number;
  s3Bytes: number;
  jobBytes: number;
  reservedBytes: number;
  quotaBytes: number;
}

describe("api: job files count against the lease's storage quota with its S3 objects", function () {
  this.timeout(120_000);
  let lc: LeaseChain;
  let h: ApiHarness;
  let dir: string;
  let owner: Wallet;
  let provider: Wallet;
  let leaseId: bigint;
  let token: string;
  let s3: S3Client;
  let key: { accessKeyId: string; secretAccessKey: string };

  const config = JobsConfigSchema.parse({
    workers: 1,
    maxWallMs: 20_000,
    maxModuleBytes: 64 * 1024,
    maxInputBytes: 16 * 1024,
    maxOutputBytes: 1024,
    maxLogBytes: 1024,
  });
  /** what a job holds for its output and logs until it ends */
  const CAPS = 1024 + 1024;
  const startServer = async () =>
    startApi({
      dir,
      rpcUrl: lc.chain.url,
      dvmAccess: await lc.dvm.getAddress(),
      operator: provider.address,
      graceSeconds: 3600,
      storageUnitBytes: UNIT,
      jobs: config,
    });
  const storage = async (id = leaseId): Promise<Storage> => {
    const r = await fetch(h.url(`/api/leases/${id}`), { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).to.equal(200);
    return ((await r.json()) as { storage: Storage }).storage;
  };
  const del = async (path: string) => {
    const r = await fetch(h.url(`/api/leases/${leaseId}${path}`), {
      method: "DELETE",
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };
  const put = (k: string, bytes: number) =>
    s3.send(new PutObjectCommand({ Bucket: "data", Key: k, Body: randomBytes(bytes) }));

  before(async () => {
    lc = await startLeaseChain();
    owner = await lc.wallet();
    provider = await lc.wallet();
    leaseId = await lc.mint(owner.address, provider.address, 1, 24 * 3600);
    dir = mkdtempSync(join(tmpdir(), "om-job-quota-"));
    h = await startServer();
    token = await sessionFor(h, owner);
    const issued = await fetch(h.url(`/api/leases/${leaseId}/keys`), {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    key = (await issued.json()) as typeof key;
    s3 = s3Client(h, key);
    await s3.send(new CreateBucketCommand({ Bucket: "data" }));
  });
  after(async () => {
    await h?.stop();
    await lc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a nearly full lease refuses a job whose module + input pass its quota (413), and takes it once an object is deleted", async () => {
    await put("big", 20 * 1024);
    await put("filler", 8 * 1024);
    const room = UNIT - 28 * 1024;
    // one byte more than the room, before the output and log caps are even counted
    const input = randomBytes(room - HASH_MODULE.length + 1);
    const refused = await submitJob(h.url(""), token, leaseId, { module: HASH_MODULE, input });
    expect([refused.status, refused.json.error]).to.deep.equal([413, "quota_exceeded"]);
    expect(refused.json.message).to.match(/of its 32768 bytes \(28672 in S3 objects/);
    // nothing of the refused job was kept: not the module, not a hold
    expect(await storage()).to.deep.include({ usedBytes: 28 * 1024, jobBytes: 0, reservedBytes: 0 });
    const byHash = await submitJob(h.url(""), token, leaseId, { moduleHash: keccak256(HASH_MODULE), input });
    expect(byHash.status).to.equal(404);

    await s3.send(new DeleteObjectCommand({ Bucket: "data", Key: "filler" }));
    const accepted = await submitJob(h.url(""), token, leaseId, { module: HASH_MODULE, input });
    expect(accepted.status, JSON.stringify(accepted.json)).to.equal(202);
    const job = await waitForJob(h.url(""), token, leaseId, accepted.json.jobId);
    expect(job.status, JSON.stringify(job.error)).to.equal("succeeded");
    const jobBytesNow = HASH_MODULE.length + input.length + job.outputBytes! + job.logBytes;
    expect(job.outputBytes).to.equal(4);
    expect(await storage()).to.deep.include({
      s3Bytes: 20 * 1024,
      jobBytes: jobBytesNow,
      usedBytes: 20 * 1024 + jobBytesNow,
      reservedBytes: 0,
    });
  });

  it("an S3 PUT that fits beside the objects but not beside the jobs' bytes is refused; deleting the job and module frees them", async () => {
    const before = await storage();
    expect(before.jobBytes).to.be.greaterThan(0);
    // fits if only S3 counted
    expect(await s3Error(put("over", before.quotaBytes - before.s3Bytes))).to.deep.equal({
      name: "EntityTooLarge",
      status: 400,
    });
    const [job] = (
      (await (
        await fetch(h.url(`/api/leases/${leaseId}/jobs`), { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { jobs: Array<{ jobId: string; inputBytes: number; outputBytes: number }> }
    ).jobs;
    const deleted = await del(`/jobs/${job!.jobId}`);
    expect(deleted).to.deep.equal({
      status: 200,
      json: { deleted: job!.jobId, freedBytes: job!.inputBytes + job!.outputBytes },
    });
    expect((await del(`/jobs/${job!.jobId}`)).status).to.equal(404);
    expect((await storage()).jobBytes).to.equal(HASH_MODULE.length);
    const module = await del(`/modules/${keccak256(HASH_MODULE)}`);
    expect(module).to.deep.equal({
      status: 200,
      json: { deleted: keccak256(HASH_MODULE), freedBytes: HASH_MODULE.length },
    });
    const freed = await storage();
    expect(freed).to.deep.include({ jobBytes: 0, usedBytes: before.s3Bytes });
    await put("over", before.quotaBytes - before.s3Bytes - 4096);

    // a job and an object fill the lease exactly: what the next test restarts with
    const small = await submitJob(h.url(""), token, leaseId, { module: HASH_MODULE, inputText: "kept" });
    expect(small.status, JSON.stringify(small.json)).to.equal(202);
    expect((await waitForJob(h.url(""), token, leaseId, small.json.jobId)).status).to.equal("succeeded");
    const s = await storage();
    await put("last", s.quotaBytes - s.usedBytes);
    expect(await storage()).to.deep.include({ usedBytes: s.quotaBytes, reservedBytes: 0 });
  });

  it("the used bytes (objects and job files) survive a restart and still bind", async () => {
    const before = await storage();
    expect(before.jobBytes).to.equal(HASH_MODULE.length + 4 + 4);
    await h.stop();
    h = await startServer();
    token = await sessionFor(h, owner);
    s3 = s3Client(h, key);
    expect(await storage()).to.deep.equal(before);
    // full: a job of 1 input byte by hash (module stored) and a 1-byte object are both refused
    const job = await submitJob(h.url(""), token, leaseId, { moduleHash: keccak256(HASH_MODULE), inputText: "y" });
    expect([job.status, job.json.error]).to.deep.equal([413, "quota_exceeded"]);
    expect(await s3Error(put("x", 1))).to.deep.equal({ name: "EntityTooLarge", status: 400 });
  });

  it("concurrent job submits and S3 PUTs never take a lease past its quota together", async () => {
    const lease = await lc.mint(owner.address, provider.address, 1, 24 * 3600);
    const issued = await fetch(h.url(`/api/leases/${lease}/keys`), {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    const client = s3Client(h, (await issued.json()) as typeof key);
    await client.send(new CreateBucketCommand({ Bucket: "race" }));
    const stored = await fetch(h.url(`/api/leases/${lease}/modules`), {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: HASH_MODULE,
    });
    expect(stored.status).to.equal(201);
    const { moduleHash } = (await stored.json()) as { moduleHash: string };
    // 6 jobs holding 2 KiB input + 2 KiB caps and 6 objects of 4 KiB: 48 KiB asked of 32 KiB
    const input = randomBytes(2048);
    const submits = Array.from({ length: 6 }, () => submitJob(h.url(""), token, lease, { moduleHash, input }));
    const puts = Array.from({ length: 6 }, (_, i) =>
      client.send(new PutObjectCommand({ Bucket: "race", Key: `o${i}`, Body: randomBytes(4096) })).then(
        () => "ok",
        (err: { name: string }) => err.name,
      ),
    );
    const jobs = await Promise.all(submits);
    const objects = await Promise.all(puts);
    const accepted = jobs.filter((j) => j.status === 202);
    expect(jobs.filter((j) => j.status !== 202).map((j) => j.json.error)).to.satisfy((e: unknown[]) =>
      e.every((x) => x === "quota_exceeded"),
    );
    expect(objects.filter((o) => o !== "ok")).to.satisfy((e: string[]) => e.every((x) => x === "EntityTooLarge"));
    const stored6 = objects.filter((o) => o === "ok").length;
    // what was granted fits, and the quota was the limit: not everything was granted
    expect(HASH_MODULE.length + accepted.length * (2048 + CAPS) + stored6 * 4096).to.be.at.most(UNIT);
    expect(accepted.length + stored6).to.be.below(12);
    let written = 0;
    for (const j of accepted) {
      const done = await waitForJob(h.url(""), token, lease, j.json.jobId);
      expect(done.status).to.equal("succeeded");
      written += done.inputBytes + done.outputBytes! + done.logBytes;
    }
    const s = await storage(lease);
    expect(s).to.deep.include({
      usedBytes: HASH_MODULE.length + written + stored6 * 4096,
      reservedBytes: 0,
    });
    expect(s.usedBytes).to.be.at.most(s.quotaBytes);
  });

  it("a job queued before its lease ended does not start after it: it ends `lease-ended`", async () => {
    const short = await lc.mint(owner.address, provider.address, 64, 600);
    const running = await submitJob(h.url(""), token, short, { module: LOG_THEN_LOOP, timeoutMs: 3000 });
    expect(running.status, JSON.stringify(running.json)).to.equal(202);
    const queued = await submitJob(h.url(""), token, short, { module: HASH_MODULE, inputText: "late" });
    expect(queued.status).to.equal(202);
    // the first is on the worker (its log line is out); the second waits (the lease has 1 core)
    for (let i = 0; (await jobBytes(h.url(""), token, short, running.json.jobId, "logs")).length === 0; i++) {
      if (i > 200) throw new Error("the first job never started");
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await getJob(h.url(""), token, short, queued.json.jobId)).status).to.equal("queued");
    expect((await storage(short)).reservedBytes).to.equal(2 * CAPS);
    await lc.advance(700);

    const late = await waitForJob(h.url(""), token, short, queued.json.jobId);
    expect([late.status, late.error?.code]).to.deep.equal(["lease-ended", "lease-ended"]);
    expect(late.error?.message).to.match(/ended at .* before the job started/);
    expect(late).to.not.have.property("startedAt");
    expect(late.usage).to.deep.equal({ fuelUsed: null, wallMs: null, peakMemoryBytes: null });
    expect(late.logBytes).to.equal(0);
    const first = await getJob(h.url(""), token, short, running.json.jobId);
    expect([first.status, first.error?.code]).to.deep.equal(["failed", "timeout"]);
    // both ended: their holds are released (the lease is read-only now, in its grace period)
    expect((await storage(short)).reservedBytes).to.equal(0);
  });
});
