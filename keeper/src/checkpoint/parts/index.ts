// The checkpoint parts every keeper runs, in the order their slices are built and checked. A new
// part (PoR, faults, tasks) is one line here plus its module; docs/checkpoints.md says how.
import type { CheckpointPart } from "../part.js";
import { livenessPart } from "./liveness-part.js";
import { rewardsPart } from "./rewards-part.js";

/** What parts need from the keeper beyond the PartHost they get at start (none yet for liveness and rewards). */
export type PartDeps = Record<string, never>;

export function checkpointParts(_deps: PartDeps = {}): CheckpointPart[] {
  return [livenessPart(), rewardsPart()] as CheckpointPart[];
}

export { livenessPart, livenessOf, LIVENESS_PART } from "./liveness-part.js";
export {
  rewardLeavesOf,
  rewardsPart,
  RewardsPart,
  REWARDS_PART,
  type ClosingState,
  type RewardsReport,
  type RewardsSlice,
} from "./rewards-part.js";
