// JSON codecs of the consensus gossip: bigints travel as decimal strings, hashes as 0x hex, and
// everything is validated by zod before the consensus code sees it.
import { z } from "zod";
import type { Header } from "../checkpoint/header.js";
import type { LivenessEntry } from "../checkpoint/liveness.js";
import type { CheckpointPayload, Commit } from "../checkpoint/payload.js";
import type { RewardLeaf } from "../checkpoint/rewards.js";

const hash = z.string().regex(/^0x[0-9a-f]{64}$/, "expected 0x + 64 lowercase hex");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected an address");
const uint = z.string().regex(/^\d{1,78}$/, "expected a decimal integer string");
const hex = (maxBytes: number) =>
  z.string().regex(new RegExp(`^0x([0-9a-f]{2}){0,${maxBytes}}$`), "expected hex bytes");

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

const LivenessJson = z.strictObject({
  signer: address,
  bits: uint,
  filled: z.int().min(0).max(256),
  epochSigned: z.int().nonnegative(),
  epochHeights: z.int().nonnegative(),
});

const CommitJson = z.strictObject({
  epoch: uint,
  height: uint,
  round: z.int().nonnegative(),
  valueHash: hash,
  signatures: z.array(z.strictObject({ signer: address, ecdsa: hex(65), bls: hex(128) })).max(256),
});

const RewardJson = z.strictObject({ index: z.int().nonnegative(), operator: address, amount: uint });

export const PayloadJson = z.strictObject({
  header: HeaderJson,
  liveness: z.array(LivenessJson).max(256),
  lastCommit: CommitJson.nullable(),
  closing: z.strictObject({ header: HeaderJson, liveness: z.array(LivenessJson).max(256) }).nullable(),
  rewards: z.array(RewardJson).max(256),
});
export type PayloadJsonT = z.infer<typeof PayloadJson>;

export const CommitJsonSchema = CommitJson;
export type CommitJsonT = z.infer<typeof CommitJson>;

export function headerToJson(h: Header): z.infer<typeof HeaderJson> {
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

export function headerFromJson(j: z.infer<typeof HeaderJson>): Header {
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

const livenessToJson = (e: LivenessEntry) => ({ ...e, bits: e.bits.toString() });
const livenessFromJson = (e: z.infer<typeof LivenessJson>): LivenessEntry => ({
  ...e,
  signer: e.signer.toLowerCase(),
  bits: BigInt(e.bits),
});

export function commitToJson(c: Commit): CommitJsonT {
  return { ...c, epoch: c.epoch.toString(), height: c.height.toString() };
}

export function commitFromJson(c: CommitJsonT): Commit {
  return {
    ...c,
    epoch: BigInt(c.epoch),
    height: BigInt(c.height),
    signatures: c.signatures.map((s) => ({ ...s, signer: s.signer.toLowerCase() })),
  };
}

const rewardToJson = (r: RewardLeaf) => ({ ...r, amount: r.amount.toString() });
const rewardFromJson = (r: z.infer<typeof RewardJson>): RewardLeaf => ({ ...r, amount: BigInt(r.amount) });

export function payloadToJson(p: CheckpointPayload): PayloadJsonT {
  return {
    header: headerToJson(p.header),
    liveness: p.liveness.map(livenessToJson),
    lastCommit: p.lastCommit ? commitToJson(p.lastCommit) : null,
    closing: p.closing
      ? { header: headerToJson(p.closing.header), liveness: p.closing.liveness.map(livenessToJson) }
      : null,
    rewards: p.rewards.map(rewardToJson),
  };
}

export function payloadFromJson(j: PayloadJsonT): CheckpointPayload {
  return {
    header: headerFromJson(j.header),
    liveness: j.liveness.map(livenessFromJson),
    lastCommit: j.lastCommit ? commitFromJson(j.lastCommit) : null,
    closing: j.closing
      ? { header: headerFromJson(j.closing.header), liveness: j.closing.liveness.map(livenessFromJson) }
      : null,
    rewards: j.rewards.map(rewardFromJson),
  };
}
