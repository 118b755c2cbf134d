// JSON codecs of the consensus gossip: bigints travel as decimal strings, hashes as 0x hex, and
// everything is validated by zod before the consensus code sees it.
import { z } from "zod";
import { HeaderJson, headerFromJson, headerToJson } from "../checkpoint/header-json.js";
import type { CheckpointPart } from "../checkpoint/part.js";
import type { CheckpointPayload, Commit } from "../checkpoint/payload.js";

export { HeaderJson, headerFromJson, headerToJson };

const hash = z.string().regex(/^0x[0-9a-f]{64}$/, "expected 0x + 64 lowercase hex");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected an address");
const uint = z.string().regex(/^\d{1,78}$/, "expected a decimal integer string");
const hex = (maxBytes: number) =>
  z.string().regex(new RegExp(`^0x([0-9a-f]{2}){0,${maxBytes}}$`), "expected hex bytes");

const CommitJson = z.strictObject({
  epoch: uint,
  height: uint,
  round: z.int().nonnegative(),
  valueHash: hash,
  signatures: z.array(z.strictObject({ signer: address, ecdsa: hex(65), bls: hex(128) })).max(256),
});

/** at most this many parts' slices in a payload */
const MAX_SLICES = 16;

/**
 * A payload on the wire: each part's slice under its name, checked here only for shape; the part's
 * own schema checks the slice in payloadFromJson (the topic schema cannot know the parts).
 */
export const PayloadJson = z.strictObject({
  header: HeaderJson,
  lastCommit: CommitJson.nullable(),
  slices: z
    .record(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/), z.unknown())
    .refine((r) => Object.keys(r).length <= MAX_SLICES, "too many slices"),
});
export type PayloadJsonT = z.infer<typeof PayloadJson>;

export const CommitJsonSchema = CommitJson;
export type CommitJsonT = z.infer<typeof CommitJson>;

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

/** Payload JSON in canonical form: slices in the parts' order, each encoded by its part. */
export function payloadToJson(parts: readonly CheckpointPart[], p: CheckpointPayload): PayloadJsonT {
  const slices: Record<string, unknown> = {};
  for (const part of parts) if (part.name in p.slices) slices[part.name] = part.codec.toJson(p.slices[part.name]);
  return { header: headerToJson(p.header), lastCommit: p.lastCommit ? commitToJson(p.lastCommit) : null, slices };
}

/** Decodes a payload, each slice by its part's schema; throws on a slice of no known part or a bad one. */
export function payloadFromJson(parts: readonly CheckpointPart[], j: PayloadJsonT): CheckpointPayload {
  const slices: Record<string, unknown> = {};
  for (const [name, json] of Object.entries(j.slices)) {
    const part = parts.find((x) => x.name === name);
    if (!part) throw new Error(`slice of unknown part ${name}`);
    slices[name] = part.codec.fromJson(part.codec.schema.parse(json));
  }
  return { header: headerFromJson(j.header), lastCommit: j.lastCommit ? commitFromJson(j.lastCommit) : null, slices };
}
