// The uptime part: how much of an epoch each operator was up, certified in the next epoch so that
// PoR leaves (porRoot's uptimeBps) and rewards can use it. Two measures, both from decided data:
//  - heartbeats answered (every operator): each validator of the closed epoch signs a report of the
//    heartbeats it received from each operator, in basis points of the epoch (mesh-monitor.ts);
//    the part certifies the per-operator MEDIAN over reports of more than 2/3 of that epoch's
//    validators, so fewer than 1/3 lying or partitioned validators cannot move it past an honest one;
//  - heights signed (validators): epochSigned / epochHeights of the closing liveness that the
//    rewards slice of the epoch's first height carries (checked against the chain's livenessRoot).
// uptimeBps(operator, epoch, signer?) is the heartbeat median, capped by heights signed for a
// validator. The part yields no root of its own: the number is certified through porRoot leaves.
// Reports travel by hash: the slice names (signer, report id) pairs, the reports themselves go by
// gossip and, for a validator that lacks one, by id from the proposer (prefetch) or, after a
// decision it did not validate (catch-up, restart), from any peer (uptime-fetch.ts).
import { concat, getBytes, keccak256, recoverAddress, Signature, toUtf8Bytes } from "ethers";
import { z } from "zod";
import type { MeshMonitor } from "../../observability/mesh-monitor.js";
import { median } from "../../observability/latency.js";
import { defineTopic } from "../../p2p/topics.js";
import { PayloadError } from "../payload.js";
import { PartUnavailable, type CheckpointPart, type PartContext, type PartHost } from "../part.js";
import type { RewardsSlice } from "./rewards-part.js";

export const UPTIME_PART = "uptime";
const MAX_OPERATORS = 1024;

const address = z.string().regex(/^0x[0-9a-f]{40}$/, "expected a lowercase address");
/** canonical decimal (no leading zeros): reports are rebuilt from the slice and must hash the same */
const uint = z.string().regex(/^(0|[1-9]\d{0,19})$/);
export const UptimeReportJson = z.strictObject({
  chainId: uint,
  epoch: uint,
  /** the validator signer that signs the report, lowercase */
  signer: address,
  /** [operator, heartbeats answered in bps], operators strictly ascending */
  entries: z.array(z.tuple([address, z.int().min(0).max(10_000)])).max(MAX_OPERATORS),
  signature: z.string().regex(/^0x[0-9a-f]{130}$/),
});
export type UptimeReport = z.infer<typeof UptimeReportJson>;

/** Reports travel on their own topic; a report's own signature is what the part checks. */
export const uptimeReportTopic = defineTopic({
  name: "uptime-report",
  maxBytes: 64 * 1024,
  schema: UptimeReportJson,
  validate: (msg) => (ascending(msg.payload) && reportSigner(msg.payload) === msg.payload.signer ? "accept" : "reject"),
});

/**
 * The slice on the wire: per report its signer and id (keccak256 of its digest and signature), ~140
 * bytes a validator whatever the number of operators; the reports go by gossip and by id. (The
 * reports inline, even in a compact form, took 466 KiB at 100 validators x 1,024 operators, near the
 * proposal topic's 512 KiB.)
 */
const hash = z.string().regex(/^0x[0-9a-f]{64}$/);
const SliceJson = z
  .strictObject({
    epoch: uint,
    reports: z.array(z.strictObject({ signer: address, id: hash })).max(256),
  })
  .nullable();
type SliceJsonT = z.infer<typeof SliceJson>;
export interface UptimeRef {
  signer: string;
  id: string;
}
export interface UptimeSlice {
  epoch: bigint;
  reports: UptimeRef[];
}

function ascending(r: UptimeReport): boolean {
  return r.entries.every(([op], i) => i === 0 || r.entries[i - 1]![0] < op);
}

export function sliceToJson(s: UptimeSlice | null): SliceJsonT {
  return s && { epoch: s.epoch.toString(), reports: s.reports.map((r) => ({ signer: r.signer, id: r.id })) };
}

export function sliceFromJson(j: SliceJsonT): UptimeSlice | null {
  return j && { epoch: BigInt(j.epoch), reports: j.reports.map((r) => ({ signer: r.signer, id: r.id })) };
}

/** A report's id: binds every field and the signature, so a slice naming it names exactly these bytes. */
export function reportId(r: UptimeReport): string {
  return keccak256(concat([reportDigest(r), r.signature]));
}

