// The asynchronous explorer: a seeded adversarial scheduler with no clock. At every step it
// delivers any pending message to its recipient (in any order, duplicates included), fires any
// pending timeout early, lets a Byzantine validator inject any vote or proposal it likes, or
// crashes and restarts an honest node from its persisted signing state. Timing is entirely the
// adversary's, so liveness is not expected; safety must hold under every interleaving:
// agreement, certificates, no double signing across restarts, no evidence against honest nodes.
// It reaches interleavings that timed runs hit rarely (one node decides while the others time
// out and move on), which is where lock bugs show.
import {
  canSign,
  compareSigningPosition,
  ConsensusEngine,
  proposerOf,
  ValidatorIndex,
  type ConsensusMessage,
  type Input,
  type Output,
  type SigningState,
  type Step,
  type ValidatorSet,
} from "../../keeper/src/consensus/index.js";
import { Invariants } from "./invariants.js";
import { Prng } from "./prng.js";
import { isValidSimValue, simValue } from "./sim-values.js";
import { SIM_TIMEOUTS } from "./sim-world.js";

export interface ExplorerOptions {
  readonly seed: number;
  readonly n: number;
  /** scheduler steps per run */
  readonly steps: number;
  /** Byzantine power exactly 1/3 (the most a strict quorum tolerates) instead of below it */
  readonly edge: boolean;
  /** probability per step of crashing an up honest node or restarting a down one */
  readonly crashRate: number;
}

export interface ExplorerResult {
  readonly violations: string[];
  readonly description: string;
  readonly decisions: number;
  readonly maxHeight: number;
}

interface Honest {
  readonly index: number;
  readonly id: string;
  engine: ConsensusEngine | undefined;
  height: number;
  /** what survives a crash */
  signing: SigningState | undefined;
  lastDecided: number;
  /** received messages, replayed after a restart (the keeper's consensus WAL) */
  readonly log: ConsensusMessage[];
  timers: { height: number; round: number; step: Step }[];
}

function address(i: number): string {
  return "0x" + (0xb000 + i).toString(16).padStart(40, "0");
}

