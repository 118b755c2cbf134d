// A verifier's signed report on one operator for one epoch: what each measure proved, and which
// measures it failed (a wrong answer: fraud) or missed (no answer in time). Signed EIP-712 by the
// verifier's operator signer key over the CheckpointStore domain, like votes, so every validator
// checks a report the same way and anyone can check it on chain later.
import { TypedDataEncoder, getBytes, type TypedDataDomain } from "ethers";
import { z } from "zod";
import { recoverDigestSigner, signDigest } from "../crypto/ecdsa.js";

export const MEASURES = ["cpu", "memory", "storage", "bandwidth", "latency"] as const;
export type Measure = (typeof MEASURES)[number];

/** Bit of a measure in the failed / missed masks. */
export const measureBit = (m: Measure): number => 1 << MEASURES.indexOf(m);

export const REPORT_TYPES = {
  PorReport: [
    { name: "epoch", type: "uint64" },
    { name: "operator", type: "address" },
    { name: "verifier", type: "address" },
    { name: "seed", type: "bytes32" },
    { name: "cpuCores", type: "uint32" },
    { name: "bandwidthMbps", type: "uint32" },
    { name: "memoryMiB", type: "uint64" },
    { name: "storageGiB", type: "uint64" },
    { name: "latencyUs", type: "uint32" },
    { name: "failed", type: "uint8" },
    { name: "missed", type: "uint8" },
  ],
};

const address = z.string().regex(/^0x[0-9a-f]{40}$/, "lowercase address");
const u32 = z.int().min(0).max(0xffffffff);
const u53 = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

export const PorReportSchema = z.strictObject({
  epoch: u53,
  operator: address,
  verifier: address,
  seed: z.string().regex(/^0x[0-9a-f]{64}$/),
  cpuCores: u32,
  bandwidthMbps: u32,
  memoryMiB: u53,
  storageGiB: u53,
  latencyUs: u32,
  failed: z.int().min(0).max(0x1f),
  missed: z.int().min(0).max(0x1f),
});
export type PorReportBody = z.infer<typeof PorReportSchema>;

export const SignedPorReportSchema = z.strictObject({
  report: PorReportSchema,
  signature: z.string().regex(/^0x[0-9a-f]{130}$/),
});
export type SignedPorReport = z.infer<typeof SignedPorReportSchema>;

export function reportDigest(domain: TypedDataDomain, r: PorReportBody): string {
  return TypedDataEncoder.hash(domain, REPORT_TYPES, r);
}

export function signReport(domain: TypedDataDomain, r: PorReportBody, signerKey: string): SignedPorReport {
  return { report: r, signature: signDigest(getBytes(signerKey), reportDigest(domain, r)) };
}

/** The lowercase address that signed the report (throws on a malformed signature). */
export function reportSigner(domain: TypedDataDomain, s: SignedPorReport): string {
  return recoverDigestSigner(reportDigest(domain, s.report), s.signature);
}

/** A report's id: its digest (one report per content, whatever the bytes carrying it). */
export const reportId = (domain: TypedDataDomain, s: SignedPorReport): string => reportDigest(domain, s.report);
