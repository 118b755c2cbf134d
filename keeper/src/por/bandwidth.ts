// Bandwidth: the prover sends `bytes` seed-derived bytes (AES-256-CTR key stream of a fresh seed)
// to the verifier over a libp2p stream; the verifier times the transfer and checks the bytes'
// digest. The transfer is sized to last `seconds` at the claimed rate, so an honest prover shows
// its claim; proven Mbit/s = min(claim, bytes x 8 / elapsed). What it proves: the path from the
// prover to this verifier carried that rate at that time (the verifier's own link bounds it: with
// k verifiers the median is taken); not that the bytes came from the prover's own machine.
import { createHash, randomBytes } from "node:crypto";
import { hex, seedStream, unhex, type Bytes } from "./hash.js";

export interface BandwidthParams {
  /** the transfer lasts this long at the claimed rate */
  seconds: number;
  /** bounds on one transfer */
  minBytes: number;
  maxBytes: number;
  /** an answer slower than this proves nothing at all */
  deadlineMs: number;
}

export interface BandwidthRequest {
  seed: string;
  bytes: number;
}

export interface BandwidthVerdict {
  provenMbps: number;
  measuredMbps: number;
  failure?: string;
}

const PIECE = 64 * 1024;

export function bandwidthRequest(
  claimedMbps: number,
  p: BandwidthParams,
  seed: Bytes = randomBytes(32),
): BandwidthRequest {
  const wanted = Math.ceil((claimedMbps * 1e6 * p.seconds) / 8);
  const bytes = Math.min(p.maxBytes, Math.max(p.minBytes, Math.ceil(wanted / 16) * 16));
  return { seed: hex(seed), bytes };
}

/** The prover's bytes, in pieces (each a multiple of 16 bytes but the last). */
export function* bandwidthPieces(req: BandwidthRequest): Generator<Buffer> {
  const seed = unhex(req.seed);
  for (let offset = 0; offset < req.bytes; offset += PIECE) {
    yield seedStream(seed, offset, Math.min(PIECE, req.bytes - offset));
  }
}

/** SHA-256 over the bytes an honest prover sends. */
export function bandwidthDigest(req: BandwidthRequest): string {
  const h = createHash("sha256");
  for (const piece of bandwidthPieces(req)) h.update(piece);
  return hex(h.digest());
}

export function verifyBandwidth(
  req: BandwidthRequest,
  received: { bytes: number; digest: string },
  elapsedMs: number,
  claimedMbps: number,
  p: BandwidthParams,
): BandwidthVerdict {
  const measuredMbps = Math.floor((received.bytes * 8) / (Math.max(elapsedMs, 1) * 1000));
  const fail = (failure: string): BandwidthVerdict => ({ provenMbps: 0, measuredMbps, failure });
  if (received.bytes !== req.bytes) return fail(`received ${received.bytes} bytes, asked ${req.bytes}`);
  if (elapsedMs > p.deadlineMs) return fail(`late: ${elapsedMs} ms > ${p.deadlineMs} ms`);
  if (received.digest !== bandwidthDigest(req)) return fail("the bytes are not the seed's");
  return { provenMbps: Math.min(claimedMbps, measuredMbps), measuredMbps };
}
