// The PoR checkpoint part (porRoot). Reports travel on their own (gossip, fetch by id); a height's
// slice names only the report ids added since the previous height of the epoch, so each report
// is carried once per epoch (~66 bytes). Every validator re-derives the epoch's report set from the
// decided slices, aggregates it per operator (median per measure, a quorum of reports) and yields
// the root of the leaves: the last header of an epoch certifies everything proven in it. The same
// reports and leaves (with the previous epoch's final leaves) yield the faultsRoot (faults.ts).
import { z } from "zod";
import { LIVENESS_PART, livenessOf } from "../checkpoint/parts/liveness-part.js";
import type { LivenessEntry } from "../checkpoint/liveness.js";
import { rootOf, type LeafValues } from "../checkpoint/leaves.js";
import { resourceLeaf } from "../checkpoint/leaves.js";
import {
  PartUnavailable,
  type CheckpointPart,
  type FaultLeaf,
  type PartContext,
  type PartHost,
} from "../checkpoint/part.js";
import { PayloadError } from "../checkpoint/payload.js";
import { headerHash, type Header } from "../checkpoint/header.js";
import { aggregateLeaf, type ResourceLeaf } from "./aggregate.js";
import { belowClaimMask, detectFaults, type PorFault } from "./faults.js";
import type { EpochBook, PorEpochInfo } from "./epochs.js";
import type { ReportPool } from "./pool.js";
import type { PorReportBody, SignedPorReport } from "./report.js";
import type { TopicSpec } from "../p2p/topics.js";

export const POR_PART = "por";
/** report ids one height may add (a full set of 85 operators x 3 verifiers fits in one height) */
export const MAX_ADDED_PER_HEIGHT = 256;

export interface PorSlice {
  epoch: number;
  added: string[];
}
const PorSliceJson = z.strictObject({
  epoch: z.int().min(0),
  added: z.array(z.string().regex(/^0x[0-9a-f]{64}$/)).max(MAX_ADDED_PER_HEIGHT),
});
type PorSliceJsonT = z.infer<typeof PorSliceJson>;

export interface PorPartDeps {
  pool: ReportPool;
  /** epochs with their governed rules (quorum, tolerance): EvidenceHandler.porRules at the start block */
  book: EpochBook;
  /** the report topic (registered on the mesh by the node) */
  topic: TopicSpec<SignedPorReport>;
  /** fetches reports by id from the author of a proposal (peer of operator `from`) into the pool */
  fetch: (from: string, ids: string[]) => Promise<void>;
  /** every keeper's gossip and challenges start here (the service) */
  start?: (host: PartHost) => Promise<void> | void;
  stop?: () => Promise<void> | void;
  /**
   * Each epoch's latest proven leaves, kept across restarts: the next epoch's below-claim check
   * needs them, and a keeper restarted mid-epoch would otherwise be unable to validate any
   * proposal while some leaf is below its claim (written when the measures change, a few times
   * an epoch).
   */
  leavesStore?: {
    save(epoch: number, leaves: ResourceLeaf[]): Promise<void>;
    restore(): Promise<Map<number, ResourceLeaf[]>>;
  };
}

/** The epoch's certified report ids after a decided header (arrays shared while nothing is added). */
interface HeaderState {
  epoch: number;
  ids: string[];
}

export interface DecidedPor {
  epoch: number;
  height: bigint;
  /** the decided header (set once decided): what a proof against porRoot needs */
  header?: Header;
  porRoot: string;
  leaves: ResourceLeaf[];
  reports: PorReportBody[];
  /** the root of this part's fault leaves alone (the header's faultsRoot also holds other parts') */
  faultsRoot: string;
  /** with the signer each faultsRoot leaf names */
  faults: Array<PorFault & { signer: string }>;
}

const KEEP_HEADERS = 4096;
/**
 * decided heights whose leaves are kept for the rewards part: the closing header is the latest
 * certified one, at most checkpointInterval (governed, <= 1,000) heights before the epoch's end
 */
