// The part of a simulated keeper around its engine that honest and Byzantine nodes share:
// feeding messages of the right heights, buffering later ones, firing timeouts on the virtual
// clock, and starting the next height after a decision. What happens to the engine's signed
// outputs is the subclass's business.
import {
  ConsensusEngine,
  type ConsensusApp,
  type Decision,
  type Input,
  type Evidence,
  type Output,
  type Proposal,
  type SigningState,
  type Vote,
  type VoteSetHave,
} from "../../keeper/src/consensus/index.js";
import type { SimWorld } from "./sim-world.js";
import { heightOf, type SimMessage } from "./virtual-network.js";

function toInput(msg: SimMessage): Input {
  if (msg.kind === "vote") return { type: "vote", vote: msg.vote };
  if (msg.kind === "proposal") return { type: "proposal", proposal: msg.proposal };
  return { type: "certificate", decision: msg.decision };
}

export abstract class EngineHost {
  protected engine: ConsensusEngine | undefined;
  /** bumps on every crash, so timers of a previous life never fire into the new one */
  protected incarnation = 0;
  /** the height the engine runs (or has just decided) */
  protected height = 0;
  /** messages for heights beyond height + 1, which the engine does not buffer itself */
  private readonly later = new Map<number, SimMessage[]>();
  decidedHeight: number;

  constructor(
    protected readonly world: SimWorld,
    readonly index: number,
    readonly id: string,
  ) {
    this.decidedHeight = world.set.firstHeight - 1;
  }

  protected abstract app(): ConsensusApp;
  protected abstract releaseProposal(proposal: Proposal, signing: SigningState): void;
  protected abstract releaseVote(vote: Vote, signing: SigningState): void;
  protected abstract decided(decision: Decision): void;
  protected abstract evidence(evidence: Evidence): void;
  /** the engine started `height` (boot or next height) */
  protected onHeight(_height: number): void {}
  /** a peer's vote-set request (vote-sync.ts); only honest nodes answer */
  answerSync(_have: VoteSetHave, _asker: number): void {}

  /** messages of heights beyond the next one arrived: this node is behind */
  protected get behind(): boolean {
    return this.later.size > 0;
  }

  get running(): boolean {
    return this.engine !== undefined;
  }

  /** round and step of the engine, for failure reports */
  describe(): string {
    const s = this.engine?.snapshot();
    return s === undefined ? "down" : `h${s.height}/r${s.round}/${s.step}/${s.status}`;
  }

  receive(msg: SimMessage): void {
    if (this.engine === undefined) return;
    const h = heightOf(msg);
    if (h < this.height) return;
    // the engine buffers messages of the next height itself, but a certificate only for its own
    if (h > this.height + 1 || (msg.kind === "certificate" && h > this.height)) {
      const list = this.later.get(h);
      if (list === undefined) this.later.set(h, [msg]);
      else list.push(msg);
      return;
    }
    const outputs = this.engine.handle(toInput(msg));
    if (msg.kind === "certificate" && outputs.some((o) => o.type === "decide")) this.world.stats.certificateDecisions++;
    this.run(outputs);
  }

  protected boot(signingState: SigningState | undefined, height: number): void {
    this.engine = new ConsensusEngine({ self: this.id, app: this.app(), timeouts: this.world.timeouts, signingState });
    this.height = height;
    this.onHeight(height);
    this.run(this.engine.handle({ type: "startHeight", height }));
  }

  protected halt(): void {
    this.engine = undefined;
    this.incarnation++;
    this.later.clear();
  }

  private run(outputs: readonly Output[]): void {
    let decision: Decision | undefined;
    for (const out of outputs) {
      switch (out.type) {
        case "broadcastProposal":
          this.releaseProposal(out.proposal, out.signingState);
          break;
        case "broadcastVote":
          this.releaseVote(out.vote, out.signingState);
          break;
        case "scheduleTimeout": {
          const life = this.incarnation;
          const { height, round, step } = out;
          this.world.clock.after(out.delayMs, () => {
            if (life === this.incarnation && this.engine !== undefined) {
              this.run(this.engine.handle({ type: "timeout", height, round, step }));
            }
          });
          break;
        }
        case "decide":
          decision = out.decision;
          this.decidedHeight = Math.max(this.decidedHeight, out.decision.height);
          this.decided(out.decision);
          break;
        case "evidence":
          this.evidence(out.evidence);
          break;
      }
    }
    if (decision !== undefined && this.engine !== undefined) this.nextHeight(decision.height + 1);
  }

  private nextHeight(height: number): void {
    const engine = this.engine!;
    this.height = height;
    this.onHeight(height);
    this.run(engine.handle({ type: "startHeight", height }));
    // what was too early before is now the engine's current or next height
    for (const h of [height, height + 1]) {
      const buffered = this.later.get(h);
      if (buffered === undefined) continue;
      this.later.delete(h);
      for (const msg of buffered) this.receive(msg);
    }
  }
}
