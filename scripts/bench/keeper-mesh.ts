// Keeper mesh bench: 4 keepers, each in its own process (so RSS is per keeper), on loopback TCP,
// found through the DHT from one bootstrap keeper. Measures gossip latency (p50 / p99 over
// BENCH_MESSAGES signed messages, each received by the 3 other keepers) and RSS after
// BENCH_IDLE_SECONDS of idle mesh (heartbeats, DHT and gossipsub upkeep only), and what that idle
// mesh costs: CPU per keeper (1 s heartbeats, the mesh monitor's pings and failure detector, DHT
// and gossipsub upkeep) and the RTTs and suspicions /mesh shows (docs/observability.md).
//
//   tsx scripts/bench/keeper-mesh.ts                       (5 minutes idle)
//   BENCH_IDLE_SECONDS=60 BENCH_MESSAGES=500 tsx scripts/bench/keeper-mesh.ts
//   BENCH_JSON=path also writes the numbers as JSON
//
// Goal (issue 5): <= 150 MB RSS per keeper after 5 minutes idle.
import { fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { KEEPER_NODE_FLAGS } from "../../keeper/src/cli/node-flags.js";
import { KeeperConfigSchema } from "../../keeper/src/config/index.js";
import { KeeperIdentity } from "../../keeper/src/identity/index.js";
import { createLogger } from "../../keeper/src/observability/index.js";
import { Keeper } from "../../keeper/src/node.js";
import { defineTopic, type TopicSpec } from "../../keeper/src/p2p/index.js";
import { ChildChannel } from "../lib/child-channel.js";

const KEEPERS = 4;
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 500);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 300);
/** gap between two publishes; messages rotate over the keepers */
const PUBLISH_INTERVAL_MS = Number(process.env.BENCH_PUBLISH_INTERVAL_MS ?? 10);

const benchTopic = defineTopic({
  name: "bench",
  maxBytes: 512,
  schema: z.strictObject({ seq: z.int().nonnegative(), sentAtMs: z.number().positive() }),
});

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
const nowMs = () => performance.timeOrigin + performance.now();

type ToChild = { cmd: "status" } | { cmd: "publish"; seqs: number[]; intervalMs: number } | { cmd: "samples" } | { cmd: "memory" };
type FromChild =
  | { kind: "ready"; addr: string }
  | { kind: "status"; peers: number; subscribers: number }
  | { kind: "published" }
  | { kind: "samples"; latencies: Array<[number, number]>; validationSeconds: number; validations: number }
  | {
      kind: "memory";
      rssBytes: number;
      heapUsedBytes: number;
      /** user + system CPU of the process so far */
      cpuMs: number;
      /** from the keeper's /mesh view */
      mesh: { medianRttMs: number | null; suspected: number; pingsFailed: number; pingsOk: number };
    };

// ---------------------------------------------------------------------------------- child
async function child(): Promise<void> {
  const send = (m: FromChild) => process.send!(m);
  const config = {
    ...KeeperConfigSchema.parse(JSON.parse(process.env.BENCH_KEEPER_CONFIG!)),
    deploymentFile: "unused",
  };
  const keeper = await Keeper.init({
    config,
    logger: createLogger({ level: "warn", base: { keeper: process.env.BENCH_NAME } }),
    topics: [benchTopic as TopicSpec<unknown>],
  });
  const latencies: Array<[number, number]> = [];
  keeper.p2p.gossip.subscribe(benchTopic, (m) => void latencies.push([m.payload.seq, nowMs() - m.payload.sentAtMs]));
  await keeper.start();
  process.on("message", (msg: ToChild) => {
    void (async () => {
      if (msg.cmd === "status") {
        send({ kind: "status", peers: keeper.p2p.peerCount, subscribers: keeper.p2p.gossip.subscribers(benchTopic).length });
      } else if (msg.cmd === "publish") {
        for (const seq of msg.seqs) {
          await keeper.p2p.gossip.publish(benchTopic, { seq, sentAtMs: nowMs() });
          await new Promise((r) => setTimeout(r, msg.intervalMs));
        }
        send({ kind: "published" });
      } else if (msg.cmd === "samples") {
        const histogram = await keeper.metrics.gossipValidationSeconds.get();
        const sum = histogram.values.find((v) => v.metricName?.endsWith("_sum") && v.labels.topic === "/openmesh/bench/1");
        const count = histogram.values.find((v) => v.metricName?.endsWith("_count") && v.labels.topic === "/openmesh/bench/1");
        send({ kind: "samples", latencies, validationSeconds: sum?.value ?? 0, validations: count?.value ?? 0 });
      } else if (msg.cmd === "memory") {
        const m = process.memoryUsage();
        const cpu = process.cpuUsage();
        const view = keeper.mesh.view();
        send({
          kind: "memory",
          rssBytes: m.rss,
          heapUsedBytes: m.heapUsed,
          cpuMs: (cpu.user + cpu.system) / 1000,
          mesh: {
            medianRttMs: view.medianRttMs,
            suspected: view.peers.filter((p) => p.suspected).length,
            pingsOk: view.peers.reduce((a, p) => a + p.pings.ok, 0),
            pingsFailed: view.peers.reduce((a, p) => a + p.pings.failed, 0),
          },
        });
      }
    })();
  });
  const shutdown = () => void keeper.stop().then(() => process.disconnect());
  process.on("SIGTERM", shutdown);
  process.on("disconnect", () => void keeper.stop());
  send({ kind: "ready", addr: keeper.p2p.multiaddrs[0]! });
}

