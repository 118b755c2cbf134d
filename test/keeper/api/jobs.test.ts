import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { expect } from "chai";
import { keccak256, type Wallet } from "ethers";
import { JobsConfigSchema } from "../../../keeper/src/config/schema.js";
import { runWasm } from "../../../keeper/src/wasm/runtime.js";
import { jobBytes, submitJob, waitForJob, getJob } from "../../../scripts/lib/job-client.js";
import { HASH_MODULE, HUGE_OUTPUT, LOOP_FOREVER, TRAPS, UNBOUNDED_MEMORY, wat } from "../wasm/modules.js";
import { sessionFor, startApi, type ApiHarness } from "./harness.js";
import { startLeaseChain, type LeaseChain } from "./lease-chain.js";

/** Logs two lines (a constant and the input) and answers the input reversed. */
const ECHO_LOG = wat(`(module
  (import "env" "log" (func $log (param i32 i32)))
  (memory (export "memory") 2 2)
  (data (i32.const 65536) "hello from wasm")
  (func (export "run") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $t i32)
    (call $log (i32.const 65536) (i32.const 15))
    (call $log (i32.const 0) (local.get $n))
    (local.set $j (i32.sub (local.get $n) (i32.const 1)))
    (block $done (loop $l
      (br_if $done (i32.ge_s (local.get $i) (local.get $j)))
      (local.set $t (i32.load8_u (local.get $i)))
      (i32.store8 (local.get $i) (i32.load8_u (local.get $j)))
      (i32.store8 (local.get $j) (local.get $t))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $j (i32.sub (local.get $j) (i32.const 1)))
      (br $l)))
    (local.get $n)))`);

const NO_RUN = wat(`(module (memory (export "memory") 1 1) (func (export "main") (result i32) (i32.const 0)))`);

