// The two thresholds of Tendermint, on stake rather than on counts. With total power T and at
// most f < T/3 Byzantine power: a quorum (2f+1) is strictly more than 2/3 of T, and f+1 is
// strictly more than 1/3 of T (some honest power is always in it). Integer arithmetic only:
// exactly 2/3 is not a quorum.

/** power > 2/3 of total */
export function isQuorum(power: bigint, total: bigint): boolean {
  return power * 3n > total * 2n;
}

/** power > 1/3 of total: enough that at least one honest validator is among the senders */
export function isOneThirdPlus(power: bigint, total: bigint): boolean {
  return power * 3n > total;
}
