// Who verifies whom in an epoch: for each operator, the k active operators with the highest
// rendezvous score sha256(seed ‖ operator ‖ verifier), itself excluded. The seed is the last
// certified header of the previous epoch, so the assignment is known to everyone at the epoch's
// start and to nobody before it: an operator cannot pick its verifiers, nor a verifier its
// targets, nor can anyone prepare answers for a challenge it cannot foresee. Challenges start at
// a hashed offset in the stagger window, so keepers sharing a machine are not all proving at once.
import { sha256, unhex } from "./hash.js";

function score(seed: string, operator: string, verifier: string): Buffer {
  return sha256(unhex(seed), unhex(operator.toLowerCase()), unhex(verifier.toLowerCase()));
}

/** The operator's verifiers, highest score first (fewer than k when the set is small). */
export function verifiersOf(seed: string, operator: string, active: readonly string[], k: number): string[] {
  const op = operator.toLowerCase();
  return [...new Set(active.map((a) => a.toLowerCase()))]
    .filter((v) => v !== op)
    .map((v) => ({ v, s: score(seed, op, v) }))
    .sort((a, b) => Buffer.compare(b.s, a.s))
    .slice(0, k)
    .map(({ v }) => v);
}

/** The operators `verifier` must challenge this epoch. */
export function targetsOf(seed: string, verifier: string, active: readonly string[], k: number): string[] {
  const me = verifier.toLowerCase();
  return active.filter((op) => verifiersOf(seed, op, active, k).includes(me)).map((op) => op.toLowerCase());
}

/** When, after the epoch starts, `verifier` challenges `operator`: in [0, staggerMs). */
export function challengeOffsetMs(seed: string, operator: string, verifier: string, staggerMs: number): number {
  return score(seed, operator, verifier).readUInt32BE(0) % staggerMs;
}
