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
import { getBytes, keccak256, recoverAddress, Signature, toUtf8Bytes } from "ethers";
import { z } from "zod";
import type { MeshMonitor } from "../../observability/mesh-monitor.js";
import { median } from "../../observability/latency.js";
import { defineTopic } from "../../p2p/topics.js";
import { PayloadError } from "../payload.js";
import type { CheckpointPart, PartContext, PartHost } from "../part.js";
import type { RewardsSlice } from "./rewards-part.js";

export const UPTIME_PART = "uptime";
const MAX_OPERATORS = 1024;

const address = z.string().regex(/^0x[0-9a-f]{40}$/, "expected a lowercase address");
const uint = z.string().regex(/^\d{1,20}$/);
const ReportJson = z.strictObject({
  chainId: uint,
  epoch: uint,
  /** the validator signer that signs the report, lowercase */
  signer: address,
  /** [operator, heartbeats answered in bps], operators strictly ascending */
  entries: z.array(z.tuple([address, z.int().min(0).max(10_000)])).max(MAX_OPERATORS),
  signature: z.string().regex(/^0x[0-9a-f]{130}$/),
});
export type UptimeReport = z.infer<typeof ReportJson>;

/** Reports travel on their own topic; a report's own signature is what the part checks. */
export const uptimeReportTopic = defineTopic({
  name: "uptime-report",
  maxBytes: 64 * 1024,
  schema: ReportJson,
  validate: (msg) => (reportSigner(msg.payload) === msg.payload.signer ? "accept" : "reject"),
});

const SliceJson = z.strictObject({ epoch: uint, reports: z.array(ReportJson).max(256) }).nullable();
export interface UptimeSlice {
  epoch: bigint;
  reports: UptimeReport[];
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

export class UptimePart implements CheckpointPart<UptimeSlice | null, z.infer<typeof SliceJson>> {
  readonly name = UPTIME_PART;
  readonly roots = [] as const;
  readonly topics = [uptimeReportTopic];
  readonly codec = {
    schema: SliceJson,
    toJson: (s: UptimeSlice | null) => (s ? { epoch: s.epoch.toString(), reports: s.reports } : null),
    fromJson: (j: z.infer<typeof SliceJson>): UptimeSlice | null =>
      j ? { epoch: BigInt(j.epoch), reports: j.reports } : null,
  };
  /** reports held, by epoch, then signer (recent epochs only) */
  private readonly held = new Map<bigint, Map<string, UptimeReport>>();
  /** certified heartbeat uptime by epoch, then operator */
  private readonly certified = new Map<bigint, Map<string, number>>();
  /** heights signed in bps by epoch, then validator signer (from closing liveness) */
  private readonly signed = new Map<bigint, Map<string, number>>();
  /** validator signers per epoch, as the host's contexts name them: who may report for it */
  private readonly validators = new Map<bigint, ReadonlySet<string>>();
  /** latest epoch decided here; reports are held only near it (a flood of far epochs is dropped) */
  private latest = 0n;
  private host?: PartHost;
  private published = new Set<bigint>();

  constructor(private readonly mesh?: MeshMonitor) {}

  start(host: PartHost): void {
    this.host = host;
    host.subscribe(uptimeReportTopic, (msg) => this.hold(msg.payload));
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
    if (!members || epoch < 1n || this.certified.has(epoch)) return null;
    const held = this.held.get(epoch);
    const reports = members
      .map((m) => held?.get(m))
      .filter((r): r is UptimeReport => r !== undefined && r.chainId === ctx.chainId.toString())
      .sort((a, b) => (a.signer < b.signer ? -1 : 1));
    return reports.length * 3 > members.length * 2 ? { epoch, reports } : null;
  }

  validate(ctx: PartContext, s: UptimeSlice | null) {
    this.learn(ctx);
    if (s === null) return {};
    const members = new Set(ctx.previousEpochMembers ?? []);
    if (s.epoch !== ctx.epoch - 1n) throw new PayloadError(`uptime for epoch ${s.epoch} in epoch ${ctx.epoch}`);
    if (this.certified.has(s.epoch)) throw new PayloadError(`uptime of epoch ${s.epoch} already certified`);
    if (s.reports.length * 3 <= members.size * 2) throw new PayloadError("uptime reports of 2/3 of validators or less");
    let last = "";
    for (const r of s.reports) {
      if (r.signer <= last) throw new PayloadError("uptime reports not in strictly ascending signer order");
      last = r.signer;
      if (!members.has(r.signer)) throw new PayloadError(`uptime report by ${r.signer}, no validator of that epoch`);
      if (r.chainId !== ctx.chainId.toString() || BigInt(r.epoch) !== s.epoch)
        throw new PayloadError("uptime report for another chain or epoch");
      if (!r.entries.every(([op], i) => i === 0 || r.entries[i - 1]![0] < op))
        throw new PayloadError("uptime report entries not in ascending operator order");
      if (reportSigner(r) !== r.signer) throw new PayloadError(`bad uptime report signature of ${r.signer}`);
    }
    return {};
  }

  onDecided(decided: { slices: Readonly<Record<string, unknown>>; header: { epoch: bigint } }, s: UptimeSlice | null) {
    if (s) {
      const table = medianUptime(s.reports);
      this.certified.set(s.epoch, table);
      this.mesh?.setCertifiedUptime(s.epoch, table);
    }
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
    for (const m of [this.certified, this.signed, this.held, this.validators]) {
      for (const e of m.keys()) if (e < decided.header.epoch - 8n) m.delete(e);
    }
    for (const e of this.held.keys()) if (e > this.latest) this.held.delete(e);
    this.closeEpoch(decided.header.epoch);
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
    if (byEpoch.size < MAX_OPERATORS && !byEpoch.has(r.signer)) byEpoch.set(r.signer, r);
  }
}

export const uptimePart = (mesh?: MeshMonitor): UptimePart => new UptimePart(mesh);
