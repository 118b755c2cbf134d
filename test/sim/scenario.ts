// One seeded simulation run: draw a scenario from the seed (stakes, Byzantine validators and
// their behaviour, GST, delays, drops, duplicates, partitions, crashes), run it on the virtual
// clock, and report every violated invariant. The same (seed, n, profile) replays exactly.
import { ValidatorIndex, type ValidatorSet } from "../../keeper/src/consensus/index.js";
import { ByzantineNode, type ByzantineBehaviour } from "./byzantine-node.js";
import { HonestNode } from "./honest-node.js";
import { Invariants } from "./invariants.js";
import { Prng } from "./prng.js";
import { SIM_TIMEOUTS, type SimWorld } from "./sim-world.js";
import { VirtualClock } from "./virtual-clock.js";
import { VirtualNetwork, type NetworkConfig, type Partition, type SimMessage } from "./virtual-network.js";

/**
 * chaos: Byzantine validators (< 1/3 of the power), a bad network before GST, a few crashes;
 * restarts: every honest node crash-restarts several times before GST;
 * edge: Byzantine power exactly 1/3, the most the strict > 2/3 quorum tolerates for safety
 * (liveness is not expected: the honest 2/3 is not a quorum on its own), a stake-aware
 * coordinated adversary, and honest crash-restarts;
 * lossy: until GST a random 30% of all transmissions (consensus messages, vote-set requests and
 * answers) are lost for good, with no gossip retransmission: only the hosts' rebroadcast, vote-set
 * sync and the engine's stall timers bring the lost messages back.
 */
export type Profile = "chaos" | "restarts" | "edge" | "lossy";

/** the share of transmissions the lossy profile loses before GST */
export const LOSSY_DROP = 0.3;

export interface ScenarioOptions {
  readonly seed: number;
  readonly n: number;
  readonly profile: Profile;
  /** heights every honest validator must decide after GST */
  readonly heightsAfterGst: number;
  /** virtual time after GST within which they must */
  readonly livenessBoundMs: number;
  /** honest nodes gossip decision certificates for catch-up; default: on for even seeds, off in edge */
  readonly certificates?: boolean;
  readonly trace?: (line: string) => void;
  /** replaces the drawn network (a test's targeted losses); the draw still runs, so seeds stay comparable */
  readonly network?: (drawn: NetworkConfig) => NetworkConfig;
  /** no Byzantine validator (targeted tests) */
  readonly allHonest?: boolean;
}

export interface ScenarioResult {
  readonly violations: string[];
  readonly description: string;
  /** virtual ms from GST until every honest validator decided the target height */
  readonly catchUpMs: number;
  /** virtual ms from GST until every honest validator decided one more height than any had at GST */
  readonly recoverMs: number;
  /** virtual ms at which every honest validator had decided each height (index = height) */
  readonly allDecidedAtMs: readonly number[];
  readonly heightsDecided: number;
  readonly events: number;
  readonly evidence: number;
  readonly crashes: number;
  /** honest decisions taken from a peer's certificate rather than from the node's own tallies */
  readonly certificateDecisions: number;
}

const BEHAVIOURS: readonly ByzantineBehaviour[] = ["silent", "equivocate", "invalidProposal", "voteEverything"];
const EDGE_BEHAVIOURS: readonly ByzantineBehaviour[] = ["equivocate", "voteEverything"];

function address(i: number): string {
  return "0x" + (0xa000 + i).toString(16).padStart(40, "0");
}

function drawPowers(rng: Prng, n: number): bigint[] {
  const style = rng.int(0, 2);
  return Array.from({ length: n }, () => {
    if (style === 0) return BigInt(rng.int(1, 3)); // near equal
    if (style === 1) return BigInt(rng.int(1, 100)); // spread
    return BigInt(rng.int(1, 1000)) * 10n ** 18n; // stake in wei, spread
  });
}

/** As many Byzantine validators as fit (up to f = floor((n-1)/3)) with their total power < 1/3. */
function drawByzantine(rng: Prng, powers: readonly bigint[], profile: Profile): Set<number> {
  const f = Math.floor((powers.length - 1) / 3);
  const wanted = profile === "restarts" ? rng.int(0, f) : rng.chance(0.8) ? f : rng.int(0, f);
  const total = powers.reduce((a, b) => a + b, 0n);
  const chosen = new Set<number>();
  let power = 0n;
  for (const i of rng.shuffle(powers.map((_, i) => i))) {
    if (chosen.size >= wanted) break;
    if ((power + powers[i]!) * 3n < total) {
      chosen.add(i);
      power += powers[i]!;
    }
  }
  return chosen;
}

/**
 * Powers where the f Byzantine validators hold exactly 1/3 of the total and the honest ones
 * form two groups of exactly 1/3 each: the split a stake-aware adversary wants, since each
 * honest group plus the Byzantine power is exactly 2/3 (a quorum only if the rule were >=).
 */
