// Who executes a task: rendezvous (highest random weight) order of the active set for the task id.
// Every keeper computes the same order from the last certified header's set, without a coordinator:
// the first `redundancy` members execute, the next `spares` stand by and start when the failure
// detector suspects one ahead of them. Results count only from those redundancy + spares positions,
// so validating a proposal does not depend on any keeper's detector.
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";

export interface Assignment {
  /** every member, best rendezvous score first */
  order: string[];
  /** order[0 .. redundancy) */
  executors: string[];
  /** order[redundancy .. redundancy + spares) */
  spares: string[];
}

/** keccak256(uint256 taskId || address member): the member's weight for this task (big-endian compare). */
export function rendezvousScore(taskId: bigint, member: string): string {
  const buf = new Uint8Array(52);
  let n = taskId;
  for (let i = 31; i >= 0 && n > 0n; i--, n >>= 8n) buf[i] = Number(n & 0xffn);
  buf.set(hexToBytes(member.toLowerCase().replace(/^0x/, "")), 32);
  return bytesToHex(keccak_256(buf));
}

/** The active set in rendezvous order for `taskId` (ties, impossible in practice, by address). */
export function rendezvousOrder(taskId: bigint, members: readonly string[]): string[] {
  const scored = [...new Set(members.map((m) => m.toLowerCase()))].map((m) => ({ m, s: rendezvousScore(taskId, m) }));
  scored.sort((a, b) => (a.s < b.s ? 1 : a.s > b.s ? -1 : a.m < b.m ? -1 : 1));
  return scored.map((x) => x.m);
}

export function assign(taskId: bigint, members: readonly string[], redundancy: number, spares: number): Assignment {
  const order = rendezvousOrder(taskId, members);
  return {
    order,
    executors: order.slice(0, redundancy),
    spares: order.slice(redundancy, redundancy + spares),
  };
}

/** Positions whose results count: the first redundancy + spares of the order. */
export function countingPositions(a: Assignment): string[] {
  return [...a.executors, ...a.spares];
}

/**
 * Who should be running the task now: walking the counting positions in order, the first
 * `redundancy` members not suspected. A spare thus starts exactly when a member ahead of it is
 * suspected, and stops (is not needed) when that member is trusted again.
 */
export function activeExecutors(a: Assignment, redundancy: number, suspected: (member: string) => boolean): string[] {
  return countingPositions(a)
    .filter((m) => !suspected(m))
    .slice(0, redundancy);
}
