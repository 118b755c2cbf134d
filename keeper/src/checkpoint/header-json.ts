// JSON form of a checkpoint header: bigints as decimal strings, hashes as lowercase 0x hex.
import { z } from "zod";
import type { Header } from "./header.js";

const hash = z.string().regex(/^0x[0-9a-f]{64}$/, "expected 0x + 64 lowercase hex");
const uint = z.string().regex(/^\d{1,78}$/, "expected a decimal integer string");

export const HeaderJson = z.strictObject({
  chainId: uint,
  epoch: uint,
  height: uint,
  parentHash: hash,
  porRoot: hash,
  taskRoot: hash,
  livenessRoot: hash,
  rewardsRoot: hash,
  totalRewards: uint,
  faultsRoot: hash,
});
export type HeaderJsonT = z.infer<typeof HeaderJson>;

export function headerToJson(h: Header): HeaderJsonT {
  return {
    chainId: h.chainId.toString(),
    epoch: h.epoch.toString(),
    height: h.height.toString(),
    parentHash: h.parentHash,
    porRoot: h.porRoot,
    taskRoot: h.taskRoot,
    livenessRoot: h.livenessRoot,
    rewardsRoot: h.rewardsRoot,
    totalRewards: h.totalRewards.toString(),
    faultsRoot: h.faultsRoot,
  };
}

export function headerFromJson(j: HeaderJsonT): Header {
  return {
    chainId: BigInt(j.chainId),
    epoch: BigInt(j.epoch),
    height: BigInt(j.height),
    parentHash: j.parentHash,
    porRoot: j.porRoot,
    taskRoot: j.taskRoot,
    livenessRoot: j.livenessRoot,
    rewardsRoot: j.rewardsRoot,
    totalRewards: BigInt(j.totalRewards),
    faultsRoot: j.faultsRoot,
  };
}