function drawEdgePowers(rng: Prng, n: number): { powers: bigint[]; byzantine: Set<number>; groupA: Set<number> } {
  const f = Math.floor((n - 1) / 3);
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const byzantine = new Set(order.slice(0, f));
  const honest = order.slice(f);
  const groupA = new Set(honest.slice(0, Math.ceil(honest.length / 2)));
  const third = rng.int(Math.max(5, groupA.size), 30);
  const powers = new Array<bigint>(n).fill(0n);
  const place = (members: number[], shares: number[]) => members.forEach((m, i) => (powers[m] = BigInt(shares[i]!)));
  place([...byzantine], rng.partition(third, f));
  place([...groupA], rng.partition(third, groupA.size));
  const groupB = honest.filter((i) => !groupA.has(i));
  place(groupB, rng.partition(third, groupB.length));
  return { powers, byzantine, groupA };
}

function drawNetwork(rng: Prng, n: number, profile: Profile): NetworkConfig {
  if (profile === "lossy") {
    const gstMs = rng.int(2000, 6000);
    return {
      gstMs,
      preGst: { maxDelayMs: rng.int(20, 200), dropProbability: 0, duplicateProbability: 0.02, retryMs: [50, 400] },
      postGst: { minDelayMs: 1, maxDelayMs: 40, duplicateProbability: 0.02 },
      partitions: [],
      loss: (_msg, _from, _to, now) => now < gstMs && rng.chance(LOSSY_DROP),
    };
  }
  const gstMs = profile === "chaos" ? rng.int(0, 6000) : rng.int(3000, 8000);
  const partitions: Partition[] = [];
  const count = gstMs < 200 ? 0 : rng.int(0, 2);
  for (let i = 0; i < count; i++) {
    const fromMs = rng.int(0, gstMs - 100);
    const untilMs = Math.min(gstMs, fromMs + rng.int(200, 3000));
    const isolateOne = rng.chance(0.3);
    const lonely = rng.int(0, n - 1);
    const groups = Array.from({ length: n }, (_, j) => (isolateOne ? (j === lonely ? 1 : 0) : rng.int(0, 1)));
    partitions.push({ fromMs, untilMs, groups });
  }
  return {
    gstMs,
    preGst: {
      maxDelayMs: rng.int(50, 2000),
      dropProbability: rng.next() * 0.3,
      duplicateProbability: rng.next() * 0.1,
      retryMs: [50, 400],
    },
    postGst: { minDelayMs: 1, maxDelayMs: 40, duplicateProbability: 0.02 },
    partitions,
  };
}

