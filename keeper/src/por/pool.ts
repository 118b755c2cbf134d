// The signed reports this keeper knows, by epoch. A report is kept only if it is what the
// protocol allows: its verifier is one of the operator's assigned verifiers for that epoch, its
// seed is the epoch's, and the signature is the verifier's signer. One report per (epoch,
// operator, verifier): a second, different one from the same verifier is refused (the first
// stays; both are kept as evidence of equivocation for later) — unless a proposal names it by id.
// Then it is held too (get() finds it, so this keeper can validate what the others certified),
// but not listed for proposing: a verifier that equivocates to half the mesh each cannot leave
// the half that kept the other version unable to validate the epoch's proposals.
import type { TypedDataDomain } from "ethers";
import { verifiersOf } from "./assignment.js";
import { reportDigest, reportSigner, type SignedPorReport } from "./report.js";

/** An epoch as PoR sees it: the seed and who is proven (the epoch's frozen set), with signers. */
export interface PorEpoch {
  epoch: number;
  seed: string;
  /** lowercase operator -> lowercase signer */
  signers: Map<string, string>;
  /** verifiers per operator in this epoch (governed, read at its start block); the pool's k otherwise */
  verifiers?: number;
}

export type AddResult =
  { ok: true; id: string; fresh: boolean } | { ok: false; reason: string; equivocation?: boolean };

export class ReportPool {
  private readonly byEpoch = new Map<number, Map<string, SignedPorReport>>();
  private readonly ids = new Map<string, SignedPorReport>();
  /** (epoch/operator/verifier) -> id of the report kept */
  private readonly slots = new Map<string, string>();
  readonly equivocations: Array<[SignedPorReport, SignedPorReport]> = [];

  constructor(
    private readonly domain: TypedDataDomain,
    private readonly k: number,
    private readonly epochOf: (epoch: number) => Promise<PorEpoch | undefined>,
  ) {}

  /**
   * Checks a report against its epoch and keeps it. `named`: fetched because a proposal or a
   * decided slice names its id (the caller checked the id), so it is held even if its slot is
   * taken.
   */
  async add(s: SignedPorReport, opts: { named?: boolean } = {}): Promise<AddResult> {
    const r = s.report;
    const e = await this.epochOf(r.epoch);
    if (!e) return { ok: false, reason: `epoch ${r.epoch} unknown` };
    if (r.seed !== e.seed) return { ok: false, reason: "seed is not the epoch's" };
    const operators = [...e.signers.keys()];
    if (!e.signers.has(r.operator)) return { ok: false, reason: "operator not in the epoch's set" };
    if (!verifiersOf(e.seed, r.operator, operators, e.verifiers ?? this.k).includes(r.verifier)) {
      return { ok: false, reason: "verifier not assigned to this operator" };
    }
    let signer: string;
    try {
      signer = reportSigner(this.domain, s);
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
    if (signer !== e.signers.get(r.verifier)) return { ok: false, reason: "not signed by the verifier's signer" };
    const id = reportDigest(this.domain, r);
    const slot = `${r.epoch}/${r.operator}/${r.verifier}`;
    const kept = this.slots.get(slot);
    if (kept === id) return { ok: true, id, fresh: false };
    if (kept !== undefined) {
      if (this.ids.has(id)) return { ok: true, id, fresh: false };
      this.equivocations.push([this.ids.get(kept)!, s]);
      if (opts.named) {
        this.ids.set(id, s);
        return { ok: true, id, fresh: true };
      }
      return { ok: false, reason: "a second report by the same verifier", equivocation: true };
    }
    this.slots.set(slot, id);
    this.ids.set(id, s);
    let m = this.byEpoch.get(r.epoch);
    if (!m) this.byEpoch.set(r.epoch, (m = new Map()));
    m.set(id, s);
    return { ok: true, id, fresh: true };
  }

  get(id: string): SignedPorReport | undefined {
    return this.ids.get(id);
  }

  /** The epoch's reports, sorted by id (every keeper lists the same set the same way). */
  forEpoch(epoch: number): Array<{ id: string; report: SignedPorReport }> {
    return [...(this.byEpoch.get(epoch) ?? new Map<string, SignedPorReport>()).entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, report]) => ({ id, report }));
  }

  /** Forgets epochs before `epoch`. */
  prune(epoch: number): void {
    for (const [e, m] of this.byEpoch) {
      if (e >= epoch) continue;
      for (const [id, s] of m) {
        this.ids.delete(id);
        this.slots.delete(`${s.report.epoch}/${s.report.operator}/${s.report.verifier}`);
      }
      this.byEpoch.delete(e);
    }
    // named second versions live in ids only
    for (const [id, s] of this.ids) if (s.report.epoch < epoch) this.ids.delete(id);
    for (let i = this.equivocations.length - 1; i >= 0; i--) {
      if (this.equivocations[i]![0].report.epoch < epoch) this.equivocations.splice(i, 1);
    }
  }
}
