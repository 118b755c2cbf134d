// A flood harness: attackers written from scratch (plain libp2p + gossipsub, none of the keeper's
// checks) attack a running set of real keepers (scripts/lib/keeper-cluster.ts) the ways issue 16's
// adversarial peer did, while the keepers' decisions, warn-level log lines and process RSS are
// measured. Used by test/e2e/flood.test.ts (small scale) and scripts/bench/flood.ts (full scale).
//
// Attacks, each from fresh attacker peers (the previous ones end banned):
//   replay    real precommits (fetched from /openmesh/consensus-commit/1, which anyone may ask)
//             gossiped on the vote topic at `votesPerSecond` per attacker: the stale originals
//             byte for byte, then re-serialized copies (other whitespace) without end
//   frames    push streams /openmesh/consensus-vote/1 to every keeper, frames written as fast as
//             they go (garbage and stale votes), a stream reopened whenever one is closed
//   requests  commit requests to every keeper, `requestConcurrency` in flight per keeper
//   halt      (optional, last) issue 16's halt: one validator stops (as a tombstoned one: its stake
//             stays in the epoch's set, so every remaining validator is needed for > 2/3), then
//             replay and frames flood at once; the report adds how long after the floods end every
//             remaining keeper decides again
import { fork } from "node:child_process";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { ConsensusEvent } from "../../keeper/src/bft/service.js";
import { createLogger, type Logger } from "../../keeper/src/observability/index.js";
import { ChildChannel } from "./child-channel.js";
import type { AttackCommand, AttackDone, AttackName } from "./flood-attacker.js";
import type { KeeperCluster } from "./keeper-cluster.js";

export type { AttackName };
export interface FloodOptions {
  /** seconds of quiet baseline before the attacks, and of each attack */
  baselineSeconds: number;
  attackSeconds: number;
  /** attacker peers per attack */
  attackers: number;
  /** gossiped votes per second per attacker (replay) */
  votesPerSecond: number;
  /** requests in flight per attacker and keeper (requests) */
  requestConcurrency: number;
  attacks: AttackName[];
  /** after the attacks, stop this keeper and run replay + frames at once (the halt scenario) */
  halt?: { stopKeeper: number };
}

export interface PhaseReport {
  /** baseline: quiet, for latency; quiet: as long as an attack, for the RSS the process gains anyway */
  phase: "baseline" | "quiet" | "halt" | AttackName;
  seconds: number;
  /** heights keeper 0 decided in the phase */
  heights: number;
  /** commit latency over every keeper's decisions in the phase (ms) */
  p50Ms: number | null;
  p99Ms: number | null;
  /** warn-or-worse log lines of all keepers per second */
  logLinesPerSecond: number;
  /** process RSS at the start and the end of the phase, and V8 heap used at the end (MB) */
  rssStartMB: number;
  rssMB: number;
  heapUsedMB: number;
  /** what the attackers sent: messages, frames or requests, and over how many seconds */
  sent: number;
  sentPerSecond: number;
  /** the largest process RSS sampled during the phase (MB) */
  peakRssMB: number;
  /** seconds from the attack's start until each attacker had no connection to any keeper (null: never) */
  disconnectedAfterSeconds: Array<number | null>;
  /** bans the keepers made in the phase */
  bans: number;
  /** halt only: seconds from the floods' end until every running keeper decided a new height (null: not in 60 s) */
  recoverySeconds?: number | null;
}

/** Measures decisions and log lines of a cluster; give its hooks to KeeperCluster.start. */
export class FloodObserver {
  readonly decisions: Array<{ atMs: number; keeper: number; height: bigint; latencyMs: number }> = [];
  private logLines = 0;

  /** a logger per keeper that counts warn-or-worse lines (and writes none) */
  readonly logger = (): Logger =>
    createLogger({
      level: "warn",
      destination: new Writable({
        write: (chunk: Buffer, _enc, done) => {
          for (const line of chunk.toString().split("\n")) if (line.trim()) this.logLines++;
          done();
        },
      }),
    });

  readonly onConsensusEvent = (keeper: number, e: ConsensusEvent): void => {
    if (e.type === "decided")
      this.decisions.push({ atMs: Date.now(), keeper, height: e.height, latencyMs: e.latencyMs });
  };

