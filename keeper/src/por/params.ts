// The measures' parameters from the keeper's PoR config, and the scaling of claims to what is
// physically proven (local configs prove memory and storage at 1/sizeDivisor of the claim).
import type { PorConfig } from "../config/por.js";
import type { BandwidthParams } from "./bandwidth.js";
import type { CpuParams } from "./cpu.js";
import type { LatencyParams } from "./latency.js";
import type { MemoryParams } from "./memory.js";
import type { StorageParams } from "./storage.js";

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export interface MeasureParams {
  cpu: CpuParams & { maxCores: number };
  memory: MemoryParams & { sizeDivisor: number };
  storage: StorageParams & { sizeDivisor: number };
  bandwidth: BandwidthParams;
  latency: LatencyParams;
}

/** What an operator registered on chain (IOperatorRegistryTypes.Resources). */
export interface Claims {
  cpuCores: number;
  memoryMiB: number;
  storageGiB: number;
  bandwidthMbps: number;
}

export function measureParams(c: PorConfig): MeasureParams {
  return {
    cpu: c.cpu,
    memory: c.memory,
    storage: { ...c.storage, unitBytes: Math.max(1, Math.floor(GiB / c.storage.sizeDivisor)) },
    bandwidth: c.bandwidth,
    latency: c.latency,
  };
}

/** Bytes filled to prove a memory claim. */
export const memoryBytesOf = (claimedMiB: number, p: MeasureParams): number =>
  Math.floor((claimedMiB * MiB) / p.memory.sizeDivisor);

/** MiB a proven fill stands for. */
export const memoryMiBOf = (bytes: number, p: MeasureParams): number =>
  Math.floor((bytes * p.memory.sizeDivisor) / MiB);

/** Chunks of a data set standing for `gib` GiB. */
export const storageChunksOf = (gib: number, p: MeasureParams): number =>
  Math.max(1, Math.floor((gib * p.storage.unitBytes) / p.storage.chunkBytes));
