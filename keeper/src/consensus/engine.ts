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
// - Before signing anything the engine checks its signing state (canSign); on restart it resumes
//   the round and the lock it had signed at, so it can only re-sign what it signed or move on.
import { HeightMessages } from "./height-messages.js";
import { ProposerRotation } from "./proposer.js";
import { canSign } from "./signing-guard.js";
import { assertTimeouts, DEFAULT_TIMEOUTS, timeoutMs } from "./timeouts.js";
import { ValidatorIndex } from "./validator-set.js";
import type {
  ConsensusApp,
  ConsensusMessage,
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
    }
    this.progress();
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

  // ---- heights and rounds ----

  private startHeight(height: number): void {
    if (!Number.isSafeInteger(height) || height < 0) throw new RangeError(`height ${height} must be >= 0`);
    if (this.status !== "idle" && height <= this.height) return;
    const messages = this.next?.height === height ? this.next : this.newHeight(height);
    if (messages === undefined) throw new MissingValidatorSetError(`no validator set for height ${height}`);
    this.current = messages;
    this.next = undefined;
    this.height = height;
    this.status = "running";
    this.lockedRound = -1;
    this.lockedValueHash = null;
    this.validRound = -1;
    this.validValue = null;
    let round = 0;
    if (this.signing !== undefined && this.signing.height === height) {
      // restart mid-height: resume where we signed, with the lock we held
      round = this.signing.round;
      this.lockedRound = this.signing.lockedRound;
      this.lockedValueHash = this.signing.lockedValueHash;
    }
    this.startRound(round);
  }

  /** L11-21 StartRound */
  private startRound(round: number): void {
    const messages = this.current!;
    this.round = round;
    this.step = "propose";
    this.flags = freshFlags();
    for (const msg of messages.setWindowTop(round + 1)) this.accept(messages, msg);
    if (this.status !== "running") return;
    if (this.self !== undefined && messages.rotation.proposer(this.height, round) === this.self) {
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

  private newHeight(height: number): HeightMessages | undefined {
    const set = this.app.validatorSet(height);
    if (set === undefined) return undefined;
    let cached = this.rotations.get(set);
    if (cached === undefined) {
      cached = { index: new ValidatorIndex(set), rotation: new ProposerRotation(set) };
      this.rotations.set(set, cached);
    }
    return new HeightMessages(height, cached.index, cached.rotation);
  }

  // ---- messages ----

  private receive(msg: ConsensusMessage): void {
    if (this.status === "idle") return;
    const height = msg.kind === "vote" ? msg.vote.height : msg.proposal.height;
    if (height === this.height) {
      this.accept(this.current!, msg);
    } else if (height === this.height + 1) {
      this.next ??= this.newHeight(height);
      if (this.next !== undefined) this.accept(this.next, msg);
    }
    // other heights: the host syncs them (decided certificates), the engine does not buffer them
  }

  private accept(messages: HeightMessages, msg: ConsensusMessage): void {
    const result = messages.add(msg);
    if (result.status === "conflict" && result.evidence !== undefined) {
      this.out.push({ type: "evidence", evidence: result.evidence });
    }
    // L49 for rounds other than the current one (progress() checks the current round)
    if (result.status === "stored" && messages === this.current && result.round !== this.round) {
      this.tryDecide(result.round);
    }
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

      // L22, L28: the proposal of this round
      if (this.step === "propose") {
        const proposal = messages.proposal(round);
        if (proposal !== undefined && this.prevoteOnProposal(messages, proposal)) continue;
      }

      // L34
      if (this.step === "prevote" && !this.flags.prevoteTimeout && messages.votes.hasQuorumAny(round, "prevote")) {
        this.flags.prevoteTimeout = true;
        this.schedule("prevote");
      }

      // L36: a polka for this round's proposal
      if (this.step !== "propose" && !this.flags.polka) {
        const proposal = messages.proposal(round);
        if (
          proposal !== undefined &&
          messages.votes.hasQuorumFor(round, "prevote", proposal.value.hash) &&
          this.isValid(messages, proposal)
        ) {
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
    const proposal = messages.proposal(round);
    if (proposal === undefined) return false;
    const hash = proposal.value.hash;
    if (!messages.votes.hasQuorumFor(round, "precommit", hash)) return false;
    if (!this.isValid(messages, proposal)) return false;
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
    let verdict = messages.verdict(proposal.round);
    if (verdict === undefined) {
      verdict = this.app.validValue(this.height, proposal.value);
      messages.setVerdict(proposal.round, verdict);
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
