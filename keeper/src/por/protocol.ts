// The wire of /openmesh/por/1 (request/response, p2p/reqresp.ts: length-prefixed JSON, size caps,
// per-peer rate limits) and /openmesh/por-bandwidth/1 (one request, then the seed's bytes as
// length-prefixed pieces). A challenge is a few requests from one verifier to one prover.
import { z } from "zod";
import type { ProtocolSpec } from "../p2p/reqresp.js";

const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/);
const b64 = z.string().max(2 * 1024 * 1024);
const opened = z.strictObject({ data: b64, proof: z.array(z.string().max(64)).max(64) });

export const PorRequestSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("ping"), nonce: z.string().regex(/^0x[0-9a-f]{32}$/) }),
  z.strictObject({
    kind: z.literal("cpu"),
    epoch: z.int().min(0),
    challenge: z.strictObject({
      seed: hex32,
      chains: z.int().min(1).max(1024),
      chainLength: z.int().min(1),
      checkpoints: z.int().min(1).max(64),
    }),
  }),
  z.strictObject({
    kind: z.literal("memory-fill"),
    epoch: z.int().min(0),
    challenge: z.strictObject({
      seed: hex32,
      blocks: z.int().min(2),
      blockBytes: z
        .int()
        .min(64)
        .max(1 << 20),
    }),
  }),
  z.strictObject({
    kind: z.literal("memory-walk"),
    seed: hex32,
    walk: z.strictObject({ walkSeed: hex32, lookups: z.int().min(1).max(256) }),
  }),
  z.strictObject({ kind: z.literal("storage-root"), epoch: z.int().min(0) }),
  z.strictObject({
    kind: z.literal("storage"),
    epoch: z.int().min(0),
    request: z.strictObject({
      indices: z.array(z.int().min(0)).max(256),
      withPrev: z.array(z.int().min(0)).max(256),
    }),
  }),
]);
export type PorRequest = z.infer<typeof PorRequestSchema>;

export const PorResponseSchema = z.union([
  z.strictObject({ kind: z.literal("ping"), echo: hex32 }),
  z.strictObject({ kind: z.literal("cpu"), ends: z.array(z.array(hex32).max(64)).max(1024) }),
  z.strictObject({ kind: z.literal("memory-fill"), root: hex32 }),
  z.strictObject({
    kind: z.literal("memory-walk"),
    steps: z.array(z.strictObject({ index: z.int().min(0), block: opened, prev: opened, ref: opened })).max(256),
  }),
  z.strictObject({ kind: z.literal("storage-root"), root: hex32, chunks: z.int().min(1) }),
  z.strictObject({
    kind: z.literal("storage"),
    chunks: z
      .array(z.strictObject({ index: z.int().min(0), chunk: opened.optional(), prev: opened.optional() }))
      .max(256),
  }),
]);
export type PorResponse = z.infer<typeof PorResponseSchema>;

export const porProtocol: ProtocolSpec<PorRequest, PorResponse> = {
  name: "por",
  request: PorRequestSchema,
  response: PorResponseSchema,
  maxRequestBytes: 16 * 1024,
  // a storage answer: 36 chunks of up to 64 KiB in base64 with their proofs
  maxResponseBytes: 4 * 1024 * 1024,
};

export const BANDWIDTH_PROTOCOL = "/openmesh/por-bandwidth/1";
export const BandwidthRequestSchema = z.strictObject({
  seed: hex32,
  bytes: z
    .int()
    .min(16)
    .max(1 << 30),
});
/** pieces of the bandwidth stream: 64 KiB each (the last may be shorter) */
export const BANDWIDTH_PIECE_BYTES = 64 * 1024;
