// What the consensus topics let through gossipsub, before the consensus service sees a message:
// one message per slot (the seen caches), nothing stale. Runs inside gossipsub validation, so a
// message dropped here is neither delivered nor forwarded.
//
// Slots and how many distinct messages each takes (seen-cache.ts):
//   vote      (validator, epoch, height, round, step)   2: the first, and one conflicting (evidence)
//   proposal  (proposer, epoch, height, round)           2: likewise
//   bundle    (relay, epoch, height, round, step)        3: a relay sends at most 2 (vote-relay.ts)
//   commit    (sender, epoch, height)                    4: announcement, catch-up copies as
//                                                          late precommits join
// A vote or proposal for a known value in other bytes is rejected (signing is deterministic, so
// only tampering makes it, e.g. a vote's BLS share swapped: the ECDSA signature does not cover it).
// A message of an earlier epoch, or of a height more than one behind, is ignored and costs its
// sending peer STALE_PENALTY points (penalties.ts): replaying old precommits, which anyone can
// fetch, is how issue 16's attacker flooded the mesh.
import type { GossipMessage, ValidationVerdict } from "../p2p/topics.js";
import { SeenCache, type SeenVerdict } from "../p2p/seen-cache.js";
import type { CommitMsg, ProposalMsg, VoteBundleMsg, VoteMsg } from "./topics.js";

/** Where this keeper's consensus is (undefined fields: not started; then nothing is stale). */
export interface ConsensusPosition {
  epoch?: bigint;
  height?: number;
}

/** Penalty points for one stale message (penalties.ts: 10 s half-life; -80 is the graylist). */
export const STALE_PENALTY = 1;

/** Heights this far behind the current one are still taken (late precommits join a certificate). */
const BEHIND_TAKEN = 1;

type Kind = "vote" | "proposal" | "bundle" | "commit";

export class ConsensusGossipGate {
  /** set by the keeper once the consensus service exists */
  position: () => ConsensusPosition = () => ({});

  private readonly seen: Record<Kind, SeenCache> = {
    vote: new SeenCache(2),
    proposal: new SeenCache(2),
    bundle: new SeenCache(3),
    commit: new SeenCache(4),
  };
  /** overflowing a slot: a vote or proposal takes the author's key, so it is rejected; others ignored */
  private static readonly overflow: Record<Kind, "reject" | "ignore"> = {
    vote: "reject",
    proposal: "reject",
    bundle: "ignore",
    commit: "ignore",
  };
  private prunedAt = { epoch: -1n, height: -1 };
  /** dropped messages by kind and reason, for tests and metrics */
  readonly dropped = new Map<string, number>();

  vote(msg: GossipMessage<VoteMsg>): ValidationVerdict {
    const v = msg.payload;
    const author = msg.sender.signer.toLowerCase();
    return this.check(
      "vote",
      msg,
      BigInt(v.epoch),
      Number(v.height),
      `${author}/${v.round}/${v.type}`,
      v.valueHash ?? "nil",
    );
  }

  proposal(msg: GossipMessage<ProposalMsg>): ValidationVerdict {
    const p = msg.payload;
    const author = msg.sender.signer.toLowerCase();
    return this.check("proposal", msg, BigInt(p.epoch), Number(p.height), `${author}/${p.round}`, p.valueHash);
  }

  bundle(msg: GossipMessage<VoteBundleMsg>): ValidationVerdict {
    const b = msg.payload;
    const author = msg.sender.signer.toLowerCase();
    return this.check(
      "bundle",
      msg,
      BigInt(b.epoch),
      Number(b.height),
      `${author}/${b.round}/${b.type}`,
      msg.contentId,
    );
  }

  commit(msg: GossipMessage<CommitMsg>): ValidationVerdict {
    const c = msg.payload.commit;
    const author = msg.sender.signer.toLowerCase();
    return this.check("commit", msg, BigInt(c.epoch), Number(c.height), author, msg.contentId);
  }

  /** Whether a message of (epoch, height) is stale here (an earlier epoch, or more than one height behind). */
  isStale(epoch: bigint, height: number): boolean {
    const at = this.position();
    if (at.epoch === undefined || at.height === undefined) return false;
    return epoch < at.epoch || (epoch === at.epoch && height < at.height - BEHIND_TAKEN);
  }

  private check(
    kind: Kind,
    msg: GossipMessage<unknown>,
    epoch: bigint,
    height: number,
    slot: string,
    substance: string,
  ): ValidationVerdict {
    const at = this.position();
    if (at.epoch !== undefined && at.height !== undefined) this.prune(at.epoch, at.height);
    if (this.isStale(epoch, height))
      return this.drop(kind, { result: "ignore", reason: "stale", penalty: STALE_PENALTY });
    const verdict: SeenVerdict = this.seen[kind].check({ epoch, height, slot }, substance, msg.contentId);
    switch (verdict) {
      case "new":
        return { result: "accept" };
      case "duplicate":
        return this.drop(kind, { result: "ignore", reason: "seen" });
      case "tampered":
        return this.drop(kind, { result: "reject", reason: "seen in other bytes" });
      case "overflow":
        return this.drop(kind, { result: ConsensusGossipGate.overflow[kind], reason: "slot full" });
    }
  }

  private drop(kind: Kind, verdict: ValidationVerdict): ValidationVerdict {
    const key = `${kind}/${verdict.reason}`;
    this.dropped.set(key, (this.dropped.get(key) ?? 0) + 1);
    return verdict;
  }

  private prune(epoch: bigint, height: number): void {
    if (this.prunedAt.epoch === epoch && this.prunedAt.height === height) return;
    this.prunedAt = { epoch, height };
    for (const cache of Object.values(this.seen)) cache.prune(epoch, height - BEHIND_TAKEN);
  }
}
