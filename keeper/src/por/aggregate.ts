// An operator's porRoot leaf from the signed reports of its epoch, computed identically by every
// validator from the same report set: per measure, the median of the reports (for an even
// count the conservative middle: two reports give the smaller capacity and the larger latency). A leaf needs `quorum` reports from
// distinct assigned verifiers; with fewer there is no leaf: nothing proven that epoch.
import { median } from "./latency.js";
import type { PorReportBody } from "./report.js";
import type { ResourceLeaf } from "./resource-leaf.js";

export type { ResourceLeaf };

export interface AggregateInput {
  operator: string;
  /** reports already checked: signature, epoch, seed, verifier assigned to this operator */
  reports: PorReportBody[];
  quorum: number;
  uptimeBps: number;
}

export class DuplicateReportError extends Error {
  override name = "DuplicateReportError";
}

export function aggregateLeaf(input: AggregateInput): ResourceLeaf | undefined {
  const seen = new Set<string>();
  for (const r of input.reports) {
    if (r.operator !== input.operator.toLowerCase()) throw new Error(`report on ${r.operator}, not ${input.operator}`);
    if (seen.has(r.verifier)) throw new DuplicateReportError(`two reports by ${r.verifier} on ${r.operator}`);
    seen.add(r.verifier);
  }
  if (input.reports.length < input.quorum) return undefined;
  const m = (f: (r: PorReportBody) => number) => median(input.reports.map(f));
  const upper = (f: (r: PorReportBody) => number) => -median(input.reports.map((r) => -f(r)));
  return {
    operator: input.operator.toLowerCase(),
    cpuCores: m((r) => r.cpuCores),
    bandwidthMbps: m((r) => r.bandwidthMbps),
    memoryMiB: m((r) => r.memoryMiB),
    storageGiB: m((r) => r.storageGiB),
    latencyUs: upper((r) => r.latencyUs),
    uptimeBps: input.uptimeBps,
  };
}

/** The leaf's ABI values in the porRoot encoding's order (checkpoint/leaves.ts `resource`). */
export function leafValues(l: ResourceLeaf): Array<string | bigint> {
  return [
    l.operator,
    BigInt(l.cpuCores),
    BigInt(l.bandwidthMbps),
    BigInt(l.memoryMiB),
    BigInt(l.storageGiB),
    BigInt(l.latencyUs),
    BigInt(l.uptimeBps),
  ];
}