const KEEP_LEAVES = 1024;

/** What a validated result is found by when its header is decided: its inputs, not the header's roots. */
const validatedKey = (epoch: number, height: bigint, slice: PorSlice) =>
  `${epoch}/${height}/${slice.epoch}/${slice.added.join(",")}`;

export class PorPart implements CheckpointPart<PorSlice, PorSliceJsonT> {
  readonly name = POR_PART;
  readonly roots = ["porRoot"] as const;
  readonly codec = {
    schema: PorSliceJson,
    toJson: (s: PorSlice): PorSliceJsonT => s,
    fromJson: (j: PorSliceJsonT): PorSlice => j,
  };
  readonly topics: ReadonlyArray<TopicSpec<unknown>>;
  /** by decided header hash */
  private readonly byHeader = new Map<string, HeaderState>();
  private readonly startHeights = new Map<number, bigint>();
  /** each epoch's certified ids at its latest decided height (what a restarted keeper fetches) */
  private readonly latestIds = new Map<number, string[]>();
  /** validate's results, by epoch/height/porRoot, for onDecided */
  private readonly validated = new Map<string, DecidedPor>();
  /** the latest decided result of each recent epoch (/por, faults, the demo) */
  readonly decided = new Map<number, DecidedPor>();
  /** leaves of recent decided headers, by header hash: an epoch's rewards pay what its closing header proved */
  private readonly leavesByHeader = new Map<string, ResourceLeaf[]>();
  /** each recent epoch's latest leaves as stored before a restart (leavesStore) */
  private restored = new Map<number, ResourceLeaf[]>();

  constructor(private readonly d: PorPartDeps) {
    this.topics = [d.topic as TopicSpec<unknown>];
  }

  async start(host: PartHost): Promise<void> {
    this.restored = (await this.d.leavesStore?.restore()) ?? new Map();
    await this.d.start?.(host);
  }

  stop(): Promise<void> | void {
    return this.d.stop?.();
  }

  /** Ids certified in `ctx.epoch` before `ctx.height`; throws PartUnavailable if this keeper lacks them. */
  private base(ctx: PartContext): string[] {
    this.startHeights.set(Number(ctx.epoch), ctx.epochStartHeight);
    if (ctx.isEpochStart) return [];
    const s = this.byHeader.get(ctx.parentHash);
    if (s && s.epoch === Number(ctx.epoch)) return s.ids;
    throw new PartUnavailable(`PoR state of epoch ${ctx.epoch} at height ${ctx.height - 1n} not held`);
  }

  propose(ctx: PartContext): PorSlice {
    const epoch = Number(ctx.epoch);
    let base: string[];
    try {
      base = this.base(ctx);
    } catch {
      return { epoch, added: [] }; // cannot extend what it does not hold: add nothing
    }
    const have = new Set(base);
    // a verifier's slot certified already (maybe with a version this pool did not keep first) is full
    const covered = new Set(base.map((id) => this.d.pool.get(id)).map((r) => r && slotOf(r.report)));
    const added = this.d.pool
      .forEpoch(epoch)
      .filter((r) => !have.has(r.id) && !covered.has(slotOf(r.report.report)))
      .map((r) => r.id)
      .slice(0, MAX_ADDED_PER_HEIGHT);
    return { epoch, added };
  }

  validate(ctx: PartContext, slice: PorSlice) {
    const result = this.compute(ctx, slice);
    this.validated.set(validatedKey(result.epoch, result.height, slice), result);
    if (this.validated.size > 64) this.validated.delete(this.validated.keys().next().value!);
    return { porRoot: result.porRoot, faults: result.faults.map((f): FaultLeaf => [f.signer, f.kind, f.detailsHash]) };
  }