export function explore(options: ExplorerOptions): ExplorerResult {
  const { seed, n } = options;
  const rng = new Prng(seed * 7919 + n * 31 + (options.edge ? 1 : 0) + Math.round(options.crashRate * 1000) * 3);
  const f = Math.floor((n - 1) / 3);
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const byzantine = new Set(order.slice(0, options.edge ? f : rng.int(0, f)));
  const honestIdx = order.filter((i) => !byzantine.has(i)).sort((a, b) => a - b);
  const powers = new Array<bigint>(n).fill(0n);
  let byzPower = 0n;
  for (const i of byzantine) {
    powers[i] = BigInt(rng.int(3, 10));
    byzPower += powers[i]!;
  }
  if (options.edge) {
    // honest power exactly twice the Byzantine power: Byzantine = 1/3 of the total
    rng.partition(Number(2n * byzPower), honestIdx.length).forEach((p, k) => (powers[honestIdx[k]!] = BigInt(p)));
  } else {
    for (const i of honestIdx) powers[i] = BigInt(rng.int(1, 10));
    // then make sure the Byzantine power stays below 1/3
    for (let k = 0; byzPower * 3n >= powers.reduce((a, b) => a + b, 0n); k = (k + 1) % honestIdx.length) {
      powers[honestIdx[k]!]! += 1n;
    }
  }
  const set: ValidatorSet = { firstHeight: 1, validators: powers.map((power, i) => ({ id: address(i), power })) };
  const validators = new ValidatorIndex(set);
  const honestIds = new Set(honestIdx.map((i) => address(i)));
  let step = 0;
  const invariants = new Invariants(validators, honestIds, () => step);

  const nodes: Honest[] = honestIdx.map((i) => ({
    index: i,
    id: address(i),
    engine: undefined,
    height: 1,
    signing: undefined,
    lastDecided: 0,
    log: [],
    timers: [],
  }));
  const pending: { to: Honest; msg: ConsensusMessage }[] = [];
  /** every value proposed per height, for Byzantine votes to point at */
  const known = new Map<number, string[]>();
  let decisions = 0;

  const app = (node: Honest) => ({
    getValue: (height: number, round: number) => simValue({ height, round, proposer: node.index, variant: "honest" }),
    validValue: (height: number, value: { hash: string; payload?: unknown }) => isValidSimValue(height, value),
    validatorSet: () => set,
  });

  const remember = (msg: ConsensusMessage) => {
    if (msg.kind !== "proposal") return;
    const list = known.get(msg.proposal.height) ?? [];
    if (!list.includes(msg.proposal.value.hash)) list.push(msg.proposal.value.hash);
    known.set(msg.proposal.height, list);
  };

  const broadcast = (from: Honest | undefined, msg: ConsensusMessage) => {
    remember(msg);
    for (const to of nodes) if (to !== from) pending.push({ to, msg });
  };

  const run = (node: Honest, outputs: readonly Output[]): void => {
    let decided: number | undefined;
    for (const out of outputs) {
      if (out.type === "broadcastVote" || out.type === "broadcastProposal") {
        if (!canSign(node.signing, out.signingState)) {
          invariants.fail(`node ${node.index}: engine asked to sign ${JSON.stringify(out.signingState)}`);
          continue;
        }
        if (node.signing === undefined || compareSigningPosition(out.signingState, node.signing) > 0) {
          node.signing = out.signingState;
        }
        const msg: ConsensusMessage =
          out.type === "broadcastVote"
            ? { kind: "vote", vote: out.vote }
            : { kind: "proposal", proposal: out.proposal };
        invariants.onReleased(node.index, msg);
        broadcast(node, msg);
      } else if (out.type === "scheduleTimeout") {
        node.timers.push({ height: out.height, round: out.round, step: out.step });
      } else if (out.type === "decide") {
        decisions++;
        invariants.onDecide(node.index, out.decision);
        node.lastDecided = Math.max(node.lastDecided, out.decision.height);
        decided = out.decision.height;
      } else if (out.type === "evidence") {
        invariants.onEvidence(node.index, out.evidence);
      }
    }
    if (decided !== undefined && node.engine !== undefined) {
      node.height = decided + 1;
      node.timers = [];
      feed(node, { type: "startHeight", height: node.height });
    }
  };

  const feed = (node: Honest, input: Input) => {
    if (node.engine !== undefined) run(node, node.engine.handle(input));
  };

  const boot = (node: Honest) => {
    node.engine = new ConsensusEngine({
      self: node.id,
      app: app(node),
      timeouts: SIM_TIMEOUTS,
      signingState: node.signing,
    });
    node.height = node.lastDecided + 1;
    node.timers = [];
    feed(node, { type: "startHeight", height: node.height });
    for (const msg of [...node.log]) deliver(node, msg, false);
  };

  const deliver = (node: Honest, msg: ConsensusMessage, log: boolean) => {
    if (node.engine === undefined) return;
    if (log) node.log.push(msg);
    feed(node, msg.kind === "vote" ? { type: "vote", vote: msg.vote } : { type: "proposal", proposal: msg.proposal });
  };

  const inject = () => {
    const b = rng.pick([...byzantine]);
    const to = rng.pick(nodes);
    const height = to.height;
    const current = to.engine?.snapshot().round ?? 0;
    const round = rng.chance(0.7) ? current : rng.int(Math.max(0, current - 2), current + 1);
    const values = known.get(height) ?? [];
    if (rng.chance(0.2) && proposerOf(set, height, round) === address(b)) {
      const value = rng.chance(0.5)
        ? simValue({ height, round, proposer: b, variant: rng.chance(0.5) ? "honest" : "alt" })
        : undefined;
      const hash = value?.hash ?? (values.length > 0 ? rng.pick(values) : undefined);
      if (hash === undefined) return;
      // a proposal must carry a payload the host accepts: rebuild one for known hashes is impossible,
      // so only fresh values are proposed; known ones are voted for
      if (value === undefined) return;
      const msg: ConsensusMessage = {
        kind: "proposal",
        proposal: { height, round, value, validRound: rng.int(-1, round - 1), proposer: address(b) },
      };
      remember(msg);
      pending.push({ to, msg });
      return;
    }
    const valueHash = values.length > 0 && rng.chance(0.8) ? rng.pick(values) : null;
    const type = rng.chance(0.5) ? "prevote" : "precommit";
    pending.push({ to, msg: { kind: "vote", vote: { type, height, round, valueHash, validator: address(b) } } });
  };

  for (const node of nodes) boot(node);
  for (step = 0; step < options.steps; step++) {
    const dice = rng.next();
    if (dice < 0.1 && byzantine.size > 0) {
      for (let k = 0; k < 4; k++) inject();
    } else if (dice < 0.16) {
      const withTimers = nodes.filter((x) => x.engine !== undefined && x.timers.length > 0);
      if (withTimers.length === 0) continue;
      const node = rng.pick(withTimers);
      const t = node.timers.splice(rng.int(0, node.timers.length - 1), 1)[0]!;
      feed(node, { type: "timeout", ...t });
    } else if (dice < 0.16 + options.crashRate) {
      const node = rng.pick(nodes);
      if (node.engine !== undefined) {
        node.engine = undefined;
        node.timers = [];
      } else {
        boot(node);
      }
    } else {
      if (pending.length === 0) continue;
      const k = rng.int(0, pending.length - 1);
      const { to, msg } = pending[k]!;
      pending[k] = pending[pending.length - 1]!;
      pending.pop();
      const height = msg.kind === "vote" ? msg.vote.height : msg.proposal.height;
      if (to.engine !== undefined && height > to.height + 1) {
        pending.push({ to, msg }); // too early for it: keep it in flight
        continue;
      }
      if (rng.chance(0.03)) pending.push({ to, msg }); // duplicate
      deliver(to, msg, true);
    }
    if (invariants.violations.length > 0) break;
  }
  const description = `n=${n} powers=[${powers.join(",")}] byzantine={${[...byzantine].join(",")}} edge=${options.edge} crashRate=${options.crashRate} steps=${options.steps}`;
  return {
    violations: invariants.violations,
    description,
    decisions,
    maxHeight: Math.max(...nodes.map((x) => x.lastDecided)),
  };
}