  get lines(): number {
    return this.logLines;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (xs: number[], p: number): number | null => {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

const rssMB = () => Math.round(process.memoryUsage().rss / 1e6);

async function bansOf(cluster: KeeperCluster): Promise<number> {
  let total = 0;
  for (const k of cluster.keepers) {
    for (const v of (await k.metrics.p2pBansTotal.get()).values) total += v.value;
  }
  return total;
}

/** Seconds until every running keeper decided a height after now; null if one did not within 60 s. */
async function recovery(cluster: KeeperCluster, observer: FloodObserver): Promise<number | null> {
  const since = Date.now();
  const indices = cluster.running();
  while (Date.now() - since < 60_000) {
    if (indices.every((i) => observer.decisions.some((d) => d.keeper === i && d.atMs > since))) {
      return Math.round((Date.now() - since) / 100) / 10;
    }
    await sleep(100);
  }
  return null;
}

/** The quiet baseline, then each attack in turn; one report per phase. */
export async function runFlood(
  cluster: KeeperCluster,
  observer: FloodObserver,
  opts: FloodOptions,
): Promise<PhaseReport[]> {
  const reports: PhaseReport[] = [];
  const phase = async (
    name: PhaseReport["phase"],
    seconds: number,
    act: (
      untilMs: number,
      started: () => void,
    ) => Promise<{ sent: number; sentSeconds: number; disconnected: Array<number | null> }>,
  ) => {
    let start = Date.now();
    const rssStartMB = rssMB();
    let peakRssMB = rssStartMB;
    const sampler = setInterval(() => (peakRssMB = Math.max(peakRssMB, rssMB())), 250);
    let lines0 = observer.lines;
    const bans0 = await bansOf(cluster);
    // an attack's window opens when its attackers start sending (their set-up is not the attack)
    const started = () => {
      start = Date.now();
      lines0 = observer.lines;
    };
    const { sent, sentSeconds, disconnected } = await act(start + seconds * 1000, started).finally(() =>
      clearInterval(sampler),
    );
    const end = Date.now();
    const inPhase = observer.decisions.filter((d) => d.atMs >= start && d.atMs <= end);
    const latencies = inPhase.map((d) => d.latencyMs);
    reports.push({
      phase: name,
      seconds: (end - start) / 1000,
      heights: new Set(inPhase.filter((d) => d.keeper === 0).map((d) => d.height)).size,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      logLinesPerSecond: Math.round(((observer.lines - lines0) / ((end - start) / 1000)) * 10) / 10,
      rssStartMB,
      rssMB: rssMB(),
      heapUsedMB: Math.round(process.memoryUsage().heapUsed / 1e6),
      peakRssMB,
      sent,
      sentPerSecond: sentSeconds > 0 ? Math.round(sent / sentSeconds) : 0,
      disconnectedAfterSeconds: disconnected,
      bans: (await bansOf(cluster)) - bans0,
    });
  };

  await phase("baseline", opts.baselineSeconds, async (untilMs) => {
    await sleep(untilMs - Date.now());
    return { sent: 0, sentSeconds: 0, disconnected: [] };
  });
  await phase("quiet", opts.attackSeconds, async (untilMs) => {
    await sleep(untilMs - Date.now());
    return { sent: 0, sentSeconds: 0, disconnected: [] };
  });
  // the attackers live in a process of their own: this process's RSS is the keepers'
  const proc = fork(fileURLToPath(new URL("./flood-attacker.ts", import.meta.url)), ["--flood-attacker"], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const child = new ChildChannel<AttackCommand | { cmd: "exit" }, AttackDone | { kind: "ready" } | { kind: "started" }>(
    proc,
    "the flood attacker process",
    opts.attackSeconds * 1000 + 60_000,
  );
  try {
    await child.next("ready");
    const running = () => cluster.running().map((i) => cluster.keepers[i]!);
    /** one attack from the child process; `started` fires when its attackers start sending */
    const launch = (attack: AttackName, started: () => void) => {
      const service = running()[0]!.consensus!;
      const onStarted = (m: { kind?: string }) => {
        if (m.kind === "started") started();
      };
      proc.on("message", onStarted);
      return child
        .ask(
          {
            cmd: "attack",
            attack,
            keepers: running().map((k) => k.p2p.multiaddrs[0]!),
            epoch: service.currentEpoch!.toString(),
            height: service.height ?? 1,
            operators: [...cluster.operators()],
            attackers: opts.attackers,
            seconds: opts.attackSeconds,
            votesPerSecond: opts.votesPerSecond,
            requestConcurrency: opts.requestConcurrency,
          },
          "done",
        )
        .finally(() => proc.off("message", onStarted))
        .then((reply) => {
          if (reply.error !== undefined) throw new Error(`flood attacker failed: ${reply.error}`);
          return reply;
        });
    };
    for (const attack of opts.attacks) {
      await phase(attack, opts.attackSeconds, async (_untilMs, started) => {
        const reply = await launch(attack, started);
        return { sent: reply.sent, sentSeconds: reply.seconds, disconnected: reply.disconnectedAfterSeconds };
      });
    }
    if (opts.halt) {
      await cluster.stopKeeper(opts.halt.stopKeeper);
      await phase("halt", opts.attackSeconds, async (_untilMs, started) => {
        let once = false;
        const first = () => {
          if (!once) started();
          once = true;
        };
        const replies = await Promise.all([launch("replay", first), launch("frames", first)]);
        return {
          sent: replies.reduce((n, r) => n + r.sent, 0),
          sentSeconds: Math.max(...replies.map((r) => r.seconds)),
          disconnected: replies.flatMap((r) => r.disconnectedAfterSeconds),
        };
      });
      reports.at(-1)!.recoverySeconds = await recovery(cluster, observer);
    }
  } finally {
    proc.send({ cmd: "exit" });
    await Promise.race([child.exited, sleep(5_000)]);
    proc.kill();
  }
  return reports;
}