  private compute(ctx: PartContext, slice: PorSlice): DecidedPor {
    if (BigInt(slice.epoch) !== ctx.epoch) throw new PayloadError("PoR slice of another epoch");
    for (let i = 1; i < slice.added.length; i++) {
      if (!(slice.added[i - 1]! < slice.added[i]!)) throw new PayloadError("PoR report ids not strictly ascending");
    }
    const base = this.base(ctx);
    const have = new Set(base);
    for (const id of slice.added) if (have.has(id)) throw new PayloadError("PoR report added twice");
    const reports: PorReportBody[] = [];
    const slots = new Set<string>();
    for (const id of [...base, ...slice.added]) {
      const r = this.d.pool.get(id);
      if (!r) throw new PartUnavailable(`PoR report ${id} not held`);
      if (r.report.epoch !== slice.epoch) throw new PayloadError("PoR report of another epoch");
      // an equivocating verifier's two versions never both count (the pool may hold both)
      if (slots.has(slotOf(r.report))) throw new PayloadError("two PoR reports by one verifier of one operator");
      slots.add(slotOf(r.report));
      reports.push(r.report);
    }
    const info = this.d.book.get(slice.epoch);
    if (!info && reports.length > 0) throw new PartUnavailable(`PoR epoch ${slice.epoch} not loaded`);
    const leaves = info ? this.leaves(ctx, info, reports) : [];
    const faults = info ? this.faults(ctx, info, reports, leaves) : [];
    return {
      epoch: slice.epoch,
      height: ctx.height,
      porRoot: rootOf("resource", leaves.map(leafOf)),
      leaves,
      reports,
      faultsRoot: rootOf(
        "fault",
        faults.map((f) => [f.signer, f.kind, f.detailsHash]),
      ),
      faults,
    };
  }

  /**
   * Faults from the epoch's reports and leaves so far. Below-claim needs the previous epoch's final
   * leaves (this keeper's decided state, or what it stored before a restart): a keeper that lacks
   * them (adopted that epoch's commits unchecked, lost its store) cannot check a proposal that may
   * carry one, unless no leaf is below claim now; the first epoch has no previous one.
   */
  private faults(ctx: PartContext, info: PorEpochInfo, reports: PorReportBody[], leaves: ResourceLeaf[]) {
    const previous = this.decided.get(info.epoch - 1)?.leaves ?? this.restored.get(info.epoch - 1);
    const byOperator = new Map(leaves.map((l) => [l.operator, l]));
    if (!previous && info.epoch > 1) {
      const below = leaves.some((l) => {
        const c = info.claims.get(l.operator);
        return c !== undefined && belowClaimMask(l, c, info.tolerancePct) !== 0;
      });
      if (below) throw new PartUnavailable(`PoR leaves of epoch ${info.epoch - 1} not held (below-claim check)`);
    }
    const faults = detectFaults({
      epoch: Number(ctx.epoch),
      quorum: info.quorum,
      tolerancePct: info.tolerancePct,
      claims: info.claims,
      reports,
      leaves: byOperator,
      previousLeaves: new Map((previous ?? []).map((l) => [l.operator, l])),
    });
    return faults.map((f) => ({ ...f, signer: info.signers.get(f.operator) ?? "" })).filter((f) => f.signer !== "");
  }

  private leaves(ctx: PartContext, info: PorEpochInfo, reports: PorReportBody[]): ResourceLeaf[] {
    const byOperator = new Map<string, PorReportBody[]>();
    for (const r of reports) byOperator.set(r.operator, [...(byOperator.get(r.operator) ?? []), r]);
    // uptime: heights signed in this epoch so far (the liveness part's state at the parent height)
    const liveness = new Map(livenessOf(ctx.parent).map((l) => [l.signer, l]));
    const out: ResourceLeaf[] = [];
    for (const [operator, rs] of [...byOperator].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const l = liveness.get(info.signers.get(operator) ?? "");
      const uptimeBps = l && l.epochHeights > 0 ? Math.floor((l.epochSigned * 10_000) / l.epochHeights) : 0;
      try {
        const leaf = aggregateLeaf({ operator, reports: rs, quorum: info.quorum, uptimeBps });
        if (leaf) out.push(leaf);
      } catch (err) {
        throw new PayloadError((err as Error).message);
      }
    }
    return out;
  }

