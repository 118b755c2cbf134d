// An epoch's rewards: the budget split between security and service (docs/checkpoints.md,
// "Rewards"). Security: stake x heights signed in the closing liveness window. Service: a capacity
// score x uptime from the epoch's certified porRoot leaves, the score a weighted sum of proven /
// reference per measure. The split, weights and reference are governed (RewardsDistributor
// .serviceRewards, read at the block that started the next epoch). Pure and in bigints, so every
// validator computes the same leaves.
import type { ResourceLeaf } from "../por/resource-leaf.js";

export interface RewardMember {
  operator: string;
  signer: string;
  stake: bigint;
}

export interface RewardLeaf {
  index: number;
  operator: string;
  /** security + service: what the leaf pays */
  amount: bigint;
  /** the service part of `amount` (not in the leaf's encoding; /rewards and the demo show it) */
  service: bigint;
}

/** RewardsDistributor.ServiceRewards: the governed split, weights (bps summing to 10,000) and reference node. */
export interface ServiceRewardParams {
  serviceShareBps: number;
  cpuWeightBps: number;
  memoryWeightBps: number;
  storageWeightBps: number;
  bandwidthWeightBps: number;
  latencyWeightBps: number;
  refCpuCores: bigint;
  refBandwidthMbps: bigint;
  refLatencyUs: bigint;
  refMemoryMiB: bigint;
  refStorageGiB: bigint;
}

/** What a porRoot leaf proved: the service half of the pool is paid on it. */
export type ProvenService = ResourceLeaf;

export interface RewardsResult {
  leaves: RewardLeaf[];
  total: bigint;
  /** the pools as split (a pool no member earns from went to the other one) */
  securityPool: bigint;
  servicePool: bigint;
}

/** score units per basis point of weight: proving the reference node exactly scores 10,000 x SCALE */
const SCALE = 1_000_000n;

/**
 * Capacity score of a leaf: sum over measures of weight x proven / reference. Capacities count
 * linearly, uncapped (two identities on one machine score what the machine scores: splitting
 * earns nothing); latency counts reference / proven, at most 1, and 0 when not proven (0 µs is
 * what a failed latency measure reports).
 */
export function capacityScore(l: ProvenService, p: ServiceRewardParams): bigint {
  const term = (w: number, proven: number, ref: bigint) => (BigInt(w) * SCALE * BigInt(proven)) / ref;
  const latency =
    l.latencyUs <= 0
      ? 0n
      : BigInt(l.latencyUs) <= p.refLatencyUs
        ? BigInt(p.latencyWeightBps) * SCALE
        : (BigInt(p.latencyWeightBps) * SCALE * p.refLatencyUs) / BigInt(l.latencyUs);
  return (
    term(p.cpuWeightBps, l.cpuCores, p.refCpuCores) +
    term(p.memoryWeightBps, l.memoryMiB, p.refMemoryMiB) +
    term(p.storageWeightBps, l.storageGiB, p.refStorageGiB) +
    term(p.bandwidthWeightBps, l.bandwidthMbps, p.refBandwidthMbps) +
    latency
  );
}

/**
 * Splits `budget` (floor per member and pool, so the sum never exceeds the budget). Service weight
 * = capacity score x uptime bps of the member's porRoot leaf; a member without a leaf gets only its
 * security share. A pool no member has weight in goes whole to the other (PoR off or nothing
 * proven: everything to security, as before the split). Members with zero amount get no leaf.
 * Leaves are ordered as `members`; at most one per operator (RewardsDistributor records claims per
 * operator and epoch). Proven leaves of operators outside `members` are ignored.
 */
export function computeRewards(
  budget: bigint,
  members: readonly RewardMember[],
  signedHeights: ReadonlyMap<string, number>,
  service?: { params: ServiceRewardParams; proven: readonly ProvenService[] },
): RewardsResult {
  const security = members.map((m) => m.stake * BigInt(signedHeights.get(m.signer.toLowerCase()) ?? 0));
  const proven = new Map((service?.proven ?? []).map((l) => [l.operator.toLowerCase(), l]));
  const serviceWeights = members.map((m) => {
    const l = proven.get(m.operator.toLowerCase());
    return l && service ? capacityScore(l, service.params) * BigInt(l.uptimeBps) : 0n;
  });
  const sum = (ws: bigint[]) => ws.reduce((s, w) => s + w, 0n);
  const securityWeight = sum(security);
  const serviceWeight = sum(serviceWeights);
  let servicePool = service ? (budget * BigInt(service.params.serviceShareBps)) / 10_000n : 0n;
  if (serviceWeight === 0n) servicePool = 0n;
  else if (securityWeight === 0n) servicePool = budget;
  const securityPool = securityWeight === 0n ? 0n : budget - servicePool;
  const leaves: RewardLeaf[] = [];
  members.forEach((m, i) => {
    const sec = securityPool === 0n ? 0n : (securityPool * security[i]!) / securityWeight;
    const svc = servicePool === 0n ? 0n : (servicePool * serviceWeights[i]!) / serviceWeight;
    if (sec + svc > 0n) leaves.push({ index: leaves.length, operator: m.operator, amount: sec + svc, service: svc });
  });
  return { leaves, total: leaves.reduce((s, l) => s + l.amount, 0n), securityPool, servicePool };
}

export function rewardLeafValues(leaves: readonly RewardLeaf[]): [bigint, string, bigint][] {
  return leaves.map((l) => [BigInt(l.index), l.operator, l.amount]);
}
