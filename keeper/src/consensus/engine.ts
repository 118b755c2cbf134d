// The Tendermint BFT engine ("The latest gossip on BFT consensus", Buchman, Kwon, Milosevic,
// 2018, Algorithm 1) as a deterministic, synchronous state machine: handle(input) -> outputs.
// No clock, no randomness, no I/O: timeouts are outputs the host schedules and feeds back,
// signatures are checked before inputs arrive and made after outputs leave.
//
// Comments "L22" etc. refer to the line numbers of Algorithm 1 in the paper.
//
// Differences from the paper, each for a stated reason:
// - Every node schedules timeoutPropose when a round starts, the proposer included: a restarted
//   proposer that may not re-sign its proposal (signing guard) must still leave the round.
// - After a decision the engine waits for { type: "startHeight", height + 1 }, so the host can
//   apply the decision (and switch validator sets at epoch boundaries) before the next height.
// - Round skipping counts validators at round R or later (see HeightMessages.roundSkipTarget).
// - validValue also follows polkas of earlier rounds that complete late (see followEarlierPolka).
// - Conflicting votes and proposals of an equivocator all count, each for its own value, as the
//   paper counts messages (see VoteSet); and a peer's decision certificate is an input, so a
//   node that fell behind can still decide what the others decided (see onCertificate).
// - Before signing anything the engine checks its signing state (canSign); on restart it resumes
//   the round and the lock it had signed at, so it can only re-sign what it signed or move on,
//   and it recovers its locked value from that value's proposal when gossip brings it again.
import { HeightMessages } from "./height-messages.js";
import { checkVote } from "./message-checks.js";
import { ProposerRotation } from "./proposer.js";
import { SkippingSchedule, type ProposerSchedule } from "./proposer-skip.js";
import { isQuorum } from "./quorum.js";
import { canSign } from "./signing-guard.js";
import { assertTimeouts, DEFAULT_TIMEOUTS, stallTimeoutMs, timeoutMs } from "./timeouts.js";
import { ValidatorIndex } from "./validator-set.js";
import type {
  ConsensusApp,
  ConsensusMessage,
  Decision,
  Input,
  Output,
  Proposal,
  SigningState,
  Step,
  Timeouts,
  Value,
  ValueHash,
  ValidatorSet,
  Vote,
  VoteType,
} from "./types.js";

export interface EngineOptions {
  /** this node's validator address; omit for a node that only follows decisions */
  readonly self?: string;
  readonly app: ConsensusApp;
  readonly timeouts?: Timeouts;
  /** the last persisted signing state (SigningGuard.last) when restarting */
  readonly signingState?: SigningState;
}

export type EngineStatus = "idle" | "running" | "decided";

/** A read-only view of the engine's position, for hosts, metrics and tests. */
export interface EngineSnapshot {
  readonly status: EngineStatus;
  readonly height: number;
  readonly round: number;
  readonly step: Step;
  readonly lockedRound: number;
  readonly lockedValueHash: ValueHash | null;
  readonly validRound: number;
  readonly validValue: Value | null;
  readonly signingState: SigningState | undefined;
}

export class MissingValidatorSetError extends Error {
  override name = "MissingValidatorSetError";
}

interface RoundFlags {
  /** L34 fired this round */
  prevoteTimeout: boolean;
  /** L36 fired this round */
  polka: boolean;
  /** L47 fired this round */
  precommitTimeout: boolean;
}

const STEP_INDEX: Record<Step, number> = { propose: 0, prevote: 1, precommit: 2 };

const freshFlags = (): RoundFlags => ({ prevoteTimeout: false, polka: false, precommitTimeout: false });

export class ConsensusEngine {
  private readonly self: string | undefined;
  private readonly app: ConsensusApp;
  private readonly timeouts: Timeouts;
  private signing: SigningState | undefined;

  private status: EngineStatus = "idle";
  private height = -1;
  private round = 0;
  private step: Step = "propose";
  private lockedRound = -1;
  private lockedValueHash: ValueHash | null = null;
  private validRound = -1;
  private validValue: Value | null = null;
  private flags = freshFlags();
  /** "round/step" of the last stall timer scheduled, so each step gets one */
  private stallFor = "";
  private current: HeightMessages | undefined;
  /** messages that arrived for height + 1 while this height runs */
  private next: HeightMessages | undefined;

