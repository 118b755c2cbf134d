// Liveness of validators, decided with every header: for each validator, a bitmap of whether its
// precommit was in the commit of each of the last `window` heights, plus its counts in the current
// epoch (for rewards). Every honest validator derives the next state from the previous decided
// state and the previous height's commit signers, so the proposer cannot invent it.

export interface LivenessEntry {
  /** validator signer address, lowercase */
  signer: string;
  /** bit i set = signed the commit of the i-th most recent height (bit 0 = latest) */
  bits: bigint;
  /** heights recorded in `bits` so far, at most the window */
  filled: number;
  /** heights of the current epoch this validator signed */
  epochSigned: number;
  /** heights of the current epoch recorded */
  epochHeights: number;
}

export interface LivenessCounts {
  signed: number;
  missed: number;
}

function popcount(x: bigint): number {
  let n = 0;
  while (x > 0n) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}

export function counts(e: LivenessEntry): LivenessCounts {
  const signed = popcount(e.bits);
  return { signed, missed: e.filled - signed };
}

/**
 * Advances liveness by one committed height.
 * @param previous the state after the previous height (validators outside `members` are dropped)
 * @param members the validators voting at the committed height, lowercase signers
 * @param committed the signers whose precommits were in that height's commit
 * @param window sliding-window length in heights (<= 256)
 * @param newEpoch true when the committed height is the first of an epoch (epoch counters restart)
 */
export function advanceLiveness(
  previous: readonly LivenessEntry[],
  members: readonly string[],
  committed: ReadonlySet<string>,
  window: number,
  newEpoch: boolean,
): LivenessEntry[] {
  const mask = (1n << BigInt(window)) - 1n;
  const bySigner = new Map(previous.map((e) => [e.signer, e]));
  return [...members]
    .map((s) => s.toLowerCase())
    .sort()
    .map((signer) => {
      const prev = bySigner.get(signer) ?? { signer, bits: 0n, filled: 0, epochSigned: 0, epochHeights: 0 };
      const signed = committed.has(signer);
      return {
        signer,
        bits: ((prev.bits << 1n) | (signed ? 1n : 0n)) & mask,
        filled: Math.min(prev.filled + 1, window),
        epochSigned: (newEpoch ? 0 : prev.epochSigned) + (signed ? 1 : 0),
        epochHeights: (newEpoch ? 0 : prev.epochHeights) + 1,
      };
    });
}

/** livenessRoot leaves: (signer, signed, missed) over the window. */
export function livenessLeaves(entries: readonly LivenessEntry[]): [string, bigint, bigint][] {
  return entries.map((e) => {
    const c = counts(e);
    return [e.signer, BigInt(c.signed), BigInt(c.missed)];
  });
}

export function sameLiveness(a: readonly LivenessEntry[], b: readonly LivenessEntry[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i]!;
    return (
      x.signer === y.signer &&
      x.bits === y.bits &&
      x.filled === y.filled &&
      x.epochSigned === y.epochSigned &&
      x.epochHeights === y.epochHeights
    );
  });
}
