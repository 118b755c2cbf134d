// Deterministic simulation of the BFT engine: thousands of seeded runs with 4, 7 and 10
// validators of unequal stake, f Byzantine validators, a virtual clock and a virtual network
// (delays, drops, duplicates, partitions that heal at GST), crash-restarts of honest nodes,
// plus an asynchronous explorer where the adversary orders every delivery.
//
// Asserted in every run: agreement (no two honest decisions differ at a height), certificates
// of > 2/3 power for valid values, no honest node ever signs two different messages for one
// (height, round, step) across restarts, no evidence against honest nodes; and in the timed
// profiles, liveness: after GST every honest node decides HEIGHTS_AFTER_GST more heights within
// LIVENESS_BOUND_MS of virtual time.
//
// Environment:
//   SIM_SEED=<n>       run only this seed (with SIM_N / SIM_PROFILE to pick the case)
//   SIM_N=4|7|10       only this validator count
//   SIM_PROFILE=chaos|restarts|edge|explore|explore-edge|explore-crash   only this profile
//   SIM_RUNS=<x>       multiply the number of runs (deeper local exploration), e.g. SIM_RUNS=20
//   SIM_SEED_BASE=<n>  first seed (default 1), to explore other seeds
//   SIM_TRACE=1        print every signed message, decision, crash and restart of the run
import { expect } from "chai";
import { explore, type ExplorerResult } from "./async-explorer.js";
import { runScenario, type Profile, type ScenarioResult } from "./scenario.js";

const HEIGHTS_AFTER_GST = 3;
/** about 2.5x the slowest catch-up seen over ~130,000 runs (3.6 s) */
const LIVENESS_BOUND_MS = 10_000;

type ExploreProfile = "explore" | "explore-edge" | "explore-crash";
type AnyProfile = Profile | ExploreProfile;

/** runs per (profile, n) in `npm test`; SIM_RUNS multiplies them */
const RUNS: Record<AnyProfile, Record<number, number>> = {
  chaos: { 4: 1500, 7: 700, 10: 400 },
  restarts: { 4: 600, 7: 300, 10: 150 },
  edge: { 4: 600, 7: 250, 10: 150 },
  lossy: { 4: 150, 7: 80, 10: 40 },
  explore: { 4: 300, 7: 150, 10: 80 },
  "explore-edge": { 4: 300, 7: 150, 10: 80 },
  "explore-crash": { 4: 200, 7: 100, 10: 50 },
};

const DESCRIPTIONS: Record<AnyProfile, string> = {
  chaos:
    "f Byzantine (equivocating, silent, invalid proposals, vote-everything), bad network before GST, a few crashes",
  restarts: "every honest node crash-restarts from its persisted signing state, several times",
  edge: "Byzantine power exactly 1/3 with a stake-aware coordinated adversary (safety only)",
  lossy:
    "a random 30% of transmissions lost for good (no gossip retransmission) for 2-6 s, then delivery resumes: " +
    "rebroadcast, vote-set sync and stall timers restore liveness",
  explore: "asynchronous adversarial scheduling, Byzantine injections (safety only)",
  "explore-edge": "asynchronous scheduling with Byzantine power exactly 1/3 (safety only)",
  "explore-crash": "asynchronous scheduling with frequent crash-restarts (safety only)",
};

const env = process.env;
const onlySeed = env.SIM_SEED === undefined ? undefined : Number(env.SIM_SEED);
const onlyN = env.SIM_N === undefined ? undefined : Number(env.SIM_N);
const onlyProfile = env.SIM_PROFILE as AnyProfile | undefined;
const multiplier = Number(env.SIM_RUNS ?? 1);
const seedBase = Number(env.SIM_SEED_BASE ?? 1);
const trace = env.SIM_TRACE === "1" ? (line: string) => console.log(`      ${line}`) : undefined;

function replay(seed: number, n: number, profile: AnyProfile): string {
  return (
    `replay: SIM_SEED=${seed} SIM_N=${n} SIM_PROFILE=${profile} ` +
    `mocha --no-config --node-option import=tsx test/sim/bft.sim.test.ts   (add SIM_TRACE=1 for a trace)`
  );
}

function seeds(profile: AnyProfile, n: number): number[] {
  if (onlySeed !== undefined) return [onlySeed];
  const count = Math.max(1, Math.round(RUNS[profile][n]! * multiplier));
  return Array.from({ length: count }, (_, i) => seedBase + i);
}

function runOne(profile: AnyProfile, n: number, seed: number): ScenarioResult | ExplorerResult {
  switch (profile) {
    case "explore":
    case "explore-edge":
    case "explore-crash":
      return explore({
        seed,
        n,
        steps: 3000,
        edge: profile === "explore-edge",
        crashRate: profile === "explore-crash" ? 0.03 : 0.003,
      });
    default:
      return runScenario({
        seed,
        n,
        profile,
        heightsAfterGst: HEIGHTS_AFTER_GST,
        livenessBoundMs: LIVENESS_BOUND_MS,
        trace,
      });
  }
}

describe("BFT simulation (seeded, deterministic)", function () {
  this.timeout(240_000);

  for (const profile of Object.keys(RUNS) as AnyProfile[]) {
    if (onlyProfile !== undefined && profile !== onlyProfile) continue;
    describe(`${profile}: ${DESCRIPTIONS[profile]}`, () => {
      for (const n of [4, 7, 10]) {
        if (onlyN !== undefined && n !== onlyN) continue;
        const list = seeds(profile, n);
        const live = profile === "chaos" || profile === "restarts" || profile === "lossy";
        it(`n=${n}: ${list.length} seeded runs keep safety${live ? " and liveness after GST" : ""}`, () => {
          const started = Date.now();
          const failures: string[] = [];
          let worstCatchUp = 0;
          let worstRecover = 0;
          let decided = 0;
          let certificateDecisions = 0;
          for (const seed of list) {
            const result = runOne(profile, n, seed);
            if ("catchUpMs" in result) {
              if (result.violations.length === 0) {
                worstCatchUp = Math.max(worstCatchUp, result.catchUpMs);
                worstRecover = Math.max(worstRecover, result.recoverMs);
              }
              decided += result.heightsDecided;
              certificateDecisions += result.certificateDecisions;
            } else {
              decided += result.decisions;
            }
            if (result.violations.length > 0) {
              failures.push(
                `seed ${seed} (${result.description}):\n    ${result.violations.join("\n    ")}\n  ${replay(seed, n, profile)}`,
              );
            }
          }
          const summary =
            `${list.length} runs in ${Date.now() - started} ms, ` +
            (profile.startsWith("explore")
              ? `${decided} decisions`
              : `${decided} heights decided by every honest node`) +
            (live ? `, slowest catch-up after GST ${worstCatchUp} ms (first new height ${worstRecover} ms)` : "") +
            (certificateDecisions > 0 ? `, ${certificateDecisions} decisions from certificates` : "");
          console.log(`      ${summary}`);
          if (failures.length > 0) {
            expect.fail(`${failures.length} failing seed(s), the first ones:\n${failures.slice(0, 3).join("\n")}`);
          }
        });
      }
    });
  }
});
