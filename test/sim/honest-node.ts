// An honest simulated keeper: releases a signed message only after "persisting" its signing
// state (canSign against what is on its disk, then write), can crash and restart from that disk.
// Like the keeper it re-sends its own messages of the current height with backoff until the
// height advances (rebroadcast.ts), asks a peer for what it lacks when its position stops moving
// (vote-sync.ts), and after a restart re-broadcasts the vote its signing state says it signed.
import {
  canSign,
  compareSigningPosition,
  describeHave,
  missingFor,
  Rebroadcaster,
  type ConsensusApp,
  type KnownMessages,
  type Decision,
  type Evidence,
  type Proposal,
  type SigningState,
  type Vote,
  type VoteSetHave,
} from "../../keeper/src/consensus/index.js";
import { EngineHost } from "./engine-host.js";
import { isValidSimValue, simValue } from "./sim-values.js";
import { CERTIFICATE_DELAY_MS, SIM_REBROADCAST, SYNC_FANOUT, SYNC_INTERVAL_MS, type SimWorld } from "./sim-world.js";
import type { SimMessage } from "./virtual-network.js";

/** decided heights sent in answer to one vote-set request from a node behind */
const SYNC_DECIDED_BATCH = 16;

/** what survives a crash: the signing state and the last decided height (the block store) */
interface Disk {
  signing: SigningState | undefined;
  lastDecided: number;
}

export class HonestNode extends EngineHost {
  private readonly disk: Disk;
  crashes = 0;
  private readonly rebroadcast: Rebroadcaster<SimMessage>;
  /** decisions with their proposal: what a peer still at that height needs (L49); the keeper's block store */
  private readonly decidedMessages = new Map<number, KnownMessages>();
  private syncTurn = 0;
  private lastPosition = "";

  constructor(world: SimWorld, index: number, id: string) {
    super(world, index, id);
    this.disk = { signing: undefined, lastDecided: world.set.firstHeight - 1 };
    this.rebroadcast = new Rebroadcaster<SimMessage>(
      SIM_REBROADCAST,
      (ms, fn) => {
        let live = true;
        const life = this.incarnation;
        world.clock.after(ms, () => live && life === this.incarnation && fn());
        return () => (live = false);
      },
      (messages) => {
        this.world.trace?.(`t=${this.world.clock.now} node ${this.index} REBROADCAST ${messages.length}`);
        for (const msg of messages) this.world.network.broadcast(this.index, msg);
      },
    );
  }

  start(): void {
    this.boot(this.disk.signing, this.disk.lastDecided + 1);
    this.syncLoop(this.incarnation);
  }

  protected override onHeight(height: number): void {
    this.rebroadcast.advance(height);
  }

  /**
   * Every SYNC_INTERVAL_MS, if the engine did not move since the last tick, waits for the polka
   * a proposal cites, or has seen messages of later heights, ask the next SYNC_FANOUT peers for what this node lacks there.
   */
  private syncLoop(life: number): void {
    this.world.clock.after(SYNC_INTERVAL_MS, () => {
      if (life !== this.incarnation || this.engine === undefined) return;
      const s = this.engine.snapshot();
      const position = `${s.height}/${s.round}/${s.step}/${s.status}`;
      const round = this.engine.syncRound();
      if (s.status === "running" && (position === this.lastPosition || round !== s.round || this.behind)) {
        const have = describeHave(this.world.set, this.engine.knownMessages(), s.height, round);
        const others = this.world.hosts.length - 1;
        for (let k = 0; k < Math.min(SYNC_FANOUT, others); k++) {
          const peer = (this.index + 1 + (this.syncTurn++ % others)) % this.world.hosts.length;
          this.world.network.direct(this.index, peer, () => this.world.hosts[peer]!.answerSync(have, this.index));
        }
      }
      this.lastPosition = position;
      this.syncLoop(life);
    });
  }

  override answerSync(have: VoteSetHave, asker: number): void {
    if (this.engine === undefined) return;
    const network = this.world.network;
    if (this.decidedMessages.has(have.height)) {
      // decided here: its proposal and precommits whatever round the asker is in (L49), and the
      // next few decided heights too, so a node far behind catches up a batch per request
      for (let h = have.height; h < have.height + SYNC_DECIDED_BATCH; h++) {
        const decided = this.decidedMessages.get(h);
        if (decided === undefined) break;
        for (const proposal of decided.proposals) network.sendTo(this.index, asker, { kind: "proposal", proposal });
        for (const vote of decided.votes) network.sendTo(this.index, asker, { kind: "vote", vote });
      }
      return;
    }
    if (this.engine.snapshot().height !== have.height) return;
    const missing = missingFor(this.world.set, this.engine.knownMessages(), have);
    for (const proposal of missing.proposals) network.sendTo(this.index, asker, { kind: "proposal", proposal });
    for (const vote of missing.votes) network.sendTo(this.index, asker, { kind: "vote", vote });
  }

  crash(): void {
    if (!this.running) return;
    this.crashes++;
    this.halt();
    this.rebroadcast.stop();
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
    // what the signing state says this node already signed here goes out again (it may have
    // been lost with the crash): the vote can be rebuilt from it, the proposal's value cannot
    const signed = this.disk.signing;
    if (signed !== undefined && signed.height === height && signed.step !== "propose") {
      const vote: Vote = {
        type: signed.step,
        height,
        round: signed.round,
        valueHash: signed.valueHash,
        validator: this.id,
      };
      const msg = { kind: "vote", vote } as const;
      this.world.invariants.onReleased(this.index, msg);
      this.world.network.broadcast(this.index, msg);
      this.rebroadcast.signed(height, signed.step, msg);
    }
    this.boot(this.disk.signing, height);
    this.world.network.reconnect(this.index, height);
    this.syncLoop(this.incarnation);
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
    this.rebroadcast.signed(proposal.height, "propose", msg);
  }

  protected releaseVote(vote: Vote, signing: SigningState): void {
    if (!this.persist(signing)) return;
    const msg = { kind: "vote", vote } as const;
    this.world.invariants.onReleased(this.index, msg);
    this.world.trace?.(
      `t=${this.world.clock.now} node ${this.index} ${vote.type.toUpperCase()} h${vote.height}/r${vote.round} ${vote.valueHash?.slice(0, 10) ?? "nil"}`,
    );
    this.world.network.broadcast(this.index, msg);
    this.rebroadcast.signed(vote.height, vote.type, msg);
  }

  protected decided(decision: Decision): void {
    this.disk.lastDecided = Math.max(this.disk.lastDecided, decision.height);
    this.world.trace?.(
      `t=${this.world.clock.now} node ${this.index} DECIDE h${decision.height}/r${decision.round} ${decision.value.hash.slice(0, 10)}`,
    );
    this.world.invariants.onDecide(this.index, decision);
    const proposals = this.engine?.knownMessages().proposals.filter((p) => p.value.hash === decision.value.hash) ?? [];
    this.decidedMessages.set(decision.height, { proposals, votes: decision.precommits });
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
