// Vote relay through the round's proposer. Gossiping every vote to every validator costs each
// keeper O(N) messages per step and the mesh O(N^2); on a few shared cores that transport work,
// not the consensus logic, set the commit latency (docs/benchmarks.md). So in round 0 a validator
// sends its vote for a value straight to the round's proposer, which gossips the votes it
// collected as one bundle once they carry more than 2/3 of the stake (and again when one value
// first gets there, if it had not): one gossip message per step instead of N.
//
// The relay is an optimisation, never a dependency: votes stay individually signed (a bundle
// proves nothing the votes do not), nil votes and every vote of a later round are gossiped
// directly, and a vote the relay did not move along is gossiped by its author after a fallback
// delay (service.ts). A silent or censoring proposer costs that delay, not liveness or safety.
import { isQuorum } from "../consensus/quorum.js";
import type { VoteType } from "../consensus/types.js";

export interface RelayedVote {
  valueHash: string | null;
  ecdsa: string;
  bls: string;
}

export interface VoteBundle {
  height: number;
  round: number;
  type: VoteType;
  votes: RelayedVote[];
}

interface StepVotes {
  bySigner: Map<string, RelayedVote>;
  total: bigint;
  byValue: Map<string, bigint>;
  /** a bundle went out once the whole step passed 2/3 */
  sentAny: boolean;
  /** values whose > 2/3 went out in a bundle */
  sentValues: Set<string>;
}

const key = (height: number, round: number, type: VoteType) => `${height}/${round}/${type}`;

/** The votes one relay (a round's proposer) collects, and when they make a bundle worth gossiping. */
export class VoteRelay {
  private readonly steps = new Map<string, StepVotes>();
  private readonly totalPower: bigint;

  /** `stake`: the epoch's validators (lowercase signer -> power) */
  constructor(private readonly stake: ReadonlyMap<string, bigint>) {
    let total = 0n;
    for (const p of stake.values()) total += p;
    this.totalPower = total;
  }

  /**
   * Records one validator's vote (the caller checked its signature); returns the bundle to gossip
   * when this vote takes the step, or one value of it, past 2/3 of the stake for the first time.
   * `suppressValueQuorum`: a value's quorum needs no bundle (precommits: the decision's commit
   * message carries them).
   */
  add(
    vote: { height: number; round: number; type: VoteType; valueHash: string | null },
    signer: string,
    sig: { ecdsa: string; bls: string },
    opts: { suppressValueQuorum?: boolean } = {},
  ): VoteBundle | undefined {
    const power = this.stake.get(signer);
    if (power === undefined) return undefined;
    const k = key(vote.height, vote.round, vote.type);
    let step = this.steps.get(k);
    if (!step) {
      step = { bySigner: new Map(), total: 0n, byValue: new Map(), sentAny: false, sentValues: new Set() };
      this.steps.set(k, step);
    }
    if (step.bySigner.has(signer)) return undefined; // the first vote counts; a conflicting one is evidence, elsewhere
    step.bySigner.set(signer, { valueHash: vote.valueHash, ecdsa: sig.ecdsa, bls: sig.bls });
    step.total += power;
    let send = false;
    if (!step.sentAny && isQuorum(step.total, this.totalPower)) {
      step.sentAny = true;
      send = true;
    }
    if (vote.valueHash !== null) {
      const forValue = (step.byValue.get(vote.valueHash) ?? 0n) + power;
      step.byValue.set(vote.valueHash, forValue);
      if (!step.sentValues.has(vote.valueHash) && isQuorum(forValue, this.totalPower)) {
        step.sentValues.add(vote.valueHash);
        if (opts.suppressValueQuorum) return undefined;
        send = true;
      }
    }
    if (!send) return undefined;
    return { height: vote.height, round: vote.round, type: vote.type, votes: [...step.bySigner.values()] };
  }

  /** Forgets steps of heights below `height`. */
  gc(height: number): void {
    for (const k of this.steps.keys()) if (Number(k.split("/")[0]) < height) this.steps.delete(k);
  }
}
