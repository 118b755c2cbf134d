// The rewards part: at an epoch's first height, the finished epoch's budget split between security
// (stake x signed heights) and service (capacity score x uptime from porRoot leaves) (rewardsRoot,
// totalRewards). Its slice carries the inputs it is computed from, the closing header with its
// liveness and its proven resources, which must hash to the chain's latest certified header and its
// roots: a validator that joined this epoch, or runs no PoR state, checks it without having decided it.
import { z } from "zod";
import { headerHash, ZERO_HASH, type Header } from "../header.js";
import { buildTree, resourceLeaf, rootOf } from "../leaves.js";
import { livenessLeaves, type LivenessEntry } from "../liveness.js";
import { PayloadError } from "../payload.js";
import type { CheckpointPart, PartContext, PayloadView } from "../part.js";
import { computeRewards, rewardLeafValues, type ProvenService, type RewardLeaf } from "../rewards.js";
import { LivenessJson, livenessFromJson, livenessOf, livenessToJson } from "./liveness-part.js";
import { HeaderJson, headerFromJson, headerToJson } from "../header-json.js";

export const REWARDS_PART = "rewards";

/** The last header certified on chain before this epoch started, with its liveness and proven resources. */
export interface ClosingState {
  header: Header;
  liveness: LivenessEntry[];
  /** the leaves of its porRoot, ascending by operator ([] when the root is zero: PoR off or nothing proven) */
  proven: ProvenService[];
}

/** The porRoot leaves of a decided header, by header hash (the PoR part's; undefined if not held). */
export type ProvenSource = (headerHash: string) => readonly ProvenService[] | undefined;

export interface RewardsSlice {
  /** at an epoch's first height only (when the chain holds a certified header) */
  closing: ClosingState | null;
  leaves: RewardLeaf[];
}

/** What /rewards reports: each epoch's certified-in-consensus reward leaves with their proofs. */
export type RewardsReport = Record<
  string,
  {
    root: string;
    total: string;
    leaves: Array<{ index: number; operator: string; amount: string; service: string; proof: string[] }>;
  }
>;

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected an address");
const uint = z.string().regex(/^\d{1,78}$/, "expected a decimal integer string");
const RewardJson = z.strictObject({ index: z.int().nonnegative(), operator: address, amount: uint, service: uint });
const u32 = z.int().min(0).max(0xffffffff);
const ProvenJson = z.strictObject({
  operator: address,
  cpuCores: u32,
  bandwidthMbps: u32,
  memoryMiB: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  storageGiB: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  latencyUs: u32,
  uptimeBps: u32,
});
const RewardsSliceJson = z.strictObject({
  closing: z
    .strictObject({
      header: HeaderJson,
      liveness: z.array(LivenessJson).max(256),
      proven: z.array(ProvenJson).max(256),
    })
    .nullable(),
  leaves: z.array(RewardJson).max(256),
});
type RewardsSliceJsonT = z.infer<typeof RewardsSliceJson>;

function expectedRewards(ctx: PartContext, closing: ClosingState | null): { leaves: RewardLeaf[]; total: bigint } {
  if (!ctx.isEpochStart || !closing || closing.header.epoch !== ctx.epoch - 1n) return { leaves: [], total: 0n };
  const signed = new Map(livenessLeaves(closing.liveness).map(([s, signedHeights]) => [s, Number(signedHeights)]));
  const service = ctx.serviceRewards && { params: ctx.serviceRewards, proven: closing.proven };
  return computeRewards(ctx.rewardsBudget ?? 0n, ctx.rewardMembers ?? [], signed, service);
}

const provenLeafValues = (proven: readonly ProvenService[]) =>
  proven.map((l) =>
    resourceLeaf(l.operator, {
      cpuCores: BigInt(l.cpuCores),
      bandwidthMbps: BigInt(l.bandwidthMbps),
      memoryMiB: BigInt(l.memoryMiB),
      storageGiB: BigInt(l.storageGiB),
      latencyUs: BigInt(l.latencyUs),
      uptimeBps: BigInt(l.uptimeBps),
    }),
  );

/** The reward leaves a payload declares ([] outside an epoch's first height). */
export function rewardLeavesOf(p: PayloadView): RewardLeaf[] {
  return (p.slices[REWARDS_PART] as RewardsSlice | undefined)?.leaves ?? [];
}

const big = (_k: string, v: unknown): unknown => (typeof v === "bigint" ? v.toString() : v);

