// BFT bench: N keepers run consensus over real loopback TCP (libp2p, gossipsub, DHT discovery from
// one bootstrap keeper) against a real chain (`hardhat node`, the protocol deployed by the real
// deploy script, N operators registered on the staking contract with real keeper keys and BLS
// proofs of possession, epoch advanced). For each N it reports, over a window of decided heights
// after warm-up: commit latency p50/p99 (height start -> decision, as each keeper measures it,
// the number ConsensusService.status() reports), consensus gossip messages per decided height,
// heights decided, heights decided in a round > 0, process RSS and CPU.
//
//   tsx scripts/bench/bft.ts
//   BENCH_BFT_SIZES=4,16 BENCH_BFT_HEIGHTS=60 BENCH_BFT_SECONDS=120 tsx scripts/bench/bft.ts
//   BENCH_BFT_PROCESSES=1 (all keepers in one worker process; default one per core)   BENCH_JSON=path
//
// Goals (issue 6): p50 <= 50 ms at N = 4, <= 250 ms at N = 32.
import { fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { HDNodeWallet, hexlify, JsonRpcProvider, Network, parseEther, toUtf8Bytes, Wallet } from "ethers";
import { KeeperConfigSchema } from "../../keeper/src/config/index.js";
import { KeeperIdentity } from "../../keeper/src/identity/index.js";
import { Keeper } from "../../keeper/src/node.js";
import { createLogger, createMetrics } from "../../keeper/src/observability/index.js";
import { commitTopic, proposalTopic, voteBundleTopic, voteRelayPush, voteTopic } from "../../keeper/src/bft/topics.js";
import { topicId } from "../../keeper/src/p2p/topics.js";
import { peerIdFromString } from "@libp2p/peer-id";
import { pushProtocolId } from "../../keeper/src/p2p/push.js";
import { deployProtocol } from "../lib/deploy.js";
import { REPO_ROOT, writeDeployment } from "../lib/deployment-file.js";
import { loadGenesisConfig } from "../lib/genesis-config.js";
import { LocalChain } from "../lib/local-chain.js";
import { ChildChannel } from "../lib/child-channel.js";

const SIZES = (process.env.BENCH_BFT_SIZES ?? "4,16,32").split(",").map((s) => Number(s.trim()));
/** heights measured per N, after warm-up */
const HEIGHTS = Number(process.env.BENCH_BFT_HEIGHTS ?? 60);
/** time budget of one measurement window (the window ends at HEIGHTS heights or this, first) */
const WINDOW_SECONDS = Number(process.env.BENCH_BFT_SECONDS ?? 150);
/**
 * Worker processes the keepers are spread over: one per core by default (each keeper is its own
 * process in a real deployment; here they share the cores), never more than N.
 */
function processesFor(n: number): number {
  const forced = process.env.BENCH_BFT_PROCESSES;
  const p = forced ? Number(forced) : availableParallelism();
  return Math.max(1, Math.min(p, n));
}
/** Tendermint's timeout_commit: pause between a decision and the next height */
const HEIGHT_INTERVAL_MS = Number(process.env.BENCH_BFT_INTERVAL_MS ?? 50);
const WARMUP_HEIGHTS = 3;
const WARMUP_SECONDS = 600;
const CONSENSUS_TOPICS = new Set([proposalTopic, voteTopic, voteBundleTopic, commitTopic].map((t) => topicId(t)));
/** votes sent straight to a relay count as messages too (one published, one received when delivered) */
const VOTE_RELAY = pushProtocolId(voteRelayPush);
const MNEMONIC = "test test test test test test test test test test test junk";
const OPEN = 10n ** 18n;

/**
 * Round timeouts sized so a height is not cut short when every keeper of the run shares 2 cores:
 * each keeper handles O(N) messages per height and N keepers share the cores, so the CPU one height
 * needs grows with N^2 (measured: ~0.4 s of CPU per height at N = 4, ~7 s at N = 16, ~40 s at
 * N = 32). A round that times out adds another round's messages to the backlog, so at N = 32 with
 * tighter timeouts (27 s propose) heights took minutes: the timeouts here are generous on purpose,
 * every keeper is live and no round needs them.
 */
function timeoutsFor(n: number) {
  return {
    proposeMs: 1_000 + 60 * n * n,
    prevoteMs: 500 + 30 * n * n,
    precommitMs: 500 + 30 * n * n,
    perRoundMs: 250 + 15 * n * n,
  };
}

// ------------------------------------------------------------------------------ worker protocol
interface KeeperSpec {
  index: number;
  root: string;
}
type ToWorker =
  | {
      cmd: "start";
      keepers: KeeperSpec[];
      bootstrap: string[];
      rpcUrl: string;
      deploymentFile: string;
      n: number;
      /** follow the phases of each height on this worker's first keeper */
      traced: boolean;
    }
  | { cmd: "status" }
  | { cmd: "diagnose" }
  | { cmd: "mark" }
  | { cmd: "report" }
  | { cmd: "stop" };
interface Sample {
  height: number;
  round: number;
  latencyMs: number;
}
type FromWorker =
  | { kind: "started"; addrs: string[] }
  | { kind: "status"; peers: number[]; decided: number[]; at: string[]; round?: number }
  | { kind: "marked" }
  | { kind: "diagnosis"; lines: string[] }
  | {
      kind: "report";
      samples: Sample[];
      published: number;
      received: number;
      rssBytes: number;
      maxRssBytes: number;
      cpuMs: number;
      loopDelayMs: { p50: number; p99: number; max: number };
      statusP50: Array<number | null>;
      /** per height, as the first keeper of worker 0 saw it (ms after its height started) */
      phases: Phase[];
      /** p2p events over the whole run (warm-up included), summed over this worker's keepers */
      events: Record<string, number>;
    }
  | { kind: "stopped" };

/** When one keeper got a height's proposal and its prevote / precommit quorums (from others' votes). */
interface Phase {
  height: number;
  proposal: number | null;
  prevoteQuorum: number | null;
  precommitQuorum: number | null;
  decided: number;
}

/**
 * Follows one keeper's view of each height: the height starts heightIntervalMs after its previous
 * decision; the proposal and the round-0 votes for a value are timestamped as they are delivered
 * (validated) to it. A quorum is the (q - 1)-th vote from others, q = floor(2N/3) + 1 (the stakes
 * differ by < 1%, so counting votes is counting stake here).
 */
class PhaseTrace {
  private readonly decidedAt = new Map<number, number>();
  private readonly proposalAt = new Map<number, number>();
  private readonly votes = new Map<string, number[]>();
  readonly phases: Phase[] = [];

  constructor(private readonly n: number) {}

  /** highest round seen in gossip, per height (progress reports) */
  readonly rounds = new Map<number, number>();

  proposal(height: number, round: number): void {
    if (!this.proposalAt.has(height)) this.proposalAt.set(height, performance.now());
    this.rounds.set(height, Math.max(round, this.rounds.get(height) ?? 0));
  }

  vote(height: number, round: number, type: string, forValue: boolean): void {
    this.rounds.set(height, Math.max(round, this.rounds.get(height) ?? 0));
    if (round !== 0 || !forValue) return;
    const key = `${height}/${type}`;
    const list = this.votes.get(key) ?? [];
    list.push(performance.now());
    this.votes.set(key, list);
  }

  decided(height: number, measuring: boolean): void {
    const now = performance.now();
    this.decidedAt.set(height, now);
    const prev = this.decidedAt.get(height - 1);
    if (measuring && prev !== undefined) {
      const start = prev + HEIGHT_INTERVAL_MS;
      const others = Math.floor((2 * this.n) / 3); // q - 1
      const at = (t: number | undefined) => (t === undefined ? null : Math.round(t - start));
      this.phases.push({
        height,
        proposal: at(this.proposalAt.get(height)),
        prevoteQuorum: at(this.votes.get(`${height}/prevote`)?.[others - 1]),
        precommitQuorum: at(this.votes.get(`${height}/precommit`)?.[others - 1]),
        decided: Math.round(now - start),
      });
    }
    for (const map of [this.decidedAt, this.proposalAt, this.rounds]) {
      for (const h of map.keys()) if (h < height - 2) map.delete(h);
    }
    for (const k of this.votes.keys()) if (Number(k.split("/")[0]) < height - 2) this.votes.delete(k);
  }
}

// ---------------------------------------------------------------------------------------- worker
async function worker(): Promise<void> {
  const send = (m: FromWorker) => process.send!(m);
  const keepers: Keeper[] = [];
  const lastDecided: number[] = [];
  let samples: Sample[] = [];
  let trace: PhaseTrace | undefined;
  let measuring = false;
  let base = { published: 0, received: 0, cpu: process.cpuUsage() };
  let maxRss = 0;
  const rssTimer = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage().rss)), 1_000);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();

  const logLevel = (process.env.BENCH_LOG ?? "silent") as "silent";
  async function counts(): Promise<{ published: number; received: number }> {
    let published = 0;
    let received = 0;
    for (const k of keepers) {
      for (const v of (await k.metrics.gossipMessagesTotal.get()).values) {
        if (!CONSENSUS_TOPICS.has(String(v.labels.topic))) continue;
        if (v.labels.direction === "out" && v.labels.result === "published") published += v.value;
        if (v.labels.direction === "in") received += v.value;
      }
      for (const v of (await k.metrics.pushMessagesTotal.get()).values) {
        if (v.labels.protocol !== VOTE_RELAY || v.labels.result !== "ok") continue;
        if (v.labels.direction === "out") published += v.value;
        else received += v.value;
      }
    }
    return { published, received };
  }

  /** DHT operations, pushes, requests and connection events: what a slow run did besides consensus */
  async function p2pEvents(): Promise<Record<string, number>> {
    const events: Record<string, number> = {};
    const add = (key: string, n: number) => (events[key] = (events[key] ?? 0) + n);
    for (const k of keepers) {
      for (const v of (await k.metrics.dhtOperationsTotal.get()).values) add(`dht ${v.labels.op} ${v.labels.result}`, v.value);
      for (const v of (await k.metrics.pushMessagesTotal.get()).values) {
        add(`push ${v.labels.direction} ${v.labels.result}`, v.value);
      }
      for (const v of (await k.metrics.reqRespTotal.get()).values) {
        add(`${String(v.labels.protocol).split("/")[2]} ${v.labels.direction} ${v.labels.result}`, v.value);
      }
      for (const v of (await k.metrics.p2pConnectionsTotal.get()).values) add(`peer ${v.labels.event}`, v.value);
    }
    return events;
  }

  async function start(msg: Extract<ToWorker, { cmd: "start" }>): Promise<void> {
    const t = timeoutsFor(msg.n);
    const startOne = async (spec: KeeperSpec, slot: number): Promise<Keeper> => {
      const config = {
        ...KeeperConfigSchema.parse({
          rpcUrl: msg.rpcUrl,
          keyDir: join(spec.root, "keys"),
          dataDir: join(spec.root, "data"),
          metricsPort: 0,
          logLevel,
          // the event watcher and the operator directory poll the shared node: slow polls keep the
          // chain from competing with consensus for the 2 cores (registrations do not change here)
          chain: { confirmations: 0, pollIntervalMs: 2_000 },
          consensus: {
            heightIntervalMs: HEIGHT_INTERVAL_MS,
            // only the deciding round's proposer submits within the window
            fallbackDelayMs: 60_000,
            epochPollMs: 2_000,
            directoryRefreshMs: 30_000,
            timeouts: t,
          },
          p2p: {
            listen: ["/ip4/127.0.0.1/tcp/0"],
            bootstrap: msg.bootstrap,
            dhtAddressScope: "lan",
            loopbackWhitelist: true,
            inboundConnectionThreshold: 1_000,
            maxIncomingPendingConnections: 100,
            // every heartbeat costs each of the N - 1 receivers an ECDSA recovery; on 2 shared cores
            // the default 5 s would take ~0.4 core at N = 32 away from consensus
            heartbeatIntervalMs: 30_000,
          },
        }),
        deploymentFile: msg.deploymentFile,
      };
      lastDecided[slot] = 0;
      const keeper = await Keeper.init({
        config,
        logger: createLogger({ level: logLevel, base: { keeper: spec.index } }),
        // process metrics (RSS, GC) once per process, not once per keeper
        metrics: createMetrics({ processMetrics: false }),
        // fast until the first peer, then a DHT round every 5 s (a keeper's default is 30 s): below
        // targetPeers every round queries the DHT, which at 1 s was ~4% of the CPU at N = 16
        discovery: { fastIntervalMs: 200, intervalMs: 5_000, queryTimeoutMs: 3_000 },
        onConsensusEvent: (e) => {
          if (e.type !== "decided") return;
          lastDecided[slot] = Number(e.height);
          if (measuring) samples.push({ height: Number(e.height), round: e.round, latencyMs: e.latencyMs });
          if (slot === 0) trace?.decided(Number(e.height), measuring);
        },
      });
      if (slot === 0 && msg.traced) {
        const t = (trace = new PhaseTrace(msg.n));
        keeper.p2p.gossip.subscribe(proposalTopic, (m) => t.proposal(Number(m.payload.height), m.payload.round));
        keeper.p2p.gossip.subscribe(voteTopic, (m) =>
          t.vote(Number(m.payload.height), m.payload.round, m.payload.type, m.payload.valueHash !== null),
        );
        keeper.p2p.gossip.subscribe(voteBundleTopic, (m) => {
          for (const v of m.payload.votes) t.vote(Number(m.payload.height), m.payload.round, m.payload.type, v.valueHash !== null);
        });
      }
      await keeper.start();
      return keeper;
    };
    const first = keepers.length;
    const started = await Promise.all(msg.keepers.map((spec, j) => startOne(spec, first + j)));
    keepers.push(...started);
    send({ kind: "started", addrs: started.map((k) => k.p2p.multiaddrs[0]!) });
  }

  process.on("message", (msg: ToWorker) => {
    void (async () => {
      if (msg.cmd === "start") await start(msg);
      else if (msg.cmd === "status") {
        send({
          kind: "status",
          peers: keepers.map((k) => k.p2p.peerCount),
          // a keeper that fell behind adopts gossiped commits without a "decided" event: count the
          // heights it is past, too
          decided: keepers.map((k, i) => Math.max(lastDecided[i] ?? 0, (k.consensus?.height ?? 1) - 1)),
          // epoch/height the engine is at, for diagnosing a stall
          at: keepers.map((k) => `${k.consensus?.currentEpoch ?? "-"}/${k.consensus?.height ?? "-"}`),
          round: trace?.rounds.get(keepers[0]?.consensus?.height ?? -1),
        });
      } else if (msg.cmd === "diagnose") {
        // keepers short of peers: which wanted peers they miss and what the peer store knows of
        // them (read only: dialling here would mend the mesh the window is about to measure)
        const lines: string[] = [];
        for (const k of keepers) {
          const libp2p = k.p2p.libp2p;
          for (const id of k.p2p.discovery.missingWanted()) {
            const addrs = (await libp2p.peerStore.get(peerIdFromString(id)).catch(() => undefined))?.addresses.length ?? 0;
            lines.push(`${libp2p.peerId.toString().slice(-6)} misses ${id.slice(-6)}: ${addrs} stored address(es)`);
          }
        }
        send({ kind: "diagnosis", lines });
      } else if (msg.cmd === "mark") {
        const c = await counts();
        base = { ...c, cpu: process.cpuUsage() };
        samples = [];
        loop.reset();
        maxRss = process.memoryUsage().rss;
        measuring = true;
        send({ kind: "marked" });
      } else if (msg.cmd === "report") {
        measuring = false;
        const c = await counts();
        const cpu = process.cpuUsage(base.cpu);
        send({
          kind: "report",
          samples,
          published: c.published - base.published,
          received: c.received - base.received,
          rssBytes: process.memoryUsage().rss,
          maxRssBytes: Math.max(maxRss, process.memoryUsage().rss),
          cpuMs: (cpu.user + cpu.system) / 1000,
          loopDelayMs: {
            p50: loop.percentile(50) / 1e6,
            p99: loop.percentile(99) / 1e6,
            max: loop.max / 1e6,
          },
          statusP50: keepers.map((k) => k.consensus?.status().commitLatencyMs.p50 ?? null),
          phases: trace?.phases.splice(0) ?? [],
          events: await p2pEvents(),
        });
      } else if (msg.cmd === "stop") {
        const stopping = performance.now();
        await Promise.all(keepers.map((k) => k.stop()));
        const stopSeconds = (performance.now() - stopping) / 1000;
        if (stopSeconds > 5) process.stderr.write(`bft worker: stopping ${keepers.length} keepers took ${stopSeconds.toFixed(1)} s\n`);
        clearInterval(rssTimer);
        loop.disable();
        // Keepers leave timers behind after stop(): a CheckpointSubmitter decision that was awaiting
        // the chain when stop() cleared its timers arms its fallback wait afterwards (up to rank x
        // fallbackDelayMs; keeper/src/bft/submitter.ts consider()). Say so, then exit anyway.
        const left = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
        if (left > 0) process.stderr.write(`bft worker: ${left} timer(s) still armed after every keeper stopped; exiting\n`);
        process.send!({ kind: "stopped" } satisfies FromWorker, () => process.exit(0));
      }
    })().catch((err: unknown) => {
      process.stderr.write(`bft worker: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    });
  });
}

// ---------------------------------------------------------------------------------------- parent

export interface BftResult {
  validators: number;
  processes: number;
  heightIntervalMs: number;
  timeouts: ReturnType<typeof timeoutsFor>;
  heightsDecided: number;
  roundsAboveZero: number;
  windowSeconds: number;
  heightsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number; samples: number };
  messagesPerHeight: { published: number; received: number; total: number };
  rssMB: { total: number; perKeeper: number; maxTotal: number };
  cpuMsPerHeight: { total: number; perKeeper: number };
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** medians over heights, ms after the height started, as keeper 0 saw it */
  phasesMs: { proposal: number | null; prevoteQuorum: number | null; precommitQuorum: number | null; decided: number | null };
  loadAverage: number[];
}


const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (x: number) => Math.round(x * 10) / 10;

/** Median of the non-null values, or null. */
function median(values: Array<number | null>): number | null {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  return v.length === 0 ? null : percentile(v, 50);
}

/** Deploys the protocol, registers n operators with real keeper keys and freezes them in epoch 1. */
async function setUpChain(provider: JsonRpcProvider, root: string, n: number) {
  const cfg = loadGenesisConfig(join(REPO_ROOT, "deployments", "config", "localhost.json"));
  const accounts = (await provider.listAccounts()).map((a) => a.address);
  const deployed = await deployProtocol(await provider.getSigner(0), cfg, { localAccounts: accounts });
  const deploymentFile = join(root, "deployment.json");
  writeDeployment(deploymentFile, deployed.file, false);

  const identities = await Promise.all(
    Array.from({ length: n }, (_, i) => KeeperIdentity.generate(join(root, `k${i}`, "keys"))),
  );
  // Account 0 holds the fundraising allocation: it funds fresh owner wallets with ETH and OPEN,
  // and every keeper signer with ETH for its checkpoint transactions.
  const funder = new Wallet(HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/0").privateKey, provider);
  const owners = identities.map(() => Wallet.createRandom().connect(provider));
  const stakes = owners.map((_, i) => (10_000n + 100n * BigInt(i)) * OPEN);
  let nonce = await provider.getTransactionCount(funder.address, "pending");
  const funding = [];
  const token = deployed.token.connect(funder);
  for (const [i, owner] of owners.entries()) {
    funding.push(await funder.sendTransaction({ to: owner.address, value: parseEther("1"), nonce: nonce++ }));
    funding.push(await funder.sendTransaction({ to: identities[i]!.signerAddress, value: parseEther("100"), nonce: nonce++ }));
    funding.push(await token.transfer(owner.address, stakes[i]!, { nonce: nonce++ }));
  }
  await Promise.all(funding.map((tx) => tx.wait()));

  const stakingAddress = await deployed.staking.getAddress();
  const registrations = [];
  for (const [i, owner] of owners.entries()) {
    const id = identities[i]!;
    const peerId = id.peerId.toString();
    registrations.push(await deployed.token.connect(owner).approve(stakingAddress, stakes[i]!, { nonce: 0 }));
    registrations.push(
      await deployed.staking.connect(owner).register(
        {
          signer: id.signerAddress,
          blsPubkey: hexlify(id.bls.publicKey),
          blsProofOfPossession: hexlify(id.proofOfPossession(owner.address)),
          peerId: hexlify(toUtf8Bytes(peerId)),
          endpoint: `/ip4/127.0.0.1/tcp/0/p2p/${peerId}`,
          resources: { cpuCores: 2n, memoryMiB: 4096n, storageGiB: 100n, bandwidthMbps: 1000n },
          commissionWad: 10n ** 17n,
          stake: stakes[i]!,
        },
        { nonce: 1 },
      ),
    );
  }
  for (const tx of registrations) {
    const receipt = await tx.wait();
    if (receipt?.status !== 1) throw new Error(`registration failed: ${tx.hash}`);
  }
  await provider.send("evm_increaseTime", [2 * cfg.protocol.epochLengthSeconds]);
  await (await deployed.validatorSets.connect(await provider.getSigner(0)).advanceEpoch()).wait();
  const [, , , count] = await deployed.validatorSets.epochValidatorSet(1n);
  if (count !== BigInt(n)) throw new Error(`epoch 1 froze ${count} validators, expected ${n}`);
  return { deploymentFile };
}

async function runSize(chain: LocalChain, provider: JsonRpcProvider, n: number): Promise<BftResult> {
  const root = mkdtempSync(join(tmpdir(), `openmesh-bft-${n}-`));
  const processes = processesFor(n);
  const workers: Array<ChildChannel<ToWorker, FromWorker>> = [];
  try {
    const setupStarted = performance.now();
    const { deploymentFile } = await setUpChain(provider, root, n);
    log(`N = ${n}: deployed, ${n} operators registered, epoch 1 frozen (${sec(setupStarted)} s)`);

    for (let p = 0; p < processes; p++) {
      const proc = fork(fileURLToPath(import.meta.url), ["--worker"], {
        // BENCH_BFT_NODE_ARGS: extra Node flags for the workers (e.g. --cpu-prof)
        execArgv: ["--import", "tsx", ...(process.env.BENCH_BFT_NODE_ARGS?.split(" ").filter(Boolean) ?? [])],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      workers.push(new ChildChannel<ToWorker, FromWorker>(proc, "a bft worker", 120_000)); // replies within 2 minutes
    }
    // keepers 0..n-1 round-robin over the workers; keeper 0 (worker 0) starts first as the bootstrap
    const specsOf = (p: number) =>
      Array.from({ length: n }, (_, i) => i)
        .filter((i) => i % processes === p)
        .map((i) => ({ index: i, root: join(root, `k${i}`) }));
    const startMsg = { rpcUrl: chain.url, deploymentFile, n };
    const startedAt = performance.now();
    const boot = await workers[0]!.ask(
      { cmd: "start", keepers: specsOf(0).slice(0, 1), bootstrap: [], traced: true, ...startMsg },
      "started",
    );
    const bootstrap = [boot.addrs[0]!];
    await Promise.all(
      workers.map((w, p) =>
        w.ask(
          { cmd: "start", keepers: p === 0 ? specsOf(0).slice(1) : specsOf(p), bootstrap, traced: false, ...startMsg },
          "started",
          300_000,
        ),
      ),
    );
    log(`N = ${n}: ${n} keepers started in ${processes} process(es) (${sec(startedAt)} s)`);

    // Warm-up: every keeper decides WARMUP_HEIGHTS heights after all have started.
    const status = async () => {
      const all = await Promise.all(workers.map((w) => w.ask({ cmd: "status" }, "status")));
      return {
        peers: all.flatMap((s) => s.peers),
        decided: all.flatMap((s) => s.decided),
        at: all.flatMap((s) => s.at),
        round: all[0]?.round,
      };
    };
    const firstSeen = Math.max(...(await status()).decided);
    const warmStarted = Date.now();
    const warmDeadline = warmStarted + WARMUP_SECONDS * 1000;
    const progress = (what: string, s: Awaited<ReturnType<typeof status>>) =>
      log(
        `N = ${n}: ${what}: heights done per keeper min ${Math.min(...s.decided)} max ${Math.max(...s.decided)}; keeper 0 sees round ${s.round ?? "-"} of its height`,
      );
    let lastProgress = Date.now();
    for (;;) {
      const s = await status();
      // warm: a few heights decided, and every keeper connected to all others (or a minute passed)
      const meshed = Math.min(...s.peers) >= n - 1 || Date.now() > warmStarted + 60_000;
      if (Math.min(...s.decided) >= firstSeen + WARMUP_HEIGHTS && meshed) break;
      if (Date.now() - lastProgress > 60_000) {
        progress("warming up", s);
        lastProgress = Date.now();
      }
      if (Date.now() > warmDeadline) {
        throw new Error(`N = ${n}: keepers did not decide ${WARMUP_HEIGHTS} heights within ${WARMUP_SECONDS} s (decided ${s.decided.join(",")}; epoch/height ${s.at.join(",")}; peers ${s.peers.join(",")})`,
        );
      }
      await sleep(250);
    }
    const peers = (await status()).peers;
    log(`N = ${n}: warm (peers per keeper min ${Math.min(...peers)}, max ${Math.max(...peers)}); measuring`);
    // a keeper short of peers gets what its peers relay (mesh) or lazy gossip only: say which
    const short = peers.flatMap((p, i) => (p < n - 1 ? [`#${i}: ${p}`] : []));
    if (short.length > 0) {
      log(`N = ${n}: keepers connected to fewer than ${n - 1} peers: ${short.join(", ")}`);
      for (const w of workers) {
        const d = await w.ask({ cmd: "diagnose" }, "diagnosis");
        for (const line of d.lines) log(`N = ${n}:   ${line}`);
      }
    }

    await Promise.all(workers.map((w) => w.ask({ cmd: "mark" }, "marked")));
    const load0 = loadavg();
    const windowStart = performance.now();
    const markHeight = Math.max(...(await status()).decided);
    for (;;) {
      await sleep(250);
      const s = await status();
      if (Math.min(...s.decided) >= markHeight + HEIGHTS) break;
      if (performance.now() - windowStart > WINDOW_SECONDS * 1000) break;
      if (Date.now() - lastProgress > 60_000) {
        progress("measuring", s);
        lastProgress = Date.now();
      }
    }
    const windowSeconds = (performance.now() - windowStart) / 1000;
    const reports = await Promise.all(workers.map((w) => w.ask({ cmd: "report" }, "report")));
    const load = loadavg();
    const events: Record<string, number> = {};
    for (const r of reports) for (const [k, v] of Object.entries(r.events)) events[k] = (events[k] ?? 0) + v;
    log(
      `N = ${n}: p2p events over the run: ${Object.entries(events)
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
    );

    const samples = reports.flatMap((r) => r.samples);
    const phases = reports.flatMap((r) => r.phases);
    const heights = new Set(samples.map((s) => s.height));
    const slow = new Set(samples.filter((s) => s.round > 0).map((s) => s.height));
    const sorted = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
    const published = reports.reduce((a, r) => a + r.published, 0);
    const received = reports.reduce((a, r) => a + r.received, 0);
    const rss = reports.reduce((a, r) => a + r.rssBytes, 0) / 2 ** 20;
    const maxRss = reports.reduce((a, r) => a + r.maxRssBytes, 0) / 2 ** 20;
    const cpuMs = reports.reduce((a, r) => a + r.cpuMs, 0);
    const h = Math.max(1, heights.size);
    const result: BftResult = {
      validators: n,
      processes,
      heightIntervalMs: HEIGHT_INTERVAL_MS,
      timeouts: timeoutsFor(n),
      heightsDecided: heights.size,
      roundsAboveZero: slow.size,
      windowSeconds: round1(windowSeconds),
      heightsPerSecond: Math.round((100 * heights.size) / windowSeconds) / 100,
      latencyMs: {
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: sorted.at(-1) ?? NaN,
        samples: sorted.length,
      },
      messagesPerHeight: {
        published: round1(published / h),
        received: round1(received / h),
        total: round1((published + received) / h),
      },
      rssMB: { total: round1(rss), perKeeper: round1(rss / n), maxTotal: round1(maxRss) },
      cpuMsPerHeight: { total: round1(cpuMs / h), perKeeper: round1(cpuMs / h / n) },
      eventLoopDelayMs: {
        p50: round1(Math.max(...reports.map((r) => r.loopDelayMs.p50))),
        p99: round1(Math.max(...reports.map((r) => r.loopDelayMs.p99))),
        max: round1(Math.max(...reports.map((r) => r.loopDelayMs.max))),
      },
      phasesMs: {
        proposal: median(phases.map((p) => p.proposal)),
        prevoteQuorum: median(phases.map((p) => p.prevoteQuorum)),
        precommitQuorum: median(phases.map((p) => p.precommitQuorum)),
        decided: median(phases.map((p) => p.decided)),
      },
      loadAverage: [load0[0]!, load[0]!].map((x) => Math.round(x * 100) / 100),
    };
    const statusP50 = reports.flatMap((r) => r.statusP50).filter((x): x is number => x !== null);
    log(
      `N = ${n}: ${heights.size} heights in ${windowSeconds.toFixed(1)} s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms` +
        ` (keepers' own status() p50, warm-up included: ${Math.min(...statusP50)}..${Math.max(...statusP50)} ms)`,
    );
    return result;
  } finally {
    await Promise.all(workers.map((w) => w.ask({ cmd: "stop" }, "stopped", 120_000).catch(() => w.proc.kill("SIGKILL"))));
    await Promise.all(workers.map((w) => w.exited));
    rmSync(root, { recursive: true, force: true });
  }
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}
const sec = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

async function parent(): Promise<void> {
  const chain = await LocalChain.start();
  const network = Network.from(31337n);
  const provider = new JsonRpcProvider(chain.url, network, { staticNetwork: network, cacheTimeout: -1 });
  const results: BftResult[] = [];
  // one size failing (e.g. no progress within the warm-up) still reports the others
  const failures: Array<{ validators: number; error: string }> = [];
  try {
    for (const n of SIZES) {
      try {
        results.push(await runSize(chain, provider, n));
      } catch (err) {
        log(`N = ${n}: FAILED: ${(err as Error).message}`);
        failures.push({ validators: n, error: (err as Error).message });
      }
    }
  } finally {
    provider.destroy();
    await chain.stop();
  }
  const cores = availableParallelism();
  const cpuModel = cpus()[0]?.model ?? "unknown";
  const goals: Record<number, number> = { 4: 50, 32: 250 };
  const lines = [
    "",
    `BFT over loopback (Node ${process.version}, ${cores} cores, ${cpuModel}; all keepers and the hardhat node share the machine)`,
    `height interval ${HEIGHT_INTERVAL_MS} ms; latency = height start -> decision, per keeper; messages = consensus gossip (proposal, vote, vote bundle, commit) and votes pushed to a relay, published + received, all keepers`,
    "",
    "| N | processes | heights | rounds > 0 | heights/s | latency p50 (ms) | p99 (ms) | keeper 0: proposal / prevote quorum / precommit quorum / decided (median ms) | msgs/height (pub + recv) | CPU ms/height/keeper | RSS MB (total / per keeper) | event-loop p99 (ms) | goal p50 |",
    "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ...results.map((r) => {
      const goal = goals[r.validators];
      const verdict =
        goal === undefined
          ? "-"
          : r.latencyMs.p50 <= goal
            ? `<= ${goal}: met`
            : `<= ${goal}: missed by ${Math.round(r.latencyMs.p50 - goal)} ms`;
      const ph = r.phasesMs;
      const phases = [ph.proposal, ph.prevoteQuorum, ph.precommitQuorum, ph.decided].map((x) => x ?? "-").join(" / ");
      return `| ${r.validators} | ${r.processes} | ${r.heightsDecided} | ${r.roundsAboveZero} | ${r.heightsPerSecond} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${phases} | ${r.messagesPerHeight.total} (${r.messagesPerHeight.published} + ${r.messagesPerHeight.received}) | ${r.cpuMsPerHeight.perKeeper} | ${r.rssMB.total} / ${r.rssMB.perKeeper} | ${r.eventLoopDelayMs.p99} | ${verdict} |`;
    }),
  ];
  process.stdout.write(lines.join("\n") + "\n");
  if (process.env.BENCH_JSON) {
    writeFileSync(
      process.env.BENCH_JSON,
      JSON.stringify(
        { node: process.version, cores, cpuModel, heightIntervalMs: HEIGHT_INTERVAL_MS, results, failures },
        null,
        2,
      ),
    );
  }
  for (const f of failures) process.stdout.write(`N = ${f.validators}: FAILED: ${f.error}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

if (process.argv.includes("--worker")) await worker();
else await parent();
