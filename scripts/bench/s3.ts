// S3 bench (issue 19): PutObject / GetObject throughput for 1 MiB and 64 MiB objects through the
// keeper's workspace endpoint (real chain lease check, SigV4, the unmodified AWS SDK), side by side
// with a plain node:http server that writes and fsyncs the same bytes with no S3 and no SigV4;
// then 4 KiB requests per second. One process, one run, ~30-60 s.
//
//   npx tsx scripts/bench/s3.ts        (BENCH_JSON=<file> to write the numbers)
import { randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { writeFileSync } from "node:fs";
import { GetObjectCommand, PutObjectCommand, CreateBucketCommand } from "@aws-sdk/client-s3";
import { JsonRpcProvider, Wallet } from "ethers";
import { ChainLeaseAccess } from "../../keeper/src/api/lease-access.js";
import { WorkspaceApi } from "../../keeper/src/api/workspace-api.js";
import { fsyncDir } from "../../keeper/src/api/s3/durable.js";
import { createLogger, createMetrics, ObservabilityServer } from "../../keeper/src/observability/index.js";
import { DvmAccess__factory, OpenAccessManager__factory } from "../../types/ethers-contracts/index.js";
import { LocalChain } from "../lib/local-chain.js";
import { issueS3Keys, signInWithEthereum, workspaceS3 } from "../lib/workspace-client.js";

const MiB = 1024 * 1024;
const SMALL_SECONDS = Number(process.env.BENCH_S3_SMALL_SECONDS ?? 3);
/** the keeper's workspace.headMaxAgeMs: 0 (default) reads the chain head on every request */
const HEAD_MAX_AGE_MS = Number(process.env.BENCH_S3_HEAD_MAX_AGE_MS ?? 0);

export interface S3BenchRow {
  op: "put" | "get";
  size: string;
  /** MiB/s, or requests/s for 4 KiB */
  s3: number;
  plain: number;
  unit: "MiB/s" | "req/s";
  /** s3 / plain */
  ratio: number;
}

export interface S3BenchResult {
  headMaxAgeMs: number;
  cpuModel: string;
  loadAverage: number[];
  rows: S3BenchRow[];
}

/** The baseline: PUT writes the body to a temp file, fsyncs, renames, fsyncs the dir; GET streams the file. */
function plainServer(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = join(dir, encodeURIComponent(req.url ?? "/x"));
    if (req.method === "PUT") {
      void (async () => {
        const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
        const fh = await open(tmp, "w");
        let pos = 0;
        for await (const chunk of req as AsyncIterable<Buffer>) {
          await fh.write(chunk, 0, chunk.length, pos);
          pos += chunk.length;
        }
        await fh.sync();
        await fh.close();
        await rename(tmp, path);
        await fsyncDir(dirname(path));
        res.writeHead(200).end();
      })().catch(() => res.writeHead(500).end());
      return;
    }
    const rs = createReadStream(path);
    rs.once("error", () => res.writeHead(404).end());
    rs.once("open", () => {
      res.writeHead(200);
      rs.pipe(res);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

function plainCall(port: number, method: "PUT" | "GET", path: string, body?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, agent, headers: body ? { "content-length": body.length } : {} }, (res) => {
      let n = 0;
      res.on("data", (c: Buffer) => (n += c.length));
      res.on("end", () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.once("error", reject);
    req.end(body);
  });
}

/** Runs `op(i)` with `concurrency` workers, `count` times in all; returns seconds taken. */
async function timed(count: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await op(next++);
    }),
  );
  return (performance.now() - t0) / 1000;
}

/** Runs `op` with `concurrency` workers for `seconds`; returns operations per second. */
async function rate(seconds: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) await op(n++);
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

const round = (x: number) => Math.round(x * 10) / 10;
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