export function runScenario(options: ScenarioOptions): ScenarioResult {
  const { seed, n, profile } = options;
  const rng = new Prng(seed * 1_000_003 + n);
  const drawn =
    profile === "edge"
      ? drawEdgePowers(rng, n)
      : (() => {
          const powers = drawPowers(rng, n);
          const byzantine = drawByzantine(rng, powers, profile);
          return { powers, byzantine: options.allHonest === true ? new Set<number>() : byzantine, groupA: undefined };
        })();
  const { powers, byzantine, groupA } = drawn;
  const set: ValidatorSet = { firstHeight: 1, validators: powers.map((power, i) => ({ id: address(i), power })) };
  const behaviours = new Map(
    [...byzantine].map((i) => [i, rng.pick(profile === "edge" ? EDGE_BEHAVIOURS : BEHAVIOURS)]),
  );
  const byzantineIds = new Set([...byzantine].map((i) => address(i)));
  const signer = (msg: SimMessage) =>
    msg.kind === "vote" ? msg.vote.validator : msg.kind === "proposal" ? msg.proposal.proposer : "";
  const drawnNetwork = drawNetwork(rng, n, profile);
  const config: NetworkConfig = {
    ...(options.network?.(drawnNetwork) ?? drawnNetwork),
    holdRelayUntilGst: profile === "edge" ? (msg) => byzantineIds.has(signer(msg)) : undefined,
  };
  const certificates = options.certificates ?? (profile !== "edge" && seed % 2 === 0);

  const clock = new VirtualClock();
  const network = new VirtualNetwork(clock, rng, config, n);
  const validators = new ValidatorIndex(set);
  const honestIds = new Set(set.validators.filter((_, i) => !byzantine.has(i)).map((v) => v.id));
  const invariants = new Invariants(validators, honestIds, () => clock.now);

  let afterGst = false;
  let target = Infinity;
  let firstTarget = Infinity;
  let recoveredAt = Infinity;
  const allDecidedAtMs: number[] = Array.from({ length: set.firstHeight }, () => 0);
  const honest: HonestNode[] = [];
  const splits = new Map<string, boolean[]>();
  const byPower = powers.map((p, i) => ({ p, i })).filter(({ i }) => !byzantine.has(i));
  byPower.sort((a, b) => (a.p < b.p ? -1 : a.p > b.p ? 1 : 0));
  const smallHonest = byPower.slice(0, Math.max(1, byPower.length >> 1)).map(({ i }) => i);
  const world: SimWorld = {
    clock,
    network,
    rng,
    set,
    validators,
    timeouts: SIM_TIMEOUTS,
    invariants,
    hosts: [],
    certificates,
    stats: { certificateDecisions: 0 },
    trace: options.trace,
    byzantineSplit: (height, round) => {
      const key = `${height}/${round}`;
      let split = splits.get(key);
      if (split === undefined) {
        // a single victim on side A (it may decide while the others move on), the two honest
        // thirds of the edge profile, or a random split
        // the victim is an honest node of small stake: after it decides and leaves the height,
        // the others must still hold a quorum for the attack to go anywhere
        const victim = rng.pick(smallHonest);
        const kind = rng.int(0, 2);
        split = Array.from({ length: n }, (_, i) =>
          kind === 0 ? i === victim : kind === 1 && groupA !== undefined ? groupA.has(i) : rng.chance(0.5),
        );
        splits.set(key, split);
      }
      return split;
    },
    onHonestDecision: () => {
      const low = Math.min(...honest.map((node) => node.decidedHeight));
      while (allDecidedAtMs.length <= low) allDecidedAtMs.push(clock.now);
      if (afterGst && recoveredAt === Infinity && honest.every((node) => node.decidedHeight >= firstTarget)) {
        recoveredAt = clock.now;
      }
      if (afterGst && honest.every((node) => node.decidedHeight >= target)) clock.stop();
    },
  };

  const nodes = set.validators.map((v, i) => {
    const behaviour = behaviours.get(i);
    const node =
      behaviour === undefined ? new HonestNode(world, i, v.id) : new ByzantineNode(world, i, v.id, behaviour);
    if (node instanceof HonestNode) honest.push(node);
    network.attach(i, (msg) => node.receive(msg), behaviour === undefined);
    world.hosts.push(node);
    return node;
  });

  // crash-restarts of honest nodes, all back up by GST
  if (config.gstMs > 300 && profile !== "lossy") {
    const many = profile !== "chaos";
    const crashing = many ? honest : rng.chance(0.35) ? rng.shuffle(honest).slice(0, rng.int(1, 2)) : [];
    for (const node of crashing) {
      const cycles = many ? rng.int(1, 4) : 1;
      let t = 0;
      for (let c = 0; c < cycles && t < config.gstMs - 100; c++) {
        const crashAt = rng.int(t, config.gstMs - 100);
        const restartAt = rng.int(crashAt + 20, Math.min(config.gstMs, crashAt + 1500));
        clock.at(crashAt, () => node.crash());
        clock.at(restartAt, () => node.restart());
        t = restartAt + 1;
      }
    }
  }

  const description =
    `n=${n} powers=[${powers.join(",")}] byzantine={${[...behaviours].map(([i, b]) => `${i}:${b}`).join(",")}} ` +
    `gst=${config.gstMs}ms maxDelay=${config.preGst.maxDelayMs}ms drop=${config.preGst.dropProbability.toFixed(2)} ` +
    `dup=${config.preGst.duplicateProbability.toFixed(2)} partitions=${config.partitions.length} ` +
    (config.loss === undefined ? "" : `loss=${profile === "lossy" ? LOSSY_DROP : "targeted"} `) +
    `certificates=${certificates ? "on" : "off"}`;
  options.trace?.(description);

  for (const node of nodes) node.start();
  clock.runUntil(config.gstMs);
  afterGst = true;
  const decidedAtGst = Math.max(set.firstHeight - 1, ...honest.map((node) => node.decidedHeight));
  target = decidedAtGst + options.heightsAfterGst;
  firstTarget = decidedAtGst + 1;
  const deadline = config.gstMs + options.livenessBoundMs;
  clock.runUntil(deadline);

  const late = honest.filter((node) => node.decidedHeight < target);
  if (late.length > 0 && profile !== "edge") {
    invariants.fail(
      `LIVENESS: by GST+${options.livenessBoundMs}ms, honest nodes ${late.map((x) => `${x.index}@${x.describe()}`).join(" ")} ` +
        `had not decided height ${target}`,
    );
  }
  return {
    violations: invariants.violations,
    description,
    catchUpMs: clock.now - config.gstMs,
    recoverMs: recoveredAt - config.gstMs,
    allDecidedAtMs,
    heightsDecided: Math.min(...honest.map((node) => node.decidedHeight)),
    events: clock.events,
    evidence: invariants.evidenceSeen,
    crashes: honest.reduce((sum, node) => sum + node.crashes, 0),
    certificateDecisions: world.stats.certificateDecisions,
  };
}