  private readonly rotations = new WeakMap<ValidatorSet, { index: ValidatorIndex; rotation: ProposerRotation }>();
  private out: Output[] = [];

  constructor(options: EngineOptions) {
    this.self = options.self;
    this.app = options.app;
    this.timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
    assertTimeouts(this.timeouts);
    this.signing = options.signingState;
  }

  /** Applies one input and returns what the host must do, in order. Not re-entrant. */
  handle(input: Input): Output[] {
    this.out = [];
    switch (input.type) {
      case "startHeight":
        this.startHeight(input.height);
        break;
      case "proposal":
        this.receive({ kind: "proposal", proposal: input.proposal });
        break;
      case "vote":
        this.receive({ kind: "vote", vote: input.vote });
        break;
      case "timeout":
        this.onTimeout(input.height, input.round, input.step);
        break;
      case "certificate":
        this.onCertificate(input.decision);
        break;
    }
    this.progress();
    this.scheduleStall();
    const out = this.out;
    this.out = [];
    return out;
  }

  snapshot(): EngineSnapshot {
    return {
      status: this.status,
      height: this.height,
      round: this.round,
      step: this.step,
      lockedRound: this.lockedRound,
      lockedValueHash: this.lockedValueHash,
      validRound: this.validRound,
      validValue: this.validValue,
      signingState: this.signing,
    };
  }

  /** the proposals and counted votes of the current height, for gossip to peers that missed them */
  knownMessages(): { proposals: Proposal[]; votes: Vote[] } {
    if (this.current === undefined) return { proposals: [], votes: [] };
    return { proposals: this.current.allProposals(), votes: this.current.votes.all() };
  }

  /**
   * The round whose messages this node lacks most, for a vote-set request (vote-sync.ts): the
   * current one, except while a proposal of it waits for the polka of its validRound (L28),
   * which the node may have lost: then that round.
   */
  syncRound(): number {
    const messages = this.current;
    if (messages === undefined || this.status !== "running" || this.step !== "propose") return this.round;
    for (const p of messages.proposalsOf(this.round)) {
      if (p.validRound >= 0 && !messages.votes.hasQuorumFor(p.validRound, "prevote", p.value.hash)) {
        return p.validRound;
      }
    }
    return this.round;
  }

  // ---- heights and rounds ----

  private startHeight(height: number): void {
    if (!Number.isSafeInteger(height) || height < 0) throw new RangeError(`height ${height} must be >= 0`);
    if (this.status !== "idle" && height <= this.height) return;
    const messages = this.next?.height === height ? this.next : this.newHeight(height, true);
    if (messages === undefined) throw new MissingValidatorSetError(`no validator set for height ${height}`);
    // proposals that came early waited for the proposer schedule, final now (this height starts)
    const waiting =
      messages.rotation === undefined
        ? messages.finalizeSchedule(this.scheduleOf(height, messages.validators.set))
        : [];
    for (const proposal of waiting) {
      const result = messages.add({ kind: "proposal", proposal });
      if ((result.status === "stored" || result.status === "dropped") && result.evidence !== undefined) {
        this.out.push({ type: "evidence", evidence: result.evidence });
      }
    }
    this.current = messages;
    this.next = undefined;
    this.height = height;
    this.status = "running";
    this.lockedRound = -1;
    this.lockedValueHash = null;
    this.validRound = -1;
    this.validValue = null;
    const signed = this.signing?.height === height ? this.signing : undefined;
    if (signed === undefined) {
      this.startRound(0);
    } else {
      // restart mid-height: resume in the round and step we last signed, with the lock we held
      this.lockedRound = signed.lockedRound;
      this.lockedValueHash = signed.lockedValueHash;
      this.startRound(signed.round);
      if (this.status === "running" && this.round === signed.round && STEP_INDEX[signed.step] > STEP_INDEX[this.step]) {
        this.step = signed.step;
      }
    }
    this.reviewBufferedRounds(messages);
  }

