// CPU: c parallel sequential hash chains seeded by the challenge. Each chain is `chainLength`
// SHA-256 steps, cut into `checkpoints` segments; the prover returns every segment's end hash and
// the verifier recomputes a few random segments. One chain cannot be split across cores (each
// step needs the previous one), so finishing c chains before the deadline takes c cores (or one
// core c times faster than the reference). Proven cores: c when every chain is right and on time,
// c x deadline / elapsed (the throughput actually shown) when late, 0 when a checked segment is wrong.
import { randomInt } from "node:crypto";
import { Worker } from "node:worker_threads";
import { deriveSeed, hashChain, hex, u32, unhex, type Bytes } from "./hash.js";

export interface CpuParams {
  /** SHA-256 steps per chain */
  chainLength: number;
  /** segment ends returned per chain (the last is the chain's end) */
  checkpoints: number;
  /** segments the verifier recomputes */
  spotChecks: number;
  /** time allowed for all chains, request to answer */
  deadlineMs: number;
}

export interface CpuChallenge {
  /** 0x-hex 32 bytes, fresh per challenge */
  seed: string;
  /** the cores claimed: one chain per core */
  chains: number;
  chainLength: number;
  checkpoints: number;
}

/** ends[chain][segment], 0x-hex */
export interface CpuAnswer {
  ends: string[][];
}

export interface CpuVerdict {
  provenCores: number;
  /** why the answer was refused (provenCores 0), if it was */
  failure?: string;
  late: boolean;
}

export function cpuChallenge(seed: Bytes, chains: number, p: CpuParams): CpuChallenge {
  return { seed: hex(seed), chains, chainLength: p.chainLength, checkpoints: p.checkpoints };
}

function chainStart(seed: string, chain: number): Buffer {
  return deriveSeed("cpu", unhex(seed), u32(chain));
}

function segmentLength(ch: CpuChallenge): number {
  return Math.floor(ch.chainLength / ch.checkpoints);
}

/** One chain's segment ends, computed on this thread (the verifier's reference; tests). */
export function computeChain(ch: CpuChallenge, chain: number): string[] {
  const ends: string[] = [];
  let x = chainStart(ch.seed, chain);
  for (let s = 0; s < ch.checkpoints; s++) ends.push(hex((x = hashChain(x, segmentLength(ch)))));
  return ends;
}

/** Checks the answer's shape, recomputes `spotChecks` random segments, and turns time into cores. */
export function verifyCpu(
  ch: CpuChallenge,
  answer: CpuAnswer,
  elapsedMs: number,
  p: CpuParams,
  pick: (n: number) => number = (n) => randomInt(n),
): CpuVerdict {
  const fail = (failure: string): CpuVerdict => ({ provenCores: 0, failure, late: elapsedMs > p.deadlineMs });
  if (answer.ends.length !== ch.chains) return fail(`${answer.ends.length} chains, expected ${ch.chains}`);
  if (answer.ends.some((e) => e.length !== ch.checkpoints || e.some((h) => !/^0x[0-9a-f]{64}$/.test(h)))) {
    return fail("malformed chain ends");
  }
  const len = segmentLength(ch);
  for (let i = 0; i < p.spotChecks; i++) {
    const chain = pick(ch.chains);
    const seg = pick(ch.checkpoints);
    const from = seg === 0 ? chainStart(ch.seed, chain) : unhex(answer.ends[chain]![seg - 1]!);
    if (hex(hashChain(from, len)) !== answer.ends[chain]![seg]) return fail(`chain ${chain} segment ${seg} is wrong`);
  }
  if (elapsedMs <= p.deadlineMs) return { provenCores: ch.chains, late: false };
  return { provenCores: Math.floor((ch.chains * p.deadlineMs) / elapsedMs), late: true };
}

// The prover's worker: plain JavaScript (eval), so it runs the same under tsx and compiled code.
// It mirrors computeChain (deriveSeed("cpu", seed, u32(chain)) then segments of hashChain);
// tests pin the two to each other.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createHash, hash } = require("node:crypto");
const { seed, chain, segment, checkpoints } = workerData;
const idx = Buffer.alloc(4); idx.writeUInt32BE(chain);
let x = createHash("sha256").update(new TextEncoder().encode("openmesh/por/cpu")).update(Buffer.from(seed.slice(2), "hex")).update(idx).digest();
const ends = [];
for (let s = 0; s < checkpoints; s++) {
  for (let i = 0; i < segment; i++) x = hash("sha256", x, "buffer");
  ends.push("0x" + x.toString("hex"));
}
parentPort.postMessage(ends);
`;

function chainInWorker(ch: CpuChallenge, chain: number, signal?: AbortSignal): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { seed: ch.seed, chain, segment: segmentLength(ch), checkpoints: ch.checkpoints },
    });
    const abort = () => void w.terminate().then(() => reject(new Error("cpu proof aborted")));
    signal?.addEventListener("abort", abort, { once: true });
    w.once("message", (ends: string[]) => {
      signal?.removeEventListener("abort", abort);
      void w.terminate();
      resolve(ends);
    });
    w.once("error", reject);
  });
}

/** The honest prover: every chain on its own worker thread, all at once (one per claimed core). */
export async function proveCpu(ch: CpuChallenge, signal?: AbortSignal): Promise<CpuAnswer> {
  const ends = await Promise.all(Array.from({ length: ch.chains }, (_, c) => chainInWorker(ch, c, signal)));
  return { ends };
}
