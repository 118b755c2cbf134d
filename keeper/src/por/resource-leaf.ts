// What a porRoot leaf proves of one operator in an epoch (aggregate.ts computes it). No imports,
// so the rewards part, the demo and the Studio page (a browser bundle) share this one declaration.

export interface ResourceLeaf {
  operator: string;
  cpuCores: number;
  bandwidthMbps: number;
  memoryMiB: number;
  storageGiB: number;
  latencyUs: number;
  /** basis points of the epoch the operator was up (observability's input; 0 until it is known) */
  uptimeBps: number;
}
