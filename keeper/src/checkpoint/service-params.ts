// RewardsDistributor.serviceRewards() as the keeper's ServiceRewardParams (numbers for the weights,
// bigints for the reference node, so scores are computed exactly).
import type { ServiceRewardParams } from "./rewards.js";

/** The struct's fields as ethers returns them (bigints, by name). */
export interface ServiceRewardsStruct {
  serviceShareBps: bigint;
  cpuWeightBps: bigint;
  memoryWeightBps: bigint;
  storageWeightBps: bigint;
  bandwidthWeightBps: bigint;
  latencyWeightBps: bigint;
  refCpuCores: bigint;
  refBandwidthMbps: bigint;
  refLatencyUs: bigint;
  refMemoryMiB: bigint;
  refStorageGiB: bigint;
}

export function serviceRewardParams(s: ServiceRewardsStruct): ServiceRewardParams {
  return {
    serviceShareBps: Number(s.serviceShareBps),
    cpuWeightBps: Number(s.cpuWeightBps),
    memoryWeightBps: Number(s.memoryWeightBps),
    storageWeightBps: Number(s.storageWeightBps),
    bandwidthWeightBps: Number(s.bandwidthWeightBps),
    latencyWeightBps: Number(s.latencyWeightBps),
    refCpuCores: s.refCpuCores,
    refBandwidthMbps: s.refBandwidthMbps,
    refLatencyUs: s.refLatencyUs,
    refMemoryMiB: s.refMemoryMiB,
    refStorageGiB: s.refStorageGiB,
  };
}