/** What a validator signs: domain-separated, over the canonical JSON of the report's fields. */
export function reportDigest(r: Omit<UptimeReport, "signature">): string {
  return keccak256(toUtf8Bytes(`openmesh-uptime/1|${JSON.stringify([r.chainId, r.epoch, r.signer, r.entries])}`));
}

function reportSigner(r: UptimeReport): string {
  try {
    return recoverAddress(getBytes(reportDigest(r)), Signature.from(r.signature)).toLowerCase();
  } catch {
    return "";
  }
}

/** Per-operator median over reports; an operator a report omits counts as 0 in it. */
export function medianUptime(reports: readonly UptimeReport[]): Map<string, number> {
  const operators = new Set(reports.flatMap((r) => r.entries.map(([op]) => op)));
  const out = new Map<string, number>();
  for (const op of [...operators].sort()) {
    out.set(op, median(reports.map((r) => r.entries.find(([o]) => o === op)?.[1] ?? 0)) ?? 0);
  }
  return out;
}

export class UptimePart implements CheckpointPart<UptimeSlice | null, SliceJsonT> {
  readonly name = UPTIME_PART;
  readonly roots = [] as const;
  readonly topics = [uptimeReportTopic];
  readonly codec = { schema: SliceJson, toJson: sliceToJson, fromJson: sliceFromJson };
  /** reports held, by epoch, then signer (recent epochs only) */
  private readonly held = new Map<bigint, Map<string, UptimeReport>>();
  /** certified heartbeat uptime by epoch, then operator */
  private readonly certified = new Map<bigint, Map<string, number>>();
  /** heights signed in bps by epoch, then validator signer (from closing liveness) */
  private readonly signed = new Map<bigint, Map<string, number>>();
  /** validator signers per epoch, as the host's contexts name them: who may report for it */
  private readonly validators = new Map<bigint, ReadonlySet<string>>();
  /** reports by id (what slices name): from gossip (the topic checked the signature) or fetched (checked here) */
  private readonly byId = new Map<string, UptimeReport>();
  /** ids whose signature validate checked */
  private readonly signedIds = new Set<string>();
  /** epochs whose certifying slice was decided here before this keeper had all its reports */
  private readonly pending = new Map<bigint, UptimeSlice>();
  /** latest epoch decided here; reports are held only near it (a flood of far epochs is dropped) */
  private latest = 0n;
  private host?: PartHost;
  private net?: UptimeNet;
  private published = new Set<bigint>();

  constructor(private readonly mesh?: MeshMonitor) {}

  /** The mesh side (serving and fetching reports by id), once the node exists. */
  attach(net: UptimeNet): void {
    this.net = net;
  }

  async start(host: PartHost): Promise<void> {
    this.host = host;
    host.subscribe(uptimeReportTopic, (msg) => this.hold(msg.payload));
    await this.net?.serve((ids) => ids.map((id) => this.byId.get(id)).filter((r) => r !== undefined));
  }

  async stop(): Promise<void> {
    await this.net?.close();
  }

  /**
   * Uptime of `operator` in `epoch` (bps), once certified: heartbeats answered (median of the
   * validators' reports), capped by the share of heights it signed when `signer` (a validator's
   * signer) is given and its closing liveness is known. Undefined before the epoch is certified.
   */
  uptimeBps(operator: string, epoch: bigint, signer?: string): number | undefined {
    const table = this.certified.get(epoch);
    if (!table) return undefined;
    const heartbeats = table.get(operator.toLowerCase()) ?? 0;
    const heights = signer === undefined ? undefined : this.signed.get(epoch)?.get(signer.toLowerCase());
    return heights === undefined ? heartbeats : Math.min(heartbeats, heights);
  }

  propose(ctx: PartContext): UptimeSlice | null {
    this.learn(ctx);
    const epoch = ctx.epoch - 1n;
    const members = ctx.previousEpochMembers;
    if (!members || epoch < 1n || this.isCertified(epoch)) return null;
    const held = this.held.get(epoch);
    const reports = members
      .map((m) => held?.get(m))
      .filter((r): r is UptimeReport => r !== undefined && r.chainId === ctx.chainId.toString())
      .sort((a, b) => (a.signer < b.signer ? -1 : 1));
    if (reports.length * 3 <= members.length * 2) return null;
    return { epoch, reports: reports.map((r) => ({ signer: r.signer, id: reportId(r) })) };
  }