// --------------------------------------------------------------------------------- parent
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function parent(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "openmesh-bench-"));
  const identities = await Promise.all(
    Array.from({ length: KEEPERS }, (_, i) => KeeperIdentity.generate(join(root, `k${i}`, "keys"))),
  );
  const operatorsFile = join(root, "operators.json");
  writeFileSync(
    operatorsFile,
    JSON.stringify(
      identities.map((id) => ({
        peerId: id.peerId.toString(),
        operator: id.signerAddress,
        signer: id.signerAddress,
        status: "active",
      })),
    ),
  );
  const spawnKeeper = (i: number, bootstrap: string[]) => {
    const config = {
      keyDir: join(root, `k${i}`, "keys"),
      dataDir: join(root, `k${i}`, "data"),
      metricsPort: 0,
      logLevel: "warn",
      chain: { enabled: false },
      p2p: {
        listen: ["/ip4/127.0.0.1/tcp/0"],
        bootstrap,
        operatorsFile,
        dhtAddressScope: "lan",
        loopbackWhitelist: true,
        inboundConnectionThreshold: 100,
      },
    };
    const proc = fork(fileURLToPath(import.meta.url), ["--child"], {
      execArgv: [...KEEPER_NODE_FLAGS, "--import", "tsx"], // as the openmesh-keeper launcher runs it
      env: { ...process.env, BENCH_KEEPER_CONFIG: JSON.stringify(config), BENCH_NAME: `k${i}` },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    return new ChildChannel<ToChild, FromChild>(proc, "keeper");
  };

  const keepers: Array<ChildChannel<ToChild, FromChild>> = [];
  try {
    const started = performance.now();
    keepers.push(spawnKeeper(0, []));
    const { addr: bootAddr } = await keepers[0]!.next("ready");
    for (let i = 1; i < KEEPERS; i++) keepers.push(spawnKeeper(i, [bootAddr]));
    await Promise.all(keepers.slice(1).map((k) => k.next("ready")));

    // Wait for a full mesh: everyone connected to and subscribed with everyone.
    for (;;) {
      const status = await Promise.all(keepers.map((k) => k.ask({ cmd: "status" }, "status")));
      if (status.every((s) => s.peers === KEEPERS - 1 && s.subscribers === KEEPERS - 1)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const meshSeconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 2_000)); // let gossipsub graft its meshes
    const afterStart = await Promise.all(keepers.map((k) => k.ask({ cmd: "memory" }, "memory")));

    // Latency: messages rotate over the keepers, one every PUBLISH_INTERVAL_MS overall.
    const seqsOf = (i: number) => Array.from({ length: MESSAGES }, (_, s) => s).filter((s) => s % KEEPERS === i);
    await Promise.all(
      keepers.map((k, i) =>
        k.ask({ cmd: "publish", seqs: seqsOf(i), intervalMs: PUBLISH_INTERVAL_MS * KEEPERS }, "published", 600_000),
      ),
    );
    await new Promise((r) => setTimeout(r, 1_000)); // stragglers
    const replies = await Promise.all(keepers.map((k) => k.ask({ cmd: "samples" }, "samples")));
    const samples = replies.flatMap((s) => s.latencies.map(([, ms]) => ms));
    const validationMs =
      (1000 * replies.reduce((a, r) => a + r.validationSeconds, 0)) / Math.max(1, replies.reduce((a, r) => a + r.validations, 0));
    const sorted = samples.sort((a, b) => a - b);
    const expected = MESSAGES * (KEEPERS - 1);

    process.stdout.write(`idling ${IDLE_SECONDS} s before measuring RSS...\n`);
    const beforeIdle = await Promise.all(keepers.map((k) => k.ask({ cmd: "memory" }, "memory")));
    const idleStarted = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const afterIdle = await Promise.all(keepers.map((k) => k.ask({ cmd: "memory" }, "memory")));
    const idleMs = performance.now() - idleStarted;
    // share of one core each keeper used while idle (the RPC round trips above are a few ms)
    const idleCpuPercent = afterIdle.map((m, i) => Number(((100 * (m.cpuMs - beforeIdle[i]!.cpuMs)) / idleMs).toFixed(2)));
    const rtts = afterIdle.map((m) => m.mesh.medianRttMs).filter((x): x is number => x !== null);

    const lines = [
      "",
      `keeper-mesh bench: ${KEEPERS} keepers, one process each (Node ${process.version}), loopback TCP, DHT discovery from 1 bootstrap`,
      `full mesh formed in ${meshSeconds.toFixed(1)} s`,
      "",
      "gossip latency (publish -> validated delivery, signed envelope + ECDSA recovery on every hop)",
      `  messages: ${MESSAGES} (one every ${PUBLISH_INTERVAL_MS} ms, rotating publishers), receipts ${sorted.length}/${expected} (${((100 * sorted.length) / expected).toFixed(1)}%)`,
      `  p50 ${percentile(sorted, 50).toFixed(2)} ms   p99 ${percentile(sorted, 99).toFixed(2)} ms   max ${(sorted.at(-1) ?? NaN).toFixed(2)} ms`,
      `  validation per message (envelope, sender, ECDSA recovery, schema): mean ${validationMs.toFixed(2)} ms`,
      `  load average during the run: ${loadavg().map((l) => l.toFixed(2)).join(" ")} on ${availableParallelism()} cores`,
      "",
      `idle mesh, ${IDLE_SECONDS} s (1 s heartbeats, a ping per second, phi-accrual detector, DHT and gossipsub upkeep)`,
      `  CPU per keeper: ${idleCpuPercent.map((c) => `${c}%`).join(" · ")} of one core`,
      `  /mesh: median RTT per keeper ${afterIdle.map((m) => m.mesh.medianRttMs ?? "-").join(" · ")} ms; pings ok ${afterIdle.reduce((a, m) => a + m.mesh.pingsOk, 0)}, failed ${afterIdle.reduce((a, m) => a + m.mesh.pingsFailed, 0)}; peers suspected at the end ${afterIdle.reduce((a, m) => a + m.mesh.suspected, 0)}`,
      "",
      `| keeper | RSS after start (MB) | RSS after ${IDLE_SECONDS} s idle (MB) | heap used after idle (MB) |`,
      "|---|---|---|---|",
      ...afterIdle.map((m, i) => `| k${i} | ${mb(afterStart[i]!.rssBytes)} | ${mb(m.rssBytes)} | ${mb(m.heapUsedBytes)} |`),
      "",
      `goal: <= 150 MB RSS per keeper after idle -> ${afterIdle.every((m) => m.rssBytes <= 150 * 1024 * 1024) ? "met" : "NOT met"}`,
    ];
    process.stdout.write(lines.join("\n") + "\n");
    if (process.env.BENCH_JSON) {
      const json = {
        keepers: KEEPERS,
        messages: MESSAGES,
        idleSeconds: IDLE_SECONDS,
        receipts: sorted.length,
        expectedReceipts: expected,
        latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? null },
        validationMsMean: validationMs,
        rssMBAfterStart: afterStart.map((m) => Number(mb(m.rssBytes))),
        rssMBAfterIdle: afterIdle.map((m) => Number(mb(m.rssBytes))),
        heapUsedMBAfterIdle: afterIdle.map((m) => Number(mb(m.heapUsedBytes))),
        idleCpuPercent,
        meshRttMsMedian: rtts.length ? rtts.sort((a, b) => a - b)[Math.floor((rtts.length - 1) / 2)] : null,
        suspectedAtEnd: afterIdle.reduce((a, m) => a + m.mesh.suspected, 0),
        pingsFailed: afterIdle.reduce((a, m) => a + m.mesh.pingsFailed, 0),
      };
      writeFileSync(process.env.BENCH_JSON, JSON.stringify(json, null, 2));
    }
  } finally {
    for (const k of keepers) k.proc.kill("SIGTERM");
    const codes = await Promise.all(keepers.map((k) => k.exited));
    if (codes.some((c) => c !== 0)) process.stdout.write(`keeper exit codes: ${codes.join(", ")}\n`);
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv.includes("--child")) await child();
else await parent();
