// An epoch's rewards: the budget split among the epoch's validators in proportion to
// stake x uptime (heights of the epoch whose commit they signed). Proven resources join the
// weight when Proof-of-Resource results are certified (see docs/checkpoints.md).

export interface RewardMember {
  operator: string;
  signer: string;
  stake: bigint;
}

export interface RewardLeaf {
  index: number;
  operator: string;
  amount: bigint;
}

/**
 * Splits `budget` (floor per member, so the sum never exceeds the budget). Members with zero
 * weight get no leaf. Deterministic: leaves are ordered as `members`. At most one leaf per
 * operator (a set has one member per operator): RewardsDistributor records claims per operator
 * and epoch, so a second leaf of the same operator could not be claimed.
 */
export function computeRewards(
  budget: bigint,
  members: readonly RewardMember[],
  signedHeights: ReadonlyMap<string, number>,
): { leaves: RewardLeaf[]; total: bigint } {
  const weights = members.map((m) => m.stake * BigInt(signedHeights.get(m.signer.toLowerCase()) ?? 0));
  const totalWeight = weights.reduce((s, w) => s + w, 0n);
  const leaves: RewardLeaf[] = [];
  if (totalWeight === 0n || budget === 0n) return { leaves, total: 0n };
  members.forEach((m, i) => {
    const amount = (budget * weights[i]!) / totalWeight;
    if (amount > 0n) leaves.push({ index: leaves.length, operator: m.operator, amount });
  });
  return { leaves, total: leaves.reduce((s, l) => s + l.amount, 0n) };
}

export function rewardLeafValues(leaves: readonly RewardLeaf[]): [bigint, string, bigint][] {
  return leaves.map((l) => [BigInt(l.index), l.operator, l.amount]);
}
