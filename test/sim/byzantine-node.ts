// Byzantine validators of the simulation. They follow the protocol far enough to stay in step
// with the others (an engine of their own), and lie in what they send:
// - silent: never sends anything (a crashed or censored validator);
// - equivocate: every vote and proposal it makes, it also makes a conflicting twin, and sends
//   one to a random half of the nodes and the twin to the other half (twins for votes: nil,
//   another proposal seen in that round, or its own alternative value);
// - invalidProposal: as proposer it proposes a value whose roots do not check out, and votes
//   for it; otherwise it votes like an honest node;
// - voteEverything: the strongest against locks, coordinated with the other Byzantine
//   validators (one shared split of the nodes per round): it ignores its own lock and proposes
//   fresh values (one to each side of the split), prevotes every value it has seen in the round
//   to everyone, and precommits every value it has seen to one side and nil to the other, so
//   that one honest node may decide while the others move on to a round where locks matter.
import type {
  ConsensusApp,
  ConsensusMessage,
  Decision,
  Evidence,
  Proposal,
  SigningState,
  Value,
  Vote,
} from "../../keeper/src/consensus/index.js";
import { EngineHost } from "./engine-host.js";
import { isValidSimValue, simValue } from "./sim-values.js";
import type { SimWorld } from "./sim-world.js";
import type { SimMessage } from "./virtual-network.js";

export type ByzantineBehaviour = "silent" | "equivocate" | "invalidProposal" | "voteEverything";

export class ByzantineNode extends EngineHost {
  /** proposal hashes seen per "height/round", to equivocate with real alternatives */
  private readonly seen = new Map<string, string[]>();
  /** per height, the last value seen proposed in each round */
  private readonly earlier = new Map<number, Map<number, Value>>();
  /** per "height/round": the invalid value it proposed, so that it votes for it */
  private readonly invalidProposed = new Map<string, { honestHash: string; invalidHash: string }>();

  constructor(
    world: SimWorld,
    index: number,
    id: string,
    readonly behaviour: ByzantineBehaviour,
  ) {
    super(world, index, id);
  }

  start(): void {
    if (this.behaviour !== "silent") this.boot(undefined, this.world.set.firstHeight);
  }

  override receive(msg: SimMessage): void {
    if (msg.kind === "proposal") this.noteProposal(msg.proposal);
    super.receive(msg);
  }

  /**
   * Proposals that only locks stop: a fresh value for everyone (no polka to cite), fresh twins
   * for the two sides, or an earlier round's value citing that round as validRound (L28 then
   * hinges on each node comparing it with its own lock).
   */
  private proposeAgainstLocks(proposal: Proposal, twin: Value): void {
    const { height, round } = proposal;
    const rng = this.world.rng;
    const fresh = simValue({ height, round, proposer: this.index, variant: "honest" });
    const older = [...(this.earlier.get(height) ?? new Map<number, Value>()).entries()].filter(([r]) => r < round);
    const choice = rng.int(0, 2);
    if (choice === 2 && older.length > 0) {
      const [vr, value] = rng.pick(older);
      this.toAll({ kind: "proposal", proposal: { ...proposal, value, validRound: vr } });
    } else if (choice === 1) {
      const a: Proposal = { ...proposal, value: fresh, validRound: -1 };
      const b: Proposal = { ...proposal, value: twin, validRound: -1 };
      this.noteProposal(a);
      this.noteProposal(b);
      this.split(height, round, { kind: "proposal", proposal: a }, { kind: "proposal", proposal: b });
    } else {
      const a: Proposal = { ...proposal, value: fresh, validRound: -1 };
      this.noteProposal(a);
      this.toAll({ kind: "proposal", proposal: a });
    }
  }

  private noteProposal(proposal: Proposal): void {
    let rounds = this.earlier.get(proposal.height);
    if (rounds === undefined) {
      rounds = new Map();
      this.earlier.set(proposal.height, rounds);
      this.earlier.delete(proposal.height - 3);
    }
    rounds.set(proposal.round, proposal.value);
    const key = `${proposal.height}/${proposal.round}`;
    const list = this.seen.get(key) ?? [];
    if (!list.includes(proposal.value.hash)) list.push(proposal.value.hash);
    this.seen.set(key, list);
  }

  protected app(): ConsensusApp {
    return {
      getValue: (height, round) => simValue({ height, round, proposer: this.index, variant: "honest" }),
      validValue: (height, value) => isValidSimValue(height, value),
      validatorSet: () => this.world.set,
    };
  }

  protected releaseProposal(proposal: Proposal, _signing: SigningState): void {
    const { height, round } = proposal;
    if (this.behaviour === "invalidProposal") {
      const invalid = simValue({ height, round, proposer: this.index, variant: "invalid" });
      this.invalidProposed.set(`${height}/${round}`, { honestHash: proposal.value.hash, invalidHash: invalid.hash });
      this.toAll({ kind: "proposal", proposal: { ...proposal, value: invalid } });
      return;
    }
    const twin = simValue({ height, round, proposer: this.index, variant: "alt" });
    if (this.behaviour === "voteEverything") {
      this.proposeAgainstLocks(proposal, twin);
      return;
    }
    this.split(
      height,
      round,
      { kind: "proposal", proposal },
      { kind: "proposal", proposal: { ...proposal, value: twin } },
    );
  }

  protected releaseVote(vote: Vote, _signing: SigningState): void {
    const key = `${vote.height}/${vote.round}`;
    if (this.behaviour === "invalidProposal") {
      const mine = this.invalidProposed.get(key);
      const valueHash = mine !== undefined && vote.valueHash === mine.honestHash ? mine.invalidHash : vote.valueHash;
      this.toAll({ kind: "vote", vote: { ...vote, valueHash } });
      return;
    }
    if (this.behaviour === "voteEverything") {
      const seen = this.seen.get(key) ?? [];
      for (const hash of seen) {
        const vote2: ConsensusMessage = { kind: "vote", vote: { ...vote, valueHash: hash } };
        if (vote.type === "prevote") this.toAll(vote2);
        else this.split(vote.height, vote.round, vote2, undefined);
      }
      if (vote.type === "precommit")
        this.split(vote.height, vote.round, undefined, { kind: "vote", vote: { ...vote, valueHash: null } });
      return;
    }
    const rng = this.world.rng;
    const candidates = [
      null,
      ...(this.seen.get(key) ?? []),
      simValue({ height: vote.height, round: vote.round, proposer: this.index, variant: "alt" }).hash,
    ].filter((h) => h !== vote.valueHash);
    const twin: Vote = { ...vote, valueHash: rng.pick(candidates) };
    this.split(vote.height, vote.round, { kind: "vote", vote }, { kind: "vote", vote: twin });
  }

  protected decided(_decision: Decision): void {}

  protected evidence(_evidence: Evidence): void {}

  private toAll(msg: ConsensusMessage): void {
    for (let to = 0; to < this.world.network.size; to++) this.world.network.sendTo(this.index, to, msg);
  }

  /** sends `sideA` to the nodes on side A of the round's split, `sideB` to the others (undefined: nothing) */
  private split(
    height: number,
    round: number,
    sideA: ConsensusMessage | undefined,
    sideB: ConsensusMessage | undefined,
  ): void {
    const split = this.world.byzantineSplit(height, round);
    for (let to = 0; to < this.world.network.size; to++) {
      const msg = split[to] ? sideA : sideB;
      if (msg !== undefined) this.world.network.sendTo(this.index, to, msg);
    }
  }
}
