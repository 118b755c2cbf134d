// The vote-set request protocol, pure part: a node that is stuck at (height, round) tells a peer
// what it holds there (the proposal or not, a bitmap of validators whose prevote / precommit it
// has), and the peer answers with the signed messages the asker lacks (CometBFT's VoteSetBits /
// peer round state, reduced to a request/response). The answer also carries what the peer knows
// of later rounds of the height, so an asker left behind in rounds can skip ahead (L55).
// Bitmaps index the validators in the set's order, as hex, lowest bit = validator 0.
import type { Proposal, ValidatorSet, Vote, VoteType } from "./types.js";

export interface VoteSetHave {
  readonly height: number;
  readonly round: number;
  /** the asker holds a proposal of `round` */
  readonly proposal: boolean;
  readonly prevotes: string;
  readonly precommits: string;
}

export interface KnownMessages {
  readonly proposals: readonly Proposal[];
  readonly votes: readonly Vote[];
}

/** at most this many votes in one answer: a round's votes, both types, of a 100-validator set, and a later round's */
export const MAX_SYNC_VOTES = 400;

const positionCache = new WeakMap<ValidatorSet, Map<string, number>>();

function positions(set: ValidatorSet): Map<string, number> {
  let at = positionCache.get(set);
  if (at === undefined) {
    at = new Map(set.validators.map((v, i) => [v.id, i]));
    positionCache.set(set, at);
  }
  return at;
}

function toHex(bits: bigint): string {
  return "0x" + bits.toString(16);
}

/** bigint of a bitmap as sent; 0n when malformed (an asker that lies only gets more votes) */
export function parseBitmap(hex: string, size: number): bigint {
  if (!/^0x[0-9a-f]{1,64}$/.test(hex)) return 0n;
  const bits = BigInt(hex);
  return bits >> BigInt(size) === 0n ? bits : 0n;
}

/** What this node holds at (height, round). */
export function describeHave(set: ValidatorSet, known: KnownMessages, height: number, round: number): VoteSetHave {
  const at = positions(set);
  const bits: Record<VoteType, bigint> = { prevote: 0n, precommit: 0n };
  for (const v of known.votes) {
    if (v.height !== height || v.round !== round) continue;
    const i = at.get(v.validator);
    if (i !== undefined) bits[v.type] |= 1n << BigInt(i);
  }
  return {
    height,
    round,
    proposal: known.proposals.some((p) => p.height === height && p.round === round),
    prevotes: toHex(bits.prevote),
    precommits: toHex(bits.precommit),
  };
}

/**
 * The messages of `have.height` an asker lacks: at its round, the proposals if it has none and
 * the votes of validators missing from its bitmaps; and the proposals and votes of the latest
 * round this node knows beyond it (what an f+1 round skip needs).
 */
export function missingFor(set: ValidatorSet, known: KnownMessages, have: VoteSetHave): KnownMessages {
  const at = positions(set);
  const size = set.validators.length;
  const held: Record<VoteType, bigint> = {
    prevote: parseBitmap(have.prevotes, size),
    precommit: parseBitmap(have.precommits, size),
  };
  let latest = have.round;
  for (const v of known.votes) if (v.height === have.height && v.round > latest) latest = v.round;
  const wanted = (round: number) => round === have.round || (round === latest && latest > have.round);
  const proposals = known.proposals.filter(
    (p) => p.height === have.height && wanted(p.round) && (p.round > have.round || !have.proposal),
  );
  // a bit says "some vote of this validator": an equivocator's other votes are sent anyway, as the
  // asker may hold the twin that does not complete the quorum the others saw
  const count = new Map<string, number>();
  for (const v of known.votes) {
    if (v.height !== have.height || v.round !== have.round) continue;
    const key = `${v.type}/${v.validator}`;
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  const votes: Vote[] = [];
  for (const v of known.votes) {
    if (votes.length >= MAX_SYNC_VOTES) break;
    if (v.height !== have.height || !wanted(v.round)) continue;
    if (v.round === have.round && count.get(`${v.type}/${v.validator}`)! < 2) {
      const i = at.get(v.validator);
      if (i === undefined || (held[v.type] >> BigInt(i)) & 1n) continue;
    }
    votes.push(v);
  }
  return { proposals, votes };
}
