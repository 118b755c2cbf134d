// What must hold in every simulated run, checked as it happens:
// - agreement: no two honest decisions differ at any height;
// - every honest decision is a valid value certified by > 2/3 of the power;
// - no honest validator ever releases two different messages for one (height, round, step),
//   across crashes and restarts;
// - no honest validator is ever the subject of equivocation evidence.
import {
  isQuorum,
  type ConsensusMessage,
  type Decision,
  type Evidence,
  type ValidatorIndex,
} from "../../keeper/src/consensus/index.js";
import { isValidSimValue } from "./sim-values.js";

export class Invariants {
  readonly violations: string[] = [];
  private readonly decided = new Map<number, { hash: string; node: number }>();
  private readonly signed = new Map<string, string>();
  evidenceSeen = 0;

  constructor(
    private readonly validators: ValidatorIndex,
    private readonly honestIds: ReadonlySet<string>,
    private readonly now: () => number,
  ) {}

  fail(message: string): void {
    if (this.violations.length < 20) this.violations.push(`t=${this.now()}ms ${message}`);
  }

  onDecide(node: number, d: Decision): void {
    const first = this.decided.get(d.height);
    if (first === undefined) {
      this.decided.set(d.height, { hash: d.value.hash, node });
    } else if (first.hash !== d.value.hash) {
      this.fail(`SAFETY: node ${node} decided ${d.value.hash} at height ${d.height}, node ${first.node} ${first.hash}`);
    }
    if (!isValidSimValue(d.height, d.value)) this.fail(`node ${node} decided an invalid value at height ${d.height}`);
    const voters = new Set<string>();
    let power = 0n;
    for (const p of d.precommits) {
      const ok = p.type === "precommit" && p.height === d.height && p.round === d.round && p.valueHash === d.value.hash;
      if (!ok || voters.has(p.validator)) this.fail(`node ${node}: bad precommit in certificate of ${d.height}`);
      voters.add(p.validator);
      power += this.validators.powerOf(p.validator);
    }
    if (!isQuorum(power, this.validators.totalPower)) this.fail(`node ${node}: certificate of ${d.height} lacks 2/3`);
  }

  /** an honest node released msg (after persisting its signing state) */
  onReleased(node: number, msg: ConsensusMessage): void {
    const [signer, key, hash] =
      msg.kind === "vote"
        ? [msg.vote.validator, `${msg.vote.height}/${msg.vote.round}/${msg.vote.type}`, msg.vote.valueHash ?? "nil"]
        : [msg.proposal.proposer, `${msg.proposal.height}/${msg.proposal.round}/propose`, msg.proposal.value.hash];
    const id = `${signer}/${key}`;
    const before = this.signed.get(id);
    if (before === undefined) this.signed.set(id, hash);
    else if (before !== hash) this.fail(`DOUBLE SIGN: honest node ${node} signed ${key} for ${before} and ${hash}`);
  }

  onEvidence(node: number, evidence: Evidence): void {
    this.evidenceSeen++;
    const culprit = evidence.kind === "duplicateVote" ? evidence.first.validator : evidence.first.proposer;
    if (this.honestIds.has(culprit)) this.fail(`node ${node} reported evidence against honest ${culprit}`);
  }
}
