// Flood bench (issue 16): the flood harness (scripts/lib/flood.ts) at full scale against 4 real
// keepers on a real chain. Prints, per phase, heights decided, commit latency p50/p99 and its ratio
// to the slower quiet phase (goal <= 2x), warn log lines per second, process RSS (keepers only: the
// attackers run in their own process) against an equally long quiet phase (goal <= +30 MB), what the
// attackers sent, and how long until each was cut off. Last, the halt scenario: one validator stopped
// (no spare stake) under replay + frames at once, and how soon every keeper decides again.
//
//   tsx scripts/bench/flood.ts
//   BENCH_FLOOD_SECONDS=15 BENCH_FLOOD_VOTES=1000 BENCH_FLOOD_ATTACKERS=2 BENCH_JSON=path tsx scripts/bench/flood.ts
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { FloodObserver, runFlood, type PhaseReport } from "../lib/flood.js";
import { KeeperCluster } from "../lib/keeper-cluster.js";

const SECONDS = Number(process.env.BENCH_FLOOD_SECONDS ?? 15);
const VOTES = Number(process.env.BENCH_FLOOD_VOTES ?? 1_000);
const ATTACKERS = Number(process.env.BENCH_FLOOD_ATTACKERS ?? 2);

export interface FloodBenchResult {
  cpuModel: string;
  loadAverage: number[];
  attackSeconds: number;
  votesPerSecondPerAttacker: number;
  attackers: number;
  phases: Array<PhaseReport & { p50Ratio: number | null; rssGainOverQuietMB: number | null }>;
}

const observer = new FloodObserver();
const cluster = await KeeperCluster.start({
  keepers: 4,
  logger: observer.logger,
  onConsensusEvent: observer.onConsensusEvent,
});
try {
  const deadline = Date.now() + 120_000;
  while (observer.decisions.filter((d) => d.keeper === 0).length < 5) {
    if (Date.now() > deadline) throw new Error("no heights decided within 2 minutes");
    await new Promise((r) => setTimeout(r, 200));
  }
  const load = loadavg();
  const reports = await runFlood(cluster, observer, {
    baselineSeconds: SECONDS,
    attackSeconds: SECONDS,
    attackers: ATTACKERS,
    votesPerSecond: VOTES,
    requestConcurrency: 16,
    attacks: ["replay", "frames", "requests"],
    halt: { stopKeeper: 3 },
  });
  const quiet = reports.filter((r) => r.phase === "baseline" || r.phase === "quiet");
  const quietP50 = Math.max(...quiet.map((r) => r.p50Ms ?? 0));
  const quietGain = Math.max(0, reports.find((r) => r.phase === "quiet")!.rssMB - reports.find((r) => r.phase === "quiet")!.rssStartMB);
  const result: FloodBenchResult = {
    cpuModel: cpus()[0]?.model ?? "unknown",
    loadAverage: load.map((l) => Math.round(l * 100) / 100),
    attackSeconds: SECONDS,
    votesPerSecondPerAttacker: VOTES,
    attackers: ATTACKERS,
    phases: reports.map((r) => ({
      ...r,
      p50Ratio: r.p50Ms === null || quietP50 === 0 ? null : Math.round((r.p50Ms / quietP50) * 100) / 100,
      rssGainOverQuietMB: r.phase === "baseline" || r.phase === "quiet" ? null : r.peakRssMB - r.rssStartMB - quietGain,
    })),
  };
  console.log(`flood bench: 4 keepers, ${ATTACKERS} attackers per attack, ${SECONDS} s phases; CPU ${result.cpuModel}, load average ${result.loadAverage.join(" ")} (shared machine)`);
  console.log("| phase | heights | p50 ms (x quiet) | p99 ms | warn lines/s | RSS gain over quiet MB | sent/s | cut off after s | bans |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const p of result.phases) {
    console.log(
      `| ${p.phase} | ${p.heights} | ${p.p50Ms ?? "-"} (${p.p50Ratio ?? "-"}) | ${p.p99Ms ?? "-"} | ${p.logLinesPerSecond} | ${p.rssGainOverQuietMB ?? "-"} | ${p.sentPerSecond || "-"} | ${p.disconnectedAfterSeconds.map((s) => (s === null ? "never" : s.toFixed(1))).join(", ") || "-"} | ${p.bans} |`,
    );
  }
  const halt = result.phases.find((p) => p.phase === "halt");
  if (halt) {
    console.log(
      `halt scenario (keeper 3 stopped, its stake still in the set; replay + frames at once): ${halt.heights} heights decided ` +
        `during the floods; every running keeper decided again ${halt.recoverySeconds ?? "NOT within 60"} s after they ended`,
    );
  }
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(result, null, 2));
} finally {
  await cluster.stop();
}