const chain = await LocalChain.start();
const dir = mkdtempSync(join(tmpdir(), "om-s3-bench-"));
let api: WorkspaceApi | undefined;
let keeperServer: ObservabilityServer | undefined;
let plain: Server | undefined;
try {
  const provider = new JsonRpcProvider(chain.url, 31337, { staticNetwork: true, cacheTimeout: -1 });
  const deployer = await provider.getSigner(0);
  const manager = await (await new OpenAccessManager__factory(deployer).deploy(deployer.address)).waitForDeployment();
  const dvm = await (await new DvmAccess__factory(deployer).deploy(await manager.getAddress())).waitForDeployment();
  const renter = Wallet.createRandom();
  const start = (await provider.getBlock("latest"))!.timestamp;
  const lease = { provider: deployer.address, offerId: 1n, start, end: start + 86_400, cpuCores: 2, memoryMiB: 4096n, storageGiB: 100n, state: 1 };
  await (await dvm.mint(renter.address, lease)).wait();
  const leaseId = await dvm.totalLeases();

  const logger = createLogger({ level: "warn" });
  const graceSeconds = 3600;
  const bound: { port?: number } = {};
  api = await WorkspaceApi.init({
    dir: join(dir, "keeper"),
    chainId: 31337,
    gate: new ChainLeaseAccess({ provider, dvmAccess: await dvm.getAddress(), operator: deployer.address, graceSeconds, headMaxAgeMs: HEAD_MAX_AGE_MS }),
    graceSeconds,
    domains: () => [`127.0.0.1:${bound.port}`],
    corsOrigins: [],
    sessionTtlMs: 3_600_000,
    nonceTtlMs: 60_000,
    storageUnitBytes: 2 ** 30,
    sweepIntervalMs: 0,
    logger,
  });
  keeperServer = new ObservabilityServer({
    config: { metricsHost: "127.0.0.1", metricsPort: 0 },
    logger,
    metrics: createMetrics(),
    health: () => ({ ready: true, peers: 0, synced: true, epoch: null, lastCheckpointAgeSeconds: null }),
    handlers: [api.handler],
  });
  await keeperServer.start();
  bound.port = keeperServer.port;
  const base = `http://127.0.0.1:${keeperServer.port}`;
  const token = await signInWithEthereum(base, renter, 31337);
  const s3 = workspaceS3(base, await issueS3Keys(base, token, leaseId));
  await s3.send(new CreateBucketCommand({ Bucket: "bench" }));
  const mkdir = (await import("node:fs")).mkdirSync;
  mkdir(join(dir, "plain"));
  plain = await plainServer(join(dir, "plain"));
  const plainPort = (plain.address() as AddressInfo).port;

  const rows: S3BenchRow[] = [];
  const cases = [
    { size: "1 MiB", bytes: MiB, count: 24, concurrency: 4 },
    { size: "64 MiB", bytes: 64 * MiB, count: 3, concurrency: 1 },
  ];
  for (const c of cases) {
    const body = randomBytes(c.bytes);
    const name = c.size.replace(" ", "");
    const mib = (c.count * c.bytes) / MiB;
    const plainPut = mib / (await timed(c.count, c.concurrency, (i) => plainCall(plainPort, "PUT", `/${name}-${i}`, body)));
    const s3Put = mib / (await timed(c.count, c.concurrency, (i) => s3.send(new PutObjectCommand({ Bucket: "bench", Key: `${name}-${i}`, Body: body }))));
    const plainGet = mib / (await timed(c.count, c.concurrency, (i) => plainCall(plainPort, "GET", `/${name}-${i}`)));
    const s3Get =
      mib /
      (await timed(c.count, c.concurrency, async (i) => {
        const got = await s3.send(new GetObjectCommand({ Bucket: "bench", Key: `${name}-${i}` }));
        const bytes = await got.Body!.transformToByteArray();
        if (bytes.length !== c.bytes) throw new Error("short read");
      }));
    rows.push({ op: "put", size: c.size, s3: round(s3Put), plain: round(plainPut), unit: "MiB/s", ratio: ratio(s3Put, plainPut) });
    rows.push({ op: "get", size: c.size, s3: round(s3Get), plain: round(plainGet), unit: "MiB/s", ratio: ratio(s3Get, plainGet) });
  }
  const small = randomBytes(4096);
  const plainSmallPut = await rate(SMALL_SECONDS, 8, (i) => plainCall(plainPort, "PUT", `/s-${i % 50}`, small));
  const s3SmallPut = await rate(SMALL_SECONDS, 8, (i) => s3.send(new PutObjectCommand({ Bucket: "bench", Key: `s-${i % 50}`, Body: small })));
  const plainSmallGet = await rate(SMALL_SECONDS, 8, (i) => plainCall(plainPort, "GET", `/s-${i % 50}`));
  const s3SmallGet = await rate(SMALL_SECONDS, 8, async (i) => {
    const got = await s3.send(new GetObjectCommand({ Bucket: "bench", Key: `s-${i % 50}` }));
    await got.Body!.transformToByteArray();
  });
  rows.push({ op: "put", size: "4 KiB", s3: Math.round(s3SmallPut), plain: Math.round(plainSmallPut), unit: "req/s", ratio: ratio(s3SmallPut, plainSmallPut) });
  rows.push({ op: "get", size: "4 KiB", s3: Math.round(s3SmallGet), plain: Math.round(plainSmallGet), unit: "req/s", ratio: ratio(s3SmallGet, plainSmallGet) });
  s3.destroy();

  const result: S3BenchResult = {
    headMaxAgeMs: HEAD_MAX_AGE_MS,
    cpuModel: cpus()[0]?.model ?? "unknown",
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    rows,
  };
  console.log(`S3 bench: keeper workspace endpoint (SigV4 + chain lease check at the head, head shared for ${HEAD_MAX_AGE_MS} ms, + fsync) vs plain node:http + fsync; CPU ${result.cpuModel}, load average ${result.loadAverage.join(" ")} (shared machine)`);
  console.log("| op | size | S3 endpoint | plain HTTP + fsync | S3 / plain (goal >= 0.5) |");
  console.log("|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.op} | ${r.size} | ${r.s3} ${r.unit} | ${r.plain} ${r.unit} | ${r.ratio} |`);
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(result, null, 2));
} finally {
  api?.stop();
  await keeperServer?.stop();
  await new Promise<void>((resolve) => (plain ? plain.close(() => resolve()) : resolve()));
  agent.destroy();
  await chain.stop();
  rmSync(dir, { recursive: true, force: true });
}
