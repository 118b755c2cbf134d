// An honest simulated keeper: releases a signed message only after "persisting" its signing
// state (canSign against what is on its disk, then write), can crash and restart from that disk.
import {
  canSign,
  compareSigningPosition,
  type ConsensusApp,
  type Decision,
  type Evidence,
  type Proposal,
  type SigningState,
  type Vote,
} from "../../keeper/src/consensus/index.js";
import { EngineHost } from "./engine-host.js";
import { isValidSimValue, simValue } from "./sim-values.js";
import { CERTIFICATE_DELAY_MS, type SimWorld } from "./sim-world.js";

/** what survives a crash: the signing state and the last decided height (the block store) */
interface Disk {
  signing: SigningState | undefined;
  lastDecided: number;
}

export class HonestNode extends EngineHost {
  private readonly disk: Disk;
  crashes = 0;

  constructor(world: SimWorld, index: number, id: string) {
    super(world, index, id);
    this.disk = { signing: undefined, lastDecided: world.set.firstHeight - 1 };
  }

  start(): void {
    this.boot(this.disk.signing, this.disk.lastDecided + 1);
  }

  crash(): void {
    if (!this.running) return;
    this.crashes++;
    this.halt();
    this.world.network.setUp(this.index, false);
    this.world.trace?.(`t=${this.world.clock.now} node ${this.index} CRASH`);
  }

  restart(): void {
    if (this.running) return;
    this.world.network.setUp(this.index, true);
    const height = this.disk.lastDecided + 1;
    this.world.trace?.(
      `t=${this.world.clock.now} node ${this.index} RESTART at h${height} from ${JSON.stringify(this.disk.signing)}`,
    );
    this.boot(this.disk.signing, height);
    this.world.network.reconnect(this.index, height);
  }

  protected app(): ConsensusApp {
    return {
      getValue: (height, round) => simValue({ height, round, proposer: this.index, variant: "honest" }),
      validValue: (height, value) => isValidSimValue(height, value),
      validatorSet: () => this.world.set,
    };
  }

  protected releaseProposal(proposal: Proposal, signing: SigningState): void {
    if (!this.persist(signing)) return;
    const msg = { kind: "proposal", proposal } as const;
    this.world.invariants.onReleased(this.index, msg);
    this.world.trace?.(
      `t=${this.world.clock.now} node ${this.index} PROPOSE h${proposal.height}/r${proposal.round} ${proposal.value.hash.slice(0, 10)} vr${proposal.validRound}`,
    );
    this.world.network.broadcast(this.index, msg);
  }

  protected releaseVote(vote: Vote, signing: SigningState): void {
    if (!this.persist(signing)) return;
    const msg = { kind: "vote", vote } as const;
    this.world.invariants.onReleased(this.index, msg);
    this.world.trace?.(
      `t=${this.world.clock.now} node ${this.index} ${vote.type.toUpperCase()} h${vote.height}/r${vote.round} ${vote.valueHash?.slice(0, 10) ?? "nil"}`,
    );
    this.world.network.broadcast(this.index, msg);
  }

  protected decided(decision: Decision): void {
    this.disk.lastDecided = Math.max(this.disk.lastDecided, decision.height);
    this.world.trace?.(
      `t=${this.world.clock.now} node ${this.index} DECIDE h${decision.height}/r${decision.round} ${decision.value.hash.slice(0, 10)}`,
    );
    this.world.invariants.onDecide(this.index, decision);
    this.world.onHonestDecision();
    // serve the certificate to peers that fall behind (after a while: normally they decide by themselves)
    if (!this.world.certificates) return;
    const life = this.incarnation;
    this.world.clock.after(CERTIFICATE_DELAY_MS, () => {
      if (life === this.incarnation) this.world.network.broadcast(this.index, { kind: "certificate", decision });
    });
  }

  protected evidence(evidence: Evidence): void {
    this.world.invariants.onEvidence(this.index, evidence);
  }

  /** The guard rule: refuse what conflicts with the disk, else write the disk, then release. */
  private persist(next: SigningState): boolean {
    const last = this.disk.signing;
    if (!canSign(last, next)) {
      this.world.invariants.fail(
        `node ${this.index}: engine asked to sign ${JSON.stringify(next)} over ${JSON.stringify(last)}`,
      );
      return false;
    }
    if (last === undefined || compareSigningPosition(next, last) > 0) this.disk.signing = next;
    return true;
  }
}