export class RewardsPart implements CheckpointPart<RewardsSlice, RewardsSliceJsonT> {
  readonly name = REWARDS_PART;
  readonly roots = ["rewardsRoot", "totalRewards"] as const;
  readonly codec = {
    schema: RewardsSliceJson,
    toJson: (s: RewardsSlice): RewardsSliceJsonT => ({
      closing: s.closing
        ? {
            header: headerToJson(s.closing.header),
            liveness: s.closing.liveness.map(livenessToJson),
            proven: s.closing.proven.map((l) => ({ ...l })),
          }
        : null,
      leaves: s.leaves.map((r) => ({ ...r, amount: r.amount.toString(), service: r.service.toString() })),
    }),
    fromJson: (j: RewardsSliceJsonT): RewardsSlice => ({
      closing: j.closing
        ? {
            header: headerFromJson(j.closing.header),
            liveness: j.closing.liveness.map(livenessFromJson),
            proven: j.closing.proven.map((l) => ({ ...l, operator: l.operator.toLowerCase() })),
          }
        : null,
      leaves: j.leaves.map((r) => ({ ...r, amount: BigInt(r.amount), service: BigInt(r.service) })),
    }),
  };
  /** rewards declared in decided epoch-start payloads, by rewarded epoch */
  private readonly byEpoch: RewardsReport = {};

  /** @param provenAt the PoR part's leaves per decided header (absent with PoR off: porRoot is always zero) */
  constructor(private readonly provenAt?: ProvenSource) {}

  propose(ctx: PartContext): RewardsSlice {
    if (ctx.isEpochStart && ctx.closingHeaderHash && !ctx.closing) {
      throw new PayloadError("cannot propose an epoch start without the closing header");
    }
    const closing =
      ctx.isEpochStart && ctx.closingHeaderHash && ctx.closing
        ? { header: ctx.closing.header, liveness: livenessOf(ctx.closing), proven: this.provenOf(ctx.closing.header) }
        : null;
    return { closing, leaves: expectedRewards(ctx, closing).leaves };
  }

  private provenOf(h: Header): ProvenService[] {
    if (h.porRoot === ZERO_HASH) return [];
    const held = this.provenAt?.(headerHash(h));
    // another validator's proposal may carry them: this one cannot, and must not drop the service share
    if (!held) throw new PayloadError("cannot propose an epoch start without the closing header's porRoot leaves");
    return [...held].sort((a, b) => (a.operator < b.operator ? -1 : 1));
  }

  validate(ctx: PartContext, s: RewardsSlice) {
    if (ctx.isEpochStart) {
      const want = ctx.closingHeaderHash;
      if (!want !== !s.closing) throw new PayloadError("closing state missing or unexpected");
      if (s.closing && want) {
        if (headerHash(s.closing.header) !== want) throw new PayloadError("closing header is not the chain's");
        if (rootOf("liveness", livenessLeaves(s.closing.liveness)) !== s.closing.header.livenessRoot) {
          throw new PayloadError("closing liveness does not match the certified livenessRoot");
        }
        const ops = s.closing.proven.map((l) => l.operator);
        if (ops.some((op, i) => i > 0 && !(ops[i - 1]! < op))) {
          throw new PayloadError("closing porRoot leaves not strictly ascending by operator");
        }
        if (rootOf("resource", provenLeafValues(s.closing.proven)) !== s.closing.header.porRoot) {
          throw new PayloadError("closing porRoot leaves do not match the certified porRoot");
        }
      }
    } else if (s.closing !== null) {
      throw new PayloadError("closing state outside an epoch start");
    }
    const rewards = expectedRewards(ctx, s.closing);
    if (JSON.stringify(s.leaves, big) !== JSON.stringify(rewards.leaves, big))
      throw new PayloadError("reward leaves mismatch");
    return { rewardsRoot: rootOf("reward", rewardLeafValues(rewards.leaves)), totalRewards: rewards.total };
  }

  /** Keeps the leaves with their proofs for operators to claim (/rewards). */
  onDecided(decided: { header: Header }, s: RewardsSlice): void {
    if (s.leaves.length === 0) return;
    const tree = buildTree("reward", rewardLeafValues(s.leaves))!;
    const proofs = new Map<number, string[]>();
    for (const [i, v] of tree.entries()) proofs.set(Number(v[0]), tree.getProof(i));
    this.byEpoch[(decided.header.epoch - 1n).toString()] = {
      root: tree.root,
      total: decided.header.totalRewards.toString(),
      leaves: s.leaves.map((l) => ({
        index: l.index,
        operator: l.operator,
        amount: l.amount.toString(),
        service: l.service.toString(),
        proof: proofs.get(l.index)!,
      })),
    };
  }

  report(): RewardsReport {
    return this.byEpoch;
  }
}

export const rewardsPart = (provenAt?: ProvenSource): RewardsPart => new RewardsPart(provenAt);