  /**
   * Messages of this height may have arrived while the previous one ran (or been replayed
   * after a restart). The per-arrival checks ran when they were stored for a height that was
   * not current yet, so run them now: decisions in any round (L49), late polkas, the lock.
   */
  private reviewBufferedRounds(messages: HeightMessages): void {
    for (const proposal of messages.allProposals()) {
      if (this.status !== "running") return;
      this.recoverLockedValue(messages, proposal);
      if (proposal.round === this.round) continue; // progress() handles the current round
      this.tryDecide(proposal.round);
      if (proposal.round < this.round) this.followEarlierPolka(messages, proposal.round);
    }
  }

  /** L11-21 StartRound */
  private startRound(round: number): void {
    const messages = this.current!;
    this.round = round;
    this.step = "propose";
    this.flags = freshFlags();
    for (const msg of messages.enterRound(round)) this.accept(messages, msg);
    if (this.status !== "running") return;
    if (this.self !== undefined && messages.rotation!.proposer(this.height, round) === this.self) {
      const value = this.validValue ?? this.app.getValue(this.height, round);
      const signing = this.trySign("propose", round, value.hash);
      if (signing !== undefined) {
        const proposal: Proposal = {
          height: this.height,
          round,
          value,
          validRound: this.validValue === null ? -1 : this.validRound,
          proposer: this.self,
        };
        this.out.push({ type: "broadcastProposal", proposal, signingState: signing });
        this.accept(messages, { kind: "proposal", proposal });
      }
    }
    this.schedule("propose");
  }

  /**
   * `started`: the height starts now, so its proposer schedule is final. For the next height
   * (messages that arrive early) a host that skips proposers decides the skips only once this
   * height is decided: its proposals wait unchecked until then (finalizeSchedule).
   */
  private newHeight(height: number, started: boolean): HeightMessages | undefined {
    const set = this.app.validatorSet(height);
    if (set === undefined) return undefined;
    const cached = this.cachedRotation(set);
    const final = started || this.app.skippedProposers === undefined;
    return new HeightMessages(height, cached.index, final ? this.scheduleOf(height, set) : undefined);
  }

  private cachedRotation(set: ValidatorSet): { index: ValidatorIndex; rotation: ProposerRotation } {
    let cached = this.rotations.get(set);
    if (cached === undefined) {
      cached = { index: new ValidatorIndex(set), rotation: new ProposerRotation(set) };
      this.rotations.set(set, cached);
    }
    return cached;
  }

  /** the rotation, with the proposers the host skips at this height passed over (proposer-skip.ts) */
  private scheduleOf(height: number, set: ValidatorSet): ProposerSchedule {
    const { rotation } = this.cachedRotation(set);
    const skipped = this.app.skippedProposers?.(height);
    return skipped === undefined || skipped.size === 0 ? rotation : new SkippingSchedule(rotation, height, skipped);
  }

  // ---- messages ----

  private receive(msg: ConsensusMessage): void {
    if (this.status === "idle") return;
    const height = msg.kind === "vote" ? msg.vote.height : msg.proposal.height;
    if (height === this.height) {
      this.accept(this.current!, msg);
    } else if (height === this.height + 1) {
      try {
        this.next ??= this.newHeight(height, false);
      } catch {
        return; // a bad next-height set is the host's to report at startHeight, not a peer's to crash us with
      }
      if (this.next !== undefined) this.accept(this.next, msg);
    }
    // other heights: the host syncs them (decided certificates), the engine does not buffer them
  }

  private accept(messages: HeightMessages, msg: ConsensusMessage): void {
    const result = messages.add(msg);
    if ((result.status === "stored" || result.status === "dropped") && result.evidence !== undefined) {
      this.out.push({ type: "evidence", evidence: result.evidence });
    }
    if (result.status !== "stored" || messages !== this.current) return;
    if (msg.kind === "proposal") this.recoverLockedValue(messages, msg.proposal);
    if (result.round !== this.round) {
      // L49 for rounds other than the current one (progress() checks the current round)
      this.tryDecide(result.round);
      if (result.round < this.round) this.followEarlierPolka(messages, result.round);
    }
  }

  /**
   * L36 sets validValue only for a polka of the current round. A polka of an earlier round
   * that completes here late (typically before GST) would otherwise be known only to those who
   * locked on it; if they hold little stake they rarely propose, and the others keep proposing
   * values the locked ones must refuse. So validValue also follows any earlier-round polka newer
   * than validRound. Safe: it only changes what this node proposes, and a proposal citing
   * validRound is accepted only by nodes that verify that polka themselves (L28).
   */
  private followEarlierPolka(messages: HeightMessages, round: number): void {
    if (round <= this.validRound) return;
    const proposal = messages
      .proposalsOf(round)
      .find((p) => messages.votes.hasQuorumFor(round, "prevote", p.value.hash));
    if (proposal === undefined || !this.isValid(messages, proposal)) return;
    this.validValue = proposal.value;
    this.validRound = round;
  }