  private isCertified(epoch: bigint): boolean {
    return this.certified.has(epoch) || this.pending.has(epoch);
  }

  validate(ctx: PartContext, s: UptimeSlice | null) {
    this.learn(ctx);
    if (s === null) return {};
    const members = new Set(ctx.previousEpochMembers ?? []);
    if (s.epoch !== ctx.epoch - 1n) throw new PayloadError(`uptime for epoch ${s.epoch} in epoch ${ctx.epoch}`);
    if (this.isCertified(s.epoch)) throw new PayloadError(`uptime of epoch ${s.epoch} already certified`);
    if (s.reports.length * 3 <= members.size * 2) throw new PayloadError("uptime reports of 2/3 of validators or less");
    let last = "";
    for (const ref of s.reports) {
      if (ref.signer <= last) throw new PayloadError("uptime reports not in strictly ascending signer order");
      last = ref.signer;
      if (!members.has(ref.signer))
        throw new PayloadError(`uptime report by ${ref.signer}, no validator of that epoch`);
    }
    // data availability: every named report must be here (prefetch had its chance to fetch it)
    const missing = s.reports.filter((ref) => !this.byId.has(ref.id));
    if (missing.length > 0)
      throw new PartUnavailable(
        `${missing.length} uptime report(s) of epoch ${s.epoch} not held, e.g. ${missing[0]!.id}`,
      );
    for (const ref of s.reports) {
      const r = this.byId.get(ref.id)!; // its id is what was asked for, its entries are in order
      if (r.signer !== ref.signer) throw new PayloadError(`uptime report ${ref.id} is not by ${ref.signer}`);
      if (r.chainId !== ctx.chainId.toString() || BigInt(r.epoch) !== s.epoch)
        throw new PayloadError("uptime report for another chain or epoch");
      // the id binds the signature: each one is recovered once, whatever the rounds that name it
      if (!this.signedIds.has(ref.id)) {
        if (reportSigner(r) !== r.signer) throw new PayloadError(`bad uptime report signature of ${r.signer}`);
        this.signedIds.add(ref.id);
      }
    }
    return {};
  }

  /** Fetches the reports a proposal names that this keeper lacks, from its proposer. */
  prefetch(ctx: { from: string }, s: UptimeSlice | null): Promise<void> | undefined {
    if (!s || this.isCertified(s.epoch) || s.reports.every((ref) => this.byId.has(ref.id))) return undefined;
    return this.fetchMissing(s, ctx.from);
  }

  private async fetchMissing(s: UptimeSlice, from?: string): Promise<void> {
    const missing = s.reports.map((r) => r.id).filter((id) => !this.byId.has(id));
    if (missing.length === 0 || !this.net) return;
    const wanted = new Set(missing);
    for (const r of await this.net.fetch(missing, from)) {
      const id = reportId(r);
      // only what was asked for, checked as gossip checks it
      if (wanted.has(id) && ascending(r) && reportSigner(r) === r.signer) this.byId.set(id, r);
    }
  }

  onDecided(decided: { slices: Readonly<Record<string, unknown>>; header: { epoch: bigint } }, s: UptimeSlice | null) {
    if (s) this.certify(s);
    const closing = (decided.slices.rewards as RewardsSlice | undefined)?.closing;
    if (closing) {
      this.signed.set(
        closing.header.epoch,
        new Map(
          closing.liveness.map((e) => [
            e.signer,
            e.epochHeights === 0 ? 0 : Math.floor((e.epochSigned * 10_000) / e.epochHeights),
          ]),
        ),
      );
    }
    if (decided.header.epoch > this.latest) this.latest = decided.header.epoch;
    for (const m of [this.certified, this.signed, this.held, this.validators, this.pending]) {
      for (const e of m.keys()) if (e < decided.header.epoch - 8n) m.delete(e);
    }
    for (const [id, r] of this.byId) {
      if (BigInt(r.epoch) < decided.header.epoch - 8n) {
        this.byId.delete(id);
        this.signedIds.delete(id);
      }
    }
    for (const e of this.held.keys()) if (e > this.latest) this.held.delete(e);
    this.closeEpoch(decided.header.epoch);
  }

