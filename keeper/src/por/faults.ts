// When PoR results make a fault (a faultsRoot leaf `(signer, kind, detailsHash)` EvidenceHandler
// can punish once per (signer, kind, epoch)). Deterministic from the certified reports and leaves:
// - failed: a quorum of the operator's reports mark a measure failed (a wrong answer: fraud);
// - missed: a quorum of its reports mark every measure missed (it did not answer at all);
// - below claim: a measure proven below claim x (1 - tolerance) in this epoch's leaf and in the
//   previous epoch's, so a busy host (several keepers on one machine, a slow epoch) is not punished
//   for one bad measurement.
// A node with no leaf (fewer than a quorum of reports) gets no below-claim fault: nothing was proven.
import { AbiCoder, keccak256 } from "ethers";
import type { ResourceLeaf } from "./aggregate.js";
import type { Claims } from "./params.js";
import type { PorReportBody } from "./report.js";

export const POR_FAULT = { failed: 1, missed: 2, belowClaim: 3 } as const;
export type PorFaultKind = (typeof POR_FAULT)[keyof typeof POR_FAULT];

export interface PorFault {
  operator: string;
  kind: PorFaultKind;
  /** keccak256(abi.encode(epoch, operator, kind, mask)): which measures */
  detailsHash: string;
  mask: number;
}

const ALL = 0x1f;

const CLAIM_FIELDS = [
  ["cpuCores", "cpuCores"],
  ["memoryMiB", "memoryMiB"],
  ["storageGiB", "storageGiB"],
  ["bandwidthMbps", "bandwidthMbps"],
] as const;

/** Bits (report.ts order: cpu, memory, storage, bandwidth) of measures proven below claim x (1 - tolerance). */
export function belowClaimMask(leaf: ResourceLeaf, claims: Claims, tolerancePct: number): number {
  const bits = { cpuCores: 1, memoryMiB: 2, storageGiB: 4, bandwidthMbps: 8 };
  let mask = 0;
  for (const [l, c] of CLAIM_FIELDS) {
    // integers only: proven * 100 < claimed * (100 - tolerance)
    if (leaf[l] * 100 < claims[c] * (100 - tolerancePct)) mask |= bits[l];
  }
  return mask;
}

function details(epoch: number, operator: string, kind: number, mask: number): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(["uint64", "address", "uint8", "uint8"], [epoch, operator, kind, mask]),
  );
}

export interface FaultInput {
  epoch: number;
  quorum: number;
  tolerancePct: number;
  /** every operator proven this epoch, with its claims */
  claims: Map<string, Claims>;
  reports: PorReportBody[];
  leaves: Map<string, ResourceLeaf>;
  /** the previous epoch's leaves (empty when unknown: no below-claim fault then) */
  previousLeaves: Map<string, ResourceLeaf>;
}

export function detectFaults(f: FaultInput): PorFault[] {
  const out: PorFault[] = [];
  for (const [operator, claims] of [...f.claims.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const mine = f.reports.filter((r) => r.operator === operator);
    const failedBy = new Map<number, number>();
    for (const r of mine)
      for (let b = 1; b <= 16; b <<= 1) if (r.failed & b) failedBy.set(b, (failedBy.get(b) ?? 0) + 1);
    const failedMask = [...failedBy].filter(([, n]) => n >= f.quorum).reduce((m, [b]) => m | b, 0);
    const add = (kind: PorFaultKind, mask: number) =>
      out.push({ operator, kind, mask, detailsHash: details(f.epoch, operator, kind, mask) });
    if (failedMask) add(POR_FAULT.failed, failedMask);
    if (mine.filter((r) => r.missed === ALL).length >= f.quorum) add(POR_FAULT.missed, ALL);
    const now = f.leaves.get(operator);
    const before = f.previousLeaves.get(operator);
    if (now && before) {
      const mask = belowClaimMask(now, claims, f.tolerancePct) & belowClaimMask(before, claims, f.tolerancePct);
      if (mask) add(POR_FAULT.belowClaim, mask);
    }
  }
  return out;
}
