// Proof-of-Resource parameters (keeper/src/por, docs/por.md). Defaults are small local values:
// several keepers share one machine in tests and the demo, so memory and storage are proven at
// 1/sizeDivisor of the claim and deadlines are generous. A mainnet config sets sizeDivisor 1 and
// the governed values (docs/por.md, "Parameters").
import { z } from "zod";

const ms = z.int().positive();

export const PorConfigSchema = z.strictObject({
  /** challenge others and answer challenges (off: this keeper is never proven, nor proves anyone) */
  enabled: z.boolean().default(false),
  /**
   * verifiers per operator per epoch, the reports a leaf needs, and the fault tolerance: governed on
   * chain (EvidenceHandler.porRules, read at each epoch's start block); these are only the fallback
   * of a chain reader that offers no rules (unit tests)
   */
  verifiers: z.int().min(1).max(16).default(3),
  quorum: z.int().min(1).max(16).default(2),
  /** a measure proven below claim x (1 - this / 100) two epochs in a row is a fault (faultsRoot) */
  faultTolerancePct: z.int().min(0).max(100).default(20),
  /** challenges start at a per-(operator, verifier) offset in [0, staggerMs) after the epoch starts */
  staggerMs: ms.default(20_000),
  /** a challenge with a missed measure is run again this many times, retryMs apart */
  retries: z.int().min(0).max(10).default(3),
  retryMs: ms.default(5_000),
  cpu: z
    .strictObject({
      chainLength: z.int().min(16).default(20_000),
      checkpoints: z.int().min(1).max(64).default(8),
      spotChecks: z.int().min(1).max(64).default(4),
      deadlineMs: ms.default(10_000),
      /** the most chains a prover runs for one challenge */
      maxCores: z.int().min(1).max(1024).default(64),
    })
    .prefault({}),
  memory: z
    .strictObject({
      /** a multiple of 16 (the fill works in AES blocks) */
      blockBytes: z
        .int()
        .min(64)
        .max(1 << 20)
        .multipleOf(16)
        .default(1024),
      lookups: z.int().min(1).max(256).default(16),
      fillDeadlineMs: ms.default(20_000),
      walkDeadlineMs: ms.default(2_000),
      sizeDivisor: z.int().min(1).default(1024),
    })
    .prefault({}),
  storage: z
    .strictObject({
      chunkBytes: z
        .int()
        .min(64)
        .max(1 << 20)
        .default(4096),
      chunkWork: z.int().min(1).default(2_000),
      challenges: z.int().min(1).max(256).default(32),
      derivationChecks: z.int().min(0).max(256).default(4),
      deadlineMs: ms.default(2_000),
      sizeDivisor: z.int().min(1).default(1024),
      /** GiB of data set this keeper keeps (default: its claim on chain) */
      keepGiB: z.int().min(0).optional(),
    })
    .prefault({}),
  bandwidth: z
    .strictObject({
      seconds: z.number().positive().max(60).default(0.25),
      minBytes: z
        .int()
        .min(16)
        .default(64 * 1024),
      maxBytes: z
        .int()
        .min(16)
        .default(16 * 1024 * 1024),
      deadlineMs: ms.default(10_000),
    })
    .prefault({}),
  latency: z.strictObject({ samples: z.int().min(1).max(64).default(5), timeoutMs: ms.default(2_000) }).prefault({}),
});

export type PorConfig = z.infer<typeof PorConfigSchema>;