  /**
   * After a restart the lock (round, hash) comes back from the signing state, but not the
   * locked value itself. A node locked on v that cannot re-propose v may block the height (it
   * prevotes nil for everything else), so the value is recovered from its proposal when that
   * arrives again: it had a polka at lockedRound, exactly what validRound means.
   */
  private recoverLockedValue(messages: HeightMessages, proposal: Proposal): void {
    if (this.validValue !== null || this.lockedRound < 0 || proposal.value.hash !== this.lockedValueHash) return;
    if (!this.isValid(messages, proposal)) return;
    this.validValue = proposal.value;
    this.validRound = this.lockedRound;
  }

  // ---- the upon-rules ----

  /** Applies every rule whose condition holds until none does. */
  private progress(): void {
    for (;;) {
      if (this.status !== "running") return;
      const messages = this.current!;
      const round = this.round;
      if (this.tryDecide(round)) return;

      // L55: f+1 at a higher round
      const skip = messages.roundSkipTarget();
      if (skip > round) {
        this.startRound(skip);
        continue;
      }

      // L22, L28: the proposal of this round (the first one that qualifies if the proposer equivocated)
      if (this.step === "propose" && messages.proposalsOf(round).some((p) => this.prevoteOnProposal(messages, p))) {
        continue;
      }

      // L34
      if (this.step === "prevote" && !this.flags.prevoteTimeout && messages.votes.hasQuorumAny(round, "prevote")) {
        this.flags.prevoteTimeout = true;
        this.schedule("prevote");
      }

      // L36: a polka for this round's proposal
      if (this.step !== "propose" && !this.flags.polka) {
        const proposal = messages
          .proposalsOf(round)
          .find((p) => messages.votes.hasQuorumFor(round, "prevote", p.value.hash));
        if (proposal !== undefined && this.isValid(messages, proposal)) {
          this.flags.polka = true;
          if (this.step === "prevote") {
            this.lockedValueHash = proposal.value.hash;
            this.lockedRound = round;
            this.castVote("precommit", proposal.value.hash);
            this.step = "precommit";
          }
          this.validValue = proposal.value;
          this.validRound = round;
          continue;
        }
      }

      // L44: a polka for nil
      if (this.step === "prevote" && messages.votes.hasQuorumFor(round, "prevote", null)) {
        this.castVote("precommit", null);
        this.step = "precommit";
        continue;
      }

      // L47
      if (!this.flags.precommitTimeout && messages.votes.hasQuorumAny(round, "precommit")) {
        this.flags.precommitTimeout = true;
        this.schedule("precommit");
      }
      return;
    }
  }

  /** L22-27 and L28-33; false while a re-proposal waits for the polka it cites */
  private prevoteOnProposal(messages: HeightMessages, proposal: Proposal): boolean {
    const hash = proposal.value.hash;
    const vr = proposal.validRound;
    if (vr === -1) {
      const ok = this.isValid(messages, proposal) && (this.lockedRound === -1 || this.lockedValueHash === hash);
      this.castVote("prevote", ok ? hash : null);
      this.step = "prevote";
      return true;
    }
    if (vr < this.round && messages.votes.hasQuorumFor(vr, "prevote", hash)) {
      const ok = this.isValid(messages, proposal) && (this.lockedRound <= vr || this.lockedValueHash === hash);
      this.castVote("prevote", ok ? hash : null);
      this.step = "prevote";
      return true;
    }
    return false;
  }

  /** L49-54: a proposal and > 2/3 precommits for its value in some round of this height */
  private tryDecide(round: number): boolean {
    if (this.status !== "running") return false;
    const messages = this.current!;
    const proposal = messages
      .proposalsOf(round)
      .find((p) => messages.votes.hasQuorumFor(round, "precommit", p.value.hash));
    if (proposal === undefined || !this.isValid(messages, proposal)) return false;
    const hash = proposal.value.hash;
    this.status = "decided";
    this.out.push({
      type: "decide",
      decision: {
        height: this.height,
        round,
        value: proposal.value,
        precommits: messages.votes.votesFor(round, "precommit", hash),
      },
    });
    return true;
  }