  /** The porRoot leaves of a header this keeper validated and saw decided (undefined if not held). */
  provenAt(headerHash: string): readonly ResourceLeaf[] | undefined {
    return this.leavesByHeader.get(headerHash);
  }

  async prefetch(ctx: { epoch: bigint; height: bigint; from: string }, slice: PorSlice): Promise<void> {
    // nothing to aggregate (PoR off, or no report yet): no chain reads on the consensus path; the
    // roots are zero with or without the epoch's info
    const certified = this.latestIds.get(slice.epoch) ?? [];
    if (slice.added.length === 0 && certified.length === 0) return;
    await this.d.book.load(slice.epoch);
    // a restarted keeper holds the epoch's decided ids (replayed from its store) but not the reports
    const missing = [...certified, ...slice.added].filter((id) => !this.d.pool.get(id));
    for (let i = 0; i < missing.length; i += MAX_ADDED_PER_HEIGHT) {
      await this.d.fetch(ctx.from, missing.slice(i, i + MAX_ADDED_PER_HEIGHT));
    }
  }

  onDecided(decided: { header: Header; slices?: Readonly<Record<string, unknown>> }, slice: PorSlice): void {
    const h = decided.header;
    const epoch = Number(h.epoch);
    const parent = this.byHeader.get(h.parentHash);
    let base: string[] | undefined;
    if (parent && parent.epoch === epoch) base = parent.ids;
    else if (this.startHeights.get(epoch) === h.height || isEpochStart(decided.slices)) base = [];
    if (base !== undefined) {
      const ids = slice.added.length > 0 ? [...base, ...slice.added] : base;
      this.byHeader.set(headerHash(h), { epoch, ids });
      this.latestIds.set(epoch, ids);
      for (const e of this.latestIds.keys()) if (e < epoch - 1) this.latestIds.delete(e);
      if (this.byHeader.size > KEEP_HEADERS) this.byHeader.delete(this.byHeader.keys().next().value!);
    }
    const result = this.validated.get(validatedKey(epoch, h.height, slice));
    if (result) {
      this.leavesByHeader.set(headerHash(h), result.leaves);
      if (this.leavesByHeader.size > KEEP_LEAVES) this.leavesByHeader.delete(this.leavesByHeader.keys().next().value!);
      const first = !this.decided.has(epoch);
      this.decided.set(epoch, { ...result, header: h });
      if (first || slice.added.length > 0) {
        this.d.leavesStore?.save(epoch, result.leaves).catch(() => undefined); // best effort: a cache
      }
      for (const e of this.decided.keys()) if (e < epoch - 4) this.decided.delete(e);
    }
  }
}

/**
 * Whether a decided payload is its epoch's first height, from its certified liveness slice (every
 * epoch counter restarts at 0 there): lets a restarted keeper replaying its store rebuild the
 * epoch's report ids without having proposed or validated that height itself.
 */
function isEpochStart(slices: Readonly<Record<string, unknown>> | undefined): boolean {
  if (!slices) return false;
  const entries = (slices[LIVENESS_PART] as LivenessEntry[] | undefined) ?? [];
  return entries.length > 0 && entries.every((e) => e.epochHeights === 0);
}

/** One verifier's report of one operator in one epoch: at most one is certified. */
const slotOf = (r: PorReportBody): string => `${r.operator}/${r.verifier}`;

export function leafOf(l: ResourceLeaf): LeafValues {
  return resourceLeaf(l.operator, {
    cpuCores: BigInt(l.cpuCores),
    bandwidthMbps: BigInt(l.bandwidthMbps),
    memoryMiB: BigInt(l.memoryMiB),
    storageGiB: BigInt(l.storageGiB),
    latencyUs: BigInt(l.latencyUs),
    uptimeBps: BigInt(l.uptimeBps),
  });
}
