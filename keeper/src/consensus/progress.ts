// Whether consensus is making progress, and if not, what it waits for: the truth /health tells.
// A keeper whose heights stopped being decided is not ready, whatever its sockets say (issue 16:
// three keepers sat at one height for 5.5 minutes while /health said ready and synced).
import type { EngineSnapshot } from "./engine.js";
import type { KnownMessages } from "./vote-sync.js";
import type { ValidatorSet, VoteType } from "./types.js";

/** no decision for this many expected height times makes a keeper stalled */
export const STALL_HEIGHTS = 5;

export interface ConsensusProgress {
  /** a height was decided (or consensus started) within STALL_HEIGHTS expected height times */
  readonly live: boolean;
  /** seconds since the last decision, or since consensus started when none yet; null before it starts */
  readonly secondsSinceDecision: number | null;
  /** what the current height waits for, e.g. "height 12 round 0: prevote step, 2/4 prevotes (50% of stake)" */
  readonly waitingFor: string | null;
}

function tally(set: ValidatorSet, known: KnownMessages, height: number, round: number, type: VoteType) {
  const power = new Map(set.validators.map((v) => [v.id, v.power]));
  const voters = new Set<string>();
  let stake = 0n;
  for (const v of known.votes) {
    if (v.height !== height || v.round !== round || v.type !== type || voters.has(v.validator)) continue;
    voters.add(v.validator);
    stake += power.get(v.validator) ?? 0n;
  }
  const total = set.validators.reduce((sum, v) => sum + v.power, 0n);
  const percent = total === 0n ? 0 : Number((stake * 100n) / total);
  return `${voters.size}/${set.validators.length} ${type}s (${percent}% of stake)`;
}

/** One line on the engine's position and the votes it holds for its round. */
export function describeWait(snapshot: EngineSnapshot, set: ValidatorSet, known: KnownMessages): string {
  const { height, round, step, status } = snapshot;
  if (status !== "running") return `height ${height}: ${status}`;
  const proposal = known.proposals.some((p) => p.height === height && p.round === round)
    ? "proposal seen"
    : "no proposal";
  return (
    `height ${height} round ${round}: ${step} step, ${proposal}, ` +
    `${tally(set, known, height, round, "prevote")}, ${tally(set, known, height, round, "precommit")}`
  );
}

/**
 * `expectedHeightMs`: what a height normally takes (the pause between heights plus a round's
 * propose timeout, the most a healthy round waits). `sinceMs`: the last decision, else the
 * moment consensus started.
 */
export function consensusProgress(opts: {
  nowMs: number;
  sinceMs: number | null;
  expectedHeightMs: number;
  waitingFor: string | null;
}): ConsensusProgress {
  if (opts.sinceMs === null) return { live: true, secondsSinceDecision: null, waitingFor: opts.waitingFor };
  const elapsedMs = Math.max(0, opts.nowMs - opts.sinceMs);
  return {
    live: elapsedMs <= STALL_HEIGHTS * opts.expectedHeightMs,
    secondsSinceDecision: Math.round(elapsedMs / 100) / 10,
    waitingFor: opts.waitingFor,
  };
}
