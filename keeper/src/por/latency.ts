// Latency: round trips from the verifier to the prover, each echoing a fresh nonce bound to the
// prover's operator address (an answer cannot leave before the nonce arrived, and one prover's
// answer is not another's). The verifier's value is the median of its samples, in microseconds.
// It proves an upper bound on the distance between the two keepers at that time, nothing more:
// a prover can always look slower, never faster.
import { randomBytes } from "node:crypto";
import { hex, sha256, unhex } from "./hash.js";

export interface LatencyParams {
  samples: number;
  /** a sample slower than this counts as lost */
  timeoutMs: number;
}

export interface LatencyVerdict {
  latencyUs: number;
  failure?: string;
}

export function latencyNonce(): string {
  return hex(randomBytes(16));
}

/** The prover's echo of a nonce. */
export function latencyEcho(operator: string, nonce: string): string {
  return hex(sha256(unhex(nonce), Buffer.from(operator.toLowerCase())));
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error("median of nothing");
  const s = [...values].sort((a, b) => a - b);
  // the lower middle for an even count: deterministic, and it never invents a value
  return s[(s.length - 1) >> 1]!;
}

/** Samples are round trips in µs, or undefined for a lost / wrong echo. Half of them must come back. */
export function verifyLatency(samples: Array<number | undefined>, p: LatencyParams): LatencyVerdict {
  const good = samples.filter((s): s is number => s !== undefined && s <= p.timeoutMs * 1000);
  if (good.length * 2 < p.samples) return { latencyUs: 0, failure: `${good.length} of ${p.samples} echoes came back` };
  return { latencyUs: Math.round(median(good)) };
}
