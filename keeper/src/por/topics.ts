// How reports travel: gossip on /openmesh/por-report/1 (each report carries its verifier's
// signature, so the envelope goes unsigned and gossip checks the author from the report), and
// /openmesh/por-reports/1 to fetch reports by id (a validator missing a report a proposal names).
import type { TypedDataDomain } from "ethers";
import { z } from "zod";
import type { ProtocolSpec } from "../p2p/reqresp.js";
import { defineTopic, type TopicSpec, type ValidationVerdict } from "../p2p/topics.js";
import { reportSigner, SignedPorReportSchema, type SignedPorReport } from "./report.js";

/** Late-bound checks: the topic is declared when the p2p node is made, the pool exists later. */
export interface ReportGate {
  check?: (s: SignedPorReport) => Promise<ValidationVerdict>;
}

export function porReportTopic(domain: TypedDataDomain, gate: ReportGate): TopicSpec<SignedPorReport> {
  return defineTopic({
    name: "por-report",
    maxBytes: 2 * 1024,
    schema: SignedPorReportSchema,
    signerOf: (s) => reportSigner(domain, s),
    validate: async (msg) => (gate.check ? gate.check(msg.payload) : { result: "ignore", reason: "PoR not running" }),
  });
}

const id = z.string().regex(/^0x[0-9a-f]{64}$/);

export const reportFetchProtocol: ProtocolSpec<{ ids: string[] }, { reports: SignedPorReport[] }> = {
  name: "por-reports",
  request: z.strictObject({ ids: z.array(id).max(256) }),
  response: z.strictObject({ reports: z.array(SignedPorReportSchema).max(256) }),
  maxRequestBytes: 24 * 1024,
  maxResponseBytes: 512 * 1024,
};