  /**
   * The decided slice's median table. A keeper that did not validate the height (catch-up, a
   * restart replaying its store) may lack reports: the epoch counts as certified at once (no second
   * slice can certify it), and its table follows once the reports are fetched from any peer.
   */
  private certify(s: UptimeSlice): void {
    const reports = s.reports.map((ref) => this.byId.get(ref.id));
    if (reports.every((r) => r !== undefined)) {
      this.pending.delete(s.epoch);
      const table = medianUptime(reports);
      this.certified.set(s.epoch, table);
      this.mesh?.setCertifiedUptime(s.epoch, table);
      return;
    }
    if (this.pending.has(s.epoch)) return;
    this.pending.set(s.epoch, s);
    void this.completeLater(s);
  }

  private async completeLater(s: UptimeSlice, tries = 8): Promise<void> {
    for (let t = 0; t < tries && this.pending.get(s.epoch) === s; t++) {
      try {
        await this.fetchMissing(s);
      } catch (err) {
        this.host?.logger.debug({ epoch: String(s.epoch), err: (err as Error).message }, "uptime reports fetch failed");
      }
      if (s.reports.every((ref) => this.byId.has(ref.id))) {
        this.pending.delete(s.epoch);
        this.certify(s);
        return;
      }
      await new Promise((r) => setTimeout(r, 2_000 * (t + 1)));
    }
    if (this.pending.get(s.epoch) === s)
      this.host?.logger.warn({ epoch: String(s.epoch) }, "certified uptime reports not found on any peer");
  }

  /** First decision seen in `epoch`: the monitor closes the previous epoch; sign and send its report. */
  private closeEpoch(epoch: bigint): void {
    if (!this.mesh || !this.host) return;
    this.mesh.beginEpoch(epoch);
    const closed = epoch - 1n;
    if (closed < 1n || this.published.has(closed)) return;
    const entries = this.mesh.uptimeReceipts(closed);
    if (!entries) return;
    this.published.add(closed);
    const body = { chainId: this.host.chainId.toString(), epoch: closed.toString(), signer: this.host.self, entries };
    const report: UptimeReport = { ...body, signature: this.host.sign(reportDigest(body)) };
    this.hold(report);
    void this.host.publish(uptimeReportTopic, report);
  }

  /** Remembers the validator sets a context names (this epoch's and the previous one's). */
  private learn(ctx: PartContext): void {
    if (!this.validators.has(ctx.epoch)) this.validators.set(ctx.epoch, new Set(ctx.members));
    if (ctx.previousEpochMembers && !this.validators.has(ctx.epoch - 1n))
      this.validators.set(ctx.epoch - 1n, new Set(ctx.previousEpochMembers));
  }

  /**
   * Keeps a signed report until its epoch is certified. Bounded against floods by registered
   * peers: only epochs near the latest decided one, and once the epoch's validators are known, only
   * theirs (before that, at most MAX_OPERATORS signers, first come).
   */
  private hold(r: UptimeReport): void {
    if (!ascending(r)) return; // never valid in a slice (the topic rejects it too)
    const epoch = BigInt(r.epoch);
    if (this.latest > 0n && (epoch < this.latest - 2n || epoch > this.latest)) return;
    const validators = this.validators.get(epoch);
    if (validators && !validators.has(r.signer)) return;
    let byEpoch = this.held.get(epoch);
    if (!byEpoch) {
      if (this.held.size >= 8) return;
      this.held.set(epoch, (byEpoch = new Map()));
    }
    if (validators) for (const s of byEpoch.keys()) if (!validators.has(s)) byEpoch.delete(s);
    if (byEpoch.size < MAX_OPERATORS && !byEpoch.has(r.signer)) {
      byEpoch.set(r.signer, r);
      this.byId.set(reportId(r), r);
    }
  }
}

export const uptimePart = (mesh?: MeshMonitor): UptimePart => new UptimePart(mesh);

/** How the part reaches the mesh for reports by id (uptime-fetch.ts over /openmesh/uptime-reports/1). */
export interface UptimeNet {
  /** answer other keepers' requests from `lookup` */
  serve(lookup: (ids: string[]) => UptimeReport[]): Promise<void>;
  /** stop answering */
  close(): Promise<void>;
  /** reports by id from `from` (an operator) first, then from other peers; whatever was found */
  fetch(ids: string[], from?: string): Promise<UptimeReport[]>;
}