  /**
   * L49 from a peer's certificate instead of our own tallies: a node that fell behind (or that
   * counted other messages first, or dropped some to stay bounded) may never collect the
   * precommits the others decided with, and they have moved on. Deciding on > 2/3 signed
   * precommits for a valid value is exactly what the on-chain verifier accepts, and no other
   * value can gather such a quorum at this height.
   */
  private onCertificate(decision: Decision): void {
    if (this.status !== "running" || decision.height !== this.height) return;
    const messages = this.current!;
    const { round, value } = decision;
    if (!Number.isSafeInteger(round) || round < 0 || typeof value?.hash !== "string") return;
    if (!Array.isArray(decision.precommits)) return;
    const voters = new Set<string>();
    let power = 0n;
    for (const p of decision.precommits) {
      if (checkVote(messages.validators, p) !== undefined) return;
      if (p.type !== "precommit" || p.height !== this.height || p.round !== round || p.valueHash !== value.hash) return;
      if (voters.has(p.validator)) return;
      voters.add(p.validator);
      power += messages.validators.powerOf(p.validator);
    }
    if (!isQuorum(power, messages.validators.totalPower)) return;
    if (!this.app.validValue(this.height, value)) return;
    this.status = "decided";
    this.out.push({ type: "decide", decision: { height: this.height, round, value, precommits: decision.precommits } });
  }

  // ---- timeouts (L57-66) ----

  private onTimeout(height: number, round: number, step: Step): void {
    if (this.status !== "running" || height !== this.height || round !== this.round) return;
    if (step === "propose" && this.step === "propose") {
      this.castVote("prevote", null);
      this.step = "prevote";
    } else if (step === "prevote" && this.step === "prevote") {
      this.castVote("precommit", null);
      this.step = "precommit";
    } else if (step === "precommit") {
      this.startRound(round + 1);
    }
  }

  /**
   * One stall timer per (round, step) for the prevote and precommit steps (the propose step
   * always has timeoutPropose). It fires as that step's timeout unless the step was left first.
   */
  private scheduleStall(): void {
    if (this.status !== "running" || this.step === "propose") return;
    const key = `${this.height}/${this.round}/${this.step}`;
    if (key === this.stallFor) return;
    this.stallFor = key;
    this.out.push({
      type: "scheduleTimeout",
      height: this.height,
      round: this.round,
      step: this.step,
      delayMs: stallTimeoutMs(this.timeouts, this.step, this.round),
      stall: true,
    });
  }

  private schedule(step: Step): void {
    this.out.push({
      type: "scheduleTimeout",
      height: this.height,
      round: this.round,
      step,
      delayMs: timeoutMs(this.timeouts, step, this.round),
    });
  }

  // ---- signing ----

  private isValid(messages: HeightMessages, proposal: Proposal): boolean {
    let verdict = messages.verdict(proposal);
    if (verdict === undefined) {
      verdict = this.app.validValue(this.height, proposal.value);
      messages.setVerdict(proposal, verdict);
    }
    return verdict;
  }

  /** The signing state for this message, or undefined if this node must not sign it. */
  private trySign(step: Step, round: number, valueHash: ValueHash | null): SigningState | undefined {
    if (this.self === undefined || !this.current!.validators.has(this.self)) return undefined;
    const next: SigningState = {
      height: this.height,
      round,
      step,
      valueHash,
      lockedRound: this.lockedRound,
      lockedValueHash: this.lockedValueHash,
    };
    if (!canSign(this.signing, next)) return undefined;
    this.signing = next;
    return next;
  }

  /** Broadcasts (and counts) this node's vote, unless the signing state forbids it. */
  private castVote(type: VoteType, valueHash: ValueHash | null): void {
    const signing = this.trySign(type, this.round, valueHash);
    if (signing === undefined) return;
    const vote: Vote = { type, height: this.height, round: this.round, valueHash, validator: this.self! };
    this.out.push({ type: "broadcastVote", vote, signingState: signing });
    this.accept(this.current!, { kind: "vote", vote });
  }
}
