// The checkpoint parts every keeper runs, in the order their slices are built and checked. A new
// part (PoR, faults, tasks) is one line here plus its module; docs/checkpoints.md says how.
import type { CheckpointPart } from "../part.js";
import type { MeshMonitor } from "../../observability/mesh-monitor.js";
import { livenessPart } from "./liveness-part.js";
import { rewardsPart, type ProvenSource } from "./rewards-part.js";
import { uptimePart } from "./uptime-part.js";
import { TaskPart, type TaskKnowledge } from "../../tasks/task-part.js";

/** What parts need from the keeper beyond the PartHost they get at start. */
export interface PartDeps {
  /** the keeper's mesh monitor (heartbeat receipts, failure detector); absent in unit tests */
  mesh?: MeshMonitor;
  /** the task executor (keeper/src/tasks/task-service.ts); without it no task part runs */
  tasks?: TaskKnowledge;
  /** porRoot leaves of decided headers (the PoR part's); absent with PoR off */
  proven?: ProvenSource;
}

export function checkpointParts(deps: PartDeps = {}): CheckpointPart[] {
  const parts = [livenessPart(), rewardsPart(deps.proven), uptimePart(deps.mesh)] as CheckpointPart[];
  if (deps.tasks) parts.push(new TaskPart(deps.tasks) as CheckpointPart);
  return parts;
}

export { livenessPart, livenessOf, LIVENESS_PART } from "./liveness-part.js";
export {
  rewardLeavesOf,
  rewardsPart,
  RewardsPart,
  REWARDS_PART,
  type ClosingState,
  type ProvenSource,
  type RewardsReport,
  type RewardsSlice,
} from "./rewards-part.js";
export { uptimePart, UptimePart, UPTIME_PART, medianUptime, reportDigest, type UptimeReport } from "./uptime-part.js";
