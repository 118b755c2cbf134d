// What every simulated node shares: the clock, the network, the validator set, the checker.
import type { RebroadcastOptions, Timeouts, ValidatorIndex, ValidatorSet } from "../../keeper/src/consensus/index.js";
import type { EngineHost } from "./engine-host.js";
import type { Invariants } from "./invariants.js";
import type { Prng } from "./prng.js";
import type { VirtualClock } from "./virtual-clock.js";
import type { VirtualNetwork } from "./virtual-network.js";

export interface SimWorld {
  readonly clock: VirtualClock;
  readonly network: VirtualNetwork;
  readonly rng: Prng;
  readonly set: ValidatorSet;
  readonly validators: ValidatorIndex;
  readonly timeouts: Timeouts;
  readonly invariants: Invariants;
  /** every node by index (honest and Byzantine), for point-to-point vote-set requests */
  readonly hosts: EngineHost[];
  /** the split of nodes into two sides that all Byzantine validators use at (height, round) */
  byzantineSplit(height: number, round: number): readonly boolean[];
  /** called after every honest decision */
  readonly onHonestDecision: () => void;
  /** whether honest nodes serve decision certificates (off: only the paper's rules decide) */
  readonly certificates: boolean;
  readonly stats: { certificateDecisions: number };
  /** SIM_TRACE=1: one line per notable event */
  readonly trace: ((line: string) => void) | undefined;
}

/** how long after deciding a node starts serving its certificate to peers still at that height */
export const CERTIFICATE_DELAY_MS = 300;

/** rebroadcast of a node's own messages (rebroadcast.ts), scaled like the timeouts below */
export const SIM_REBROADCAST: RebroadcastOptions = { firstMs: 250, maxMs: 1_000 };

/** a node whose (height, round, step) did not change for this long asks the next peer for what it lacks */
export const SYNC_INTERVAL_MS = 250;

/** peers asked per sync tick (as the keeper) */
export const SYNC_FANOUT = 2;

/** Small timeouts for a simulated LAN whose post-GST delay is at most a few tens of ms. */
export const SIM_TIMEOUTS: Timeouts = {
  propose: { baseMs: 200, perRoundMs: 50 },
  prevote: { baseMs: 100, perRoundMs: 25 },
  precommit: { baseMs: 100, perRoundMs: 25 },
};
