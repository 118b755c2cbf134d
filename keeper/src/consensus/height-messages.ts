// Everything the engine has heard about one height: proposals by round, the vote tallies, and
// how far ahead each validator has gone (for round skipping).
//
// Memory stays bounded whatever Byzantine validators send. Rounds up to `windowTop` (the
// engine's round + 1) are stored in full: the engine only moves rounds on a quorum's timeouts or
// on an f+1 skip, so that is as many rounds as honest validators really went through. For rounds
// beyond it, each validator has one slot holding only its messages of its highest round (at most
// a proposal, a prevote and a precommit); earlier slot contents are dropped when it moves on.
// Slots are released into the store when the window reaches them.
import { checkProposalShape, checkProposer, checkVote } from "./message-checks.js";
import { isOneThirdPlus } from "./quorum.js";
import type { ProposerRotation } from "./proposer.js";
import type { ValidatorIndex } from "./validator-set.js";
import { VoteSet } from "./vote-set.js";
import type { ConsensusMessage, Evidence, Proposal } from "./types.js";

export type AddResult =
  | { readonly status: "stored"; readonly round: number }
  | { readonly status: "duplicate" }
  /** beyond the window: kept in its sender's slot (or dropped if older than the slot) */
  | { readonly status: "deferred" }
  /** equivocation: the first message keeps counting; evidence the first time it is seen */
  | { readonly status: "conflict"; readonly evidence?: Evidence }
  | { readonly status: "rejected"; readonly reason: string };

interface AheadSlot {
  round: number;
  messages: ConsensusMessage[];
}

function messageRound(msg: ConsensusMessage): number {
  return msg.kind === "vote" ? msg.vote.round : msg.proposal.round;
}

function messageSender(msg: ConsensusMessage): string {
  return msg.kind === "vote" ? msg.vote.validator : msg.proposal.proposer;
}

function sameSlotKind(a: ConsensusMessage, b: ConsensusMessage): boolean {
  if (a.kind === "proposal" || b.kind === "proposal") return a.kind === b.kind;
  return a.vote.type === b.vote.type;
}

export class HeightMessages {
  readonly votes: VoteSet;
  private readonly proposals = new Map<number, Proposal>();
  private readonly reportedProposalRounds = new Set<number>();
  private readonly ahead = new Map<string, AheadSlot>();
  /** highest round each validator has sent a checked message for */
  private readonly highestRound = new Map<string, number>();
  private skipTargetCache: number | undefined;
  /** the host's verdict on each round's proposal (by round, not by hash: see verdict()) */
  private readonly verdicts = new Map<number, boolean>();
  private windowTop = 1;

  constructor(
    readonly height: number,
    readonly validators: ValidatorIndex,
    readonly rotation: ProposerRotation,
  ) {
    this.votes = new VoteSet(height, validators);
  }

  add(msg: ConsensusMessage): AddResult {
    const reason =
      msg.kind === "vote" ? checkVote(this.validators, msg.vote) : checkProposalShape(this.validators, msg.proposal);
    if (reason !== undefined) return { status: "rejected", reason };
    const height = msg.kind === "vote" ? msg.vote.height : msg.proposal.height;
    if (height !== this.height) return { status: "rejected", reason: `height ${height} is not ${this.height}` };
    const round = messageRound(msg);
    if (round > this.windowTop) return this.defer(msg, round);
    if (msg.kind === "vote") {
      this.noteRound(msg.vote.validator, round);
      const added = this.votes.add(msg.vote);
      if (added.status === "added") return { status: "stored", round };
      return added;
    }
    return this.addProposal(msg.proposal);
  }

  /** the first proposal of round from its proposer */
  proposal(round: number): Proposal | undefined {
    return this.proposals.get(round);
  }

  allProposals(): Proposal[] {
    return [...this.proposals.values()];
  }

  /** Widens the stored window to rounds <= top; returns the slot messages now inside it, to add again. */
  setWindowTop(top: number): ConsensusMessage[] {
    if (top <= this.windowTop) return [];
    this.windowTop = top;
    const released: ConsensusMessage[] = [];
    for (const [validator, slot] of this.ahead) {
      if (slot.round > top) continue;
      this.ahead.delete(validator);
      released.push(...slot.messages);
    }
    return released;
  }

  /**
   * The highest round R such that validators with more than 1/3 of the power have sent messages
   * of round >= R (so at least one honest validator has reached R), or -1. Tendermint's rule
   * (line 55) asks f+1 messages of exactly R; counting "R or later" also covers validators that
   * went past R, and still cannot be triggered by Byzantine power alone.
   */
  roundSkipTarget(): number {
    if (this.skipTargetCache !== undefined) return this.skipTargetCache;
    const entries = [...this.highestRound.entries()].sort((a, b) => b[1] - a[1]);
    let power = 0n;
    let target = -1;
    for (const [validator, round] of entries) {
      power += this.validators.powerOf(validator);
      if (isOneThirdPlus(power, this.validators.totalPower)) {
        target = round;
        break;
      }
    }
    this.skipTargetCache = target;
    return target;
  }

  /**
   * The host's cached verdict on the proposal of round. Cached per round rather than per hash:
   * a Byzantine proposer could pair an honest value's hash with a bad payload, and a verdict
   * keyed by hash would then poison (or bless) every later proposal of that hash.
   */
  verdict(round: number): boolean | undefined {
    return this.verdicts.get(round);
  }

  setVerdict(round: number, valid: boolean): void {
    this.verdicts.set(round, valid);
  }

  private addProposal(proposal: Proposal): AddResult {
    const reason = checkProposer(this.rotation, proposal);
    if (reason !== undefined) return { status: "rejected", reason };
    this.noteRound(proposal.proposer, proposal.round);
    const first = this.proposals.get(proposal.round);
    if (first === undefined) {
      this.proposals.set(proposal.round, proposal);
      return { status: "stored", round: proposal.round };
    }
    if (first.value.hash === proposal.value.hash) return { status: "duplicate" };
    if (this.reportedProposalRounds.has(proposal.round)) return { status: "conflict" };
    this.reportedProposalRounds.add(proposal.round);
    return { status: "conflict", evidence: { kind: "duplicateProposal", first, second: proposal } };
  }

  private defer(msg: ConsensusMessage, round: number): AddResult {
    const sender = messageSender(msg);
    // a proposal's right to its round is checked on release; only checked votes count for skipping
    if (msg.kind === "vote") this.noteRound(sender, round);
    const slot = this.ahead.get(sender);
    if (slot === undefined || slot.round < round) {
      this.ahead.set(sender, { round, messages: [msg] });
    } else if (slot.round === round && !slot.messages.some((m) => sameSlotKind(m, msg))) {
      slot.messages.push(msg);
    }
    return { status: "deferred" };
  }

  private noteRound(validator: string, round: number): void {
    const known = this.highestRound.get(validator);
    if (known !== undefined && known >= round) return;
    this.highestRound.set(validator, round);
    this.skipTargetCache = undefined;
  }
}