describe("api: jobs on a lease (wasm off the main thread, real chain, real server)", function () {
  this.timeout(120_000);
  let lc: LeaseChain;
  let h: ApiHarness;
  let dir: string;
  let owner: Wallet;
  let provider: Wallet;
  let leaseId: bigint;
  let token: string;

  const config = JobsConfigSchema.parse({
    workers: 2,
    // fuel never binds before the wall clock unless a job asks for less (the timeout test needs that)
    fuelPerCoreSecond: 1_000_000_000_000,
    maxWallMs: 20_000,
    maxModuleBytes: 64 * 1024,
    maxOutputBytes: 1024,
  });
  const startServer = async () =>
    startApi({
      dir,
      rpcUrl: lc.chain.url,
      dvmAccess: await lc.dvm.getAddress(),
      operator: provider.address,
      graceSeconds: 3600,
      jobs: config,
    });
  const run = async (job: Parameters<typeof submitJob>[3], who = token) => {
    const r = await submitJob(h.url(""), who, leaseId, job);
    expect(r.status, JSON.stringify(r.json)).to.equal(202);
    return waitForJob(h.url(""), who, leaseId, r.json.jobId);
  };

  before(async () => {
    lc = await startLeaseChain();
    owner = await lc.wallet();
    provider = await lc.wallet();
    leaseId = await lc.mint(owner.address, provider.address, 1, 24 * 3600);
    dir = mkdtempSync(join(tmpdir(), "om-jobs-"));
    h = await startServer();
    token = await sessionFor(h, owner);
  });
  after(async () => {
    await h?.stop();
    await lc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs a submitted module: output, logs (env.log lines) and usage are retrievable", async () => {
    const job = await run({ module: ECHO_LOG, inputText: "openmesh" });
    expect(job.status, JSON.stringify(job.error)).to.equal("succeeded");
    expect(job.moduleHash).to.equal(keccak256(ECHO_LOG));
    expect((await jobBytes(h.url(""), token, leaseId, job.jobId, "output")).toString()).to.equal("hsemnepo");
    expect((await jobBytes(h.url(""), token, leaseId, job.jobId, "logs")).toString()).to.equal(
      "hello from wasm\nopenmesh\n",
    );
    expect(BigInt(job.usage.fuelUsed!)).to.be.greaterThan(0n);
    expect(job.usage.peakMemoryBytes).to.equal(2 * 65536);
    expect(job.usage.wallMs).to.be.a("number");
    // the lease (1 core, 1024 MiB) bounds the job: one at a time, all its memory
    expect(job.limits).to.include({ concurrency: 1, memoryPages: 1024 * 16, wallMs: 20_000 });
  });

  it("a module stored once runs by hash, with the same output as the reference runtime", async () => {
    const stored = await fetch(h.url(`/api/leases/${leaseId}/modules`), {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/wasm" },
      body: HASH_MODULE,
    });
    expect(stored.status).to.equal(201);
    const { moduleHash } = (await stored.json()) as { moduleHash: string };
    const input = new TextEncoder().encode("a job's input");
    const job = await run({ moduleHash, input });
    expect(job.status).to.equal("succeeded");
    const reference = await runWasm(HASH_MODULE, input, { fuel: 10n ** 9n, memoryPages: 16, maxOutputBytes: 64 });
    expect(reference.ok).to.equal(true);
    const out = await jobBytes(h.url(""), token, leaseId, job.jobId, "output");
    expect(out.equals(Buffer.from((reference as { output: Uint8Array }).output))).to.equal(true);
    expect(job.usage.fuelUsed).to.equal(reference.fuelUsed.toString());
  });

  it("stops a job over its limits with a clear status: out-of-fuel, memory-limit, trap, output-too-large", async () => {
    const fuel = await run({ module: LOOP_FOREVER, fuel: 1_000_000n });
    expect([fuel.status, fuel.error?.code, fuel.usage.fuelUsed]).to.deep.equal(["failed", "out-of-fuel", "1000000"]);
    const mem = await run({ module: UNBOUNDED_MEMORY });
    expect([mem.status, mem.error?.code]).to.deep.equal(["failed", "memory-limit"]);
    const trap = await run({ module: TRAPS });
    expect([trap.status, trap.error?.code]).to.deep.equal(["failed", "trap"]);
    expect(trap.error?.message).to.match(/unreachable/);
    const big = await run({ module: HUGE_OUTPUT });
    expect([big.status, big.error?.code]).to.deep.equal(["failed", "output-too-large"]);
    await jobBytes(h.url(""), token, leaseId, big.jobId, "output").then(
      () => expect.fail("a failed job has no output"),
      (err: Error) => expect(err.message).to.match(/HTTP 409/),
    );
  });

  it("the wall-clock cap stops an endless job (timeout) while the keeper's event loop stays responsive", async () => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    // the histogram drops its first sample (no previous tick): let it tick before the job starts
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    const job = await run({ module: LOOP_FOREVER, timeoutMs: 1500 });
    const elapsed = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
    delay.disable();
    expect([job.status, job.error?.code]).to.deep.equal(["failed", "timeout"]);
    expect(job.usage.wallMs).to.be.within(1400, 5000);
    // the same loop on the main thread would block it for the whole 1.5 s
    const maxMs = delay.max / 1e6;
    expect(maxMs, `event loop delay max ${maxMs} ms while a job ran ${elapsed} ms`).to.be.below(500);
  });

  it("bad input gets a JSON error with the right status", async () => {
    const bad = async (job: Parameters<typeof submitJob>[3], id = leaseId) => {
      const r = await submitJob(h.url(""), token, id, job);
      return [r.status, r.json.error];
    };
    expect(await bad({ module: new TextEncoder().encode("not wasm at all") })).to.deep.equal([400, "bad_module"]);
    expect(await bad({ module: NO_RUN })).to.deep.equal([400, "bad_module"]);
    expect(await bad({ module: new Uint8Array(100 * 1024) })).to.deep.equal([413, "payload_too_large"]);
    expect(await bad({ moduleHash: keccak256(TRAPS.subarray(1)) })).to.deep.equal([404, "not_found"]);
    expect(await bad({})).to.deep.equal([400, "bad_request"]);
    expect(await bad({ module: ECHO_LOG, timeoutMs: -1 })).to.deep.equal([400, "bad_request"]);
    const elsewhere = await lc.mint(owner.address, (await lc.wallet()).address, 1, 3600);
    expect(await bad({ module: ECHO_LOG }, elsewhere)).to.deep.equal([404, "lease_unknown"]);
    const noJob = await fetch(h.url(`/api/leases/${leaseId}/jobs/0123`), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(noJob.status).to.equal(404);
  });

  it("only the lease's holder sees its jobs; a transfer revokes the old holder on the next request", async () => {
    const job = await run({ module: ECHO_LOG, inputText: "mine" });
    const stranger = await lc.wallet();
    const strangerToken = await sessionFor(h, stranger);
    for (const path of [`/jobs`, `/jobs/${job.jobId}`, `/jobs/${job.jobId}/output`, `/jobs/${job.jobId}/logs`]) {
      const r = await fetch(h.url(`/api/leases/${leaseId}${path}`), {
        headers: { authorization: `Bearer ${strangerToken}` },
      });
      expect([r.status, ((await r.json()) as { error: string }).error]).to.deep.equal([403, "not_lease_holder"]);
    }
    expect((await submitJob(h.url(""), strangerToken, leaseId, { module: ECHO_LOG })).status).to.equal(403);

    await (await lc.dvm.connect(owner).transferFrom(owner.address, stranger.address, leaseId)).wait();
    const old = await fetch(h.url(`/api/leases/${leaseId}/jobs/${job.jobId}`), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(old.status).to.equal(403);
    expect((await getJob(h.url(""), strangerToken, leaseId, job.jobId)).status).to.equal("succeeded");
    await (await lc.dvm.connect(stranger).transferFrom(stranger.address, owner.address, leaseId)).wait();
  });

  it("jobs and their output survive a restart; a job running at a crash or a stop is `interrupted`", async () => {
    const done = await run({ module: ECHO_LOG, inputText: "kept" });
    const startLong = async () => {
      const r = await submitJob(h.url(""), token, leaseId, { module: LOOP_FOREVER, timeoutMs: 15_000 });
      // running as recorded on disk (the API shows it a write earlier; under load the fsync lags)
      const file = join(dir, "jobs", leaseId.toString(), r.json.jobId, "job.json");
      const onDisk = () => (JSON.parse(readFileSync(file, "utf8")) as { status: string }).status;
      for (let i = 0; onDisk() !== "running"; i++) {
        if (i > 200) throw new Error("the job never started");
        await new Promise((res) => setTimeout(res, 50));
      }
      return r.json.jobId;
    };
    // a crash: a new keeper opens the data while the old one never recorded the job's end
    const atCrash = await startLong();
    const crashed = h;
    try {
      h = await startServer();
      token = await sessionFor(h, owner);
      const cut = await getJob(h.url(""), token, leaseId, atCrash);
      expect([cut.status, cut.error?.message]).to.deep.equal([
        "interrupted",
        "the keeper restarted while the job was running",
      ]);
    } finally {
      await crashed.stop(); // a failed check must not leave a server holding the process open
    }
    // a clean stop records the running job as interrupted itself
    const atStop = await startLong();
    await h.stop();
    h = await startServer();
    token = await sessionFor(h, owner);
    const stopped = await getJob(h.url(""), token, leaseId, atStop);
    expect([stopped.status, stopped.error?.code]).to.deep.equal(["interrupted", "interrupted"]);
    expect((await jobBytes(h.url(""), token, leaseId, done.jobId, "output")).toString()).to.equal("tpek");
    expect((await jobBytes(h.url(""), token, leaseId, done.jobId, "logs")).toString()).to.equal(
      "hello from wasm\nkept\n",
    );
    const list = (await (
      await fetch(h.url(`/api/leases/${leaseId}/jobs`), { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { jobs: { jobId: string }[]; limits: Record<string, unknown> };
    expect(list.jobs[0]!.jobId).to.equal(atStop);
    expect(list.limits).to.include({ concurrency: 1, memoryPages: 16_384, wallMs: 20_000, maxModuleBytes: 65_536 });
    expect(list.jobs.map((j) => j.jobId)).to.include.members([done.jobId, atCrash]);
  });

  it("after the lease's grace period the sweep deletes its jobs with its data", async () => {
    const job = await run({ module: ECHO_LOG, inputText: "bye" });
    const jobDir = join(dir, "jobs", leaseId.toString(), job.jobId);
    expect(existsSync(jobDir)).to.equal(true);
    await lc.advance(24 * 3600 + 3600 + 10);
    expect(await h.api.sweep()).to.deep.include(leaseId);
    expect(existsSync(join(dir, "jobs", leaseId.toString()))).to.equal(false);
    const r = await fetch(h.url(`/api/leases/${leaseId}/jobs`), { headers: { authorization: `Bearer ${token}` } });
    expect([r.status, ((await r.json()) as { error: string }).error]).to.deep.equal([403, "lease_ended"]);
  });
});
