// Everything the engine has heard about one height: proposals by round, the vote tallies, and
// how far ahead each validator has gone (for round skipping).
//
// Memory stays bounded whatever Byzantine validators send. Rounds up to `windowTop` (the
// engine's round + 1 + ROUNDS_STORED_AHEAD) are stored in full: the engine only moves rounds on a
// quorum's timeouts or on an f+1 skip, so that is about as many rounds as honest validators
// really went through, and the margin keeps what validators a few rounds ahead sent (a node that
// falls behind needs the precommits of the round the others decided in, even if they went on to
// later rounds before deciding). For rounds beyond it, each validator has one slot holding only its messages of its highest round (a
// proposal, a prevote, a precommit, plus conflicting ones up to the same caps as the store);
// earlier slot contents are dropped when it moves on.
// Slots are released into the store when the window reaches them.
//
// An equivocating proposer's proposals are all kept (up to MAX_PROPOSALS_PER_ROUND per round),
// for the same reason conflicting votes count (see vote-set.ts): a node that got the "wrong"
// proposal first must still be able to decide the value the others precommitted.
import { checkProposalShape, checkProposer, checkVote } from "./message-checks.js";
import { isOneThirdPlus } from "./quorum.js";
import type { ProposerSchedule } from "./proposer-skip.js";
import type { ValidatorIndex } from "./validator-set.js";
import { MAX_VOTES_PER_SLOT, VoteSet } from "./vote-set.js";

/** distinct proposals kept per round (more than one only when the proposer equivocates) */
export const MAX_PROPOSALS_PER_ROUND = 4;

/** proposals of a height whose proposer schedule is not final yet, kept unchecked */
export const MAX_PENDING_PROPOSALS = 64;

/** rounds above the engine's round + 1 whose messages are stored in full */
export const ROUNDS_STORED_AHEAD = 16;
import type { ConsensusMessage, Evidence, Proposal } from "./types.js";

export type AddResult =
  /** counted; evidence when it is the first conflicting message of its sender at that (round, step) */
  | { readonly status: "stored"; readonly round: number; readonly evidence?: Evidence }
  | { readonly status: "duplicate" }
  /** beyond the window: kept in its sender's slot (or dropped if older than the slot) */
  | { readonly status: "deferred" }
  /** a conflicting message beyond the per-sender cap */
  | { readonly status: "dropped"; readonly evidence?: Evidence }
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

/** "proposal", "prevote" or "precommit" */
function slotKind(msg: ConsensusMessage): string {
  return msg.kind === "proposal" ? "proposal" : msg.vote.type;
}

function sameMessage(a: ConsensusMessage, b: ConsensusMessage): boolean {
  if (a.kind === "proposal") return b.kind === "proposal" && a.proposal.value.hash === b.proposal.value.hash;
  if (b.kind === "proposal") return false;
  return a.vote.type === b.vote.type && a.vote.valueHash === b.vote.valueHash;
}

export class HeightMessages {
  readonly votes: VoteSet;
  /** per round, the proposer's distinct proposals in arrival order */
  private readonly proposals = new Map<number, Proposal[]>();
  private readonly ahead = new Map<string, AheadSlot>();
  /** highest round each validator has sent a checked message for */
  private readonly highestRound = new Map<string, number>();
  private skipTargetCache: number | undefined;
  /** the host's verdict on each proposal, by "round/hash" (see verdict()) */
  private readonly verdicts = new Map<string, boolean>();
  private windowTop = 1 + ROUNDS_STORED_AHEAD;

  constructor(
    readonly height: number,
    readonly validators: ValidatorIndex,
    rotation: ProposerSchedule | undefined,
  ) {
    this.votes = new VoteSet(height, validators);
    this.schedule = rotation;
  }

  /** whose turn each round is; undefined while not final (proposals wait in `pending`) */
  private schedule: ProposerSchedule | undefined;
  /** proposals kept unchecked until the schedule is final (bounded) */
  private pending: Proposal[] = [];

  get rotation(): ProposerSchedule | undefined {
    return this.schedule;
  }

  /**
   * Makes the proposer schedule final (the engine, when the height starts: proposer skip depends
   * on the previous height's decision). Returns the proposals that waited, to add again.
   */
  finalizeSchedule(schedule: ProposerSchedule): Proposal[] {
    this.schedule = schedule;
    const pending = this.pending;
    this.pending = [];
    return pending;
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
      if (added.status === "duplicate") return { status: "duplicate" };
      const evidence = added.evidence === undefined ? {} : { evidence: added.evidence };
      return added.status === "added" ? { status: "stored", round, ...evidence } : { status: "dropped", ...evidence };
    }
    return this.addProposal(msg.proposal);
  }

  /** the proposer's proposals of round, first received first (several only if it equivocated) */
  proposalsOf(round: number): readonly Proposal[] {
    return this.proposals.get(round) ?? [];
  }

  allProposals(): Proposal[] {
    return [...this.proposals.values()].flat();
  }

  /** The engine entered round: store rounds up to round + 1 + ROUNDS_STORED_AHEAD; returns the slot messages now inside, to add again. */
  enterRound(round: number): ConsensusMessage[] {
    const top = round + 1 + ROUNDS_STORED_AHEAD;
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
   * The host's cached verdict on a proposal. Cached per (round, hash) rather than per hash: a
   * Byzantine proposer could pair an honest value's hash with a bad payload, and a verdict keyed
   * by hash alone would then poison (or bless) every later proposal of that hash.
   */
  verdict(proposal: Proposal): boolean | undefined {
    return this.verdicts.get(`${proposal.round}/${proposal.value.hash}`);
  }

  setVerdict(proposal: Proposal, valid: boolean): void {
    this.verdicts.set(`${proposal.round}/${proposal.value.hash}`, valid);
  }

  private addProposal(proposal: Proposal): AddResult {
    if (this.schedule === undefined) {
      if (this.pending.length < MAX_PENDING_PROPOSALS) this.pending.push(proposal);
      return { status: "deferred" };
    }
    const reason = checkProposer(this.schedule, proposal);
    if (reason !== undefined) return { status: "rejected", reason };
    this.noteRound(proposal.proposer, proposal.round);
    const round = proposal.round;
    const list = this.proposals.get(round);
    if (list === undefined) {
      this.proposals.set(round, [proposal]);
      return { status: "stored", round };
    }
    if (list.some((p) => p.value.hash === proposal.value.hash)) return { status: "duplicate" };
    const evidence =
      list.length === 1 ? { evidence: { kind: "duplicateProposal", first: list[0]!, second: proposal } as const } : {};
    if (list.length >= MAX_PROPOSALS_PER_ROUND) return { status: "dropped", ...evidence };
    list.push(proposal);
    return { status: "stored", round, ...evidence };
  }

  private defer(msg: ConsensusMessage, round: number): AddResult {
    const sender = messageSender(msg);
    // a proposal's right to its round is checked on release; only checked votes count for skipping
    if (msg.kind === "vote") this.noteRound(sender, round);
    const slot = this.ahead.get(sender);
    if (slot === undefined || slot.round < round) {
      this.ahead.set(sender, { round, messages: [msg] });
    } else if (slot.round === round && !slot.messages.some((m) => sameMessage(m, msg))) {
      // as many conflicting messages as the store itself would keep
      const kind = slotKind(msg);
      const cap = kind === "proposal" ? MAX_PROPOSALS_PER_ROUND : MAX_VOTES_PER_SLOT;
      if (slot.messages.filter((m) => slotKind(m) === kind).length < cap) slot.messages.push(msg);
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
