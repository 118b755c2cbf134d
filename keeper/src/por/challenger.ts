// The verifier side: one challenge of every measure against one prover, turned into the report
// body this verifier signs. A wrong answer marks the measure failed (proven 0); no answer in time
// (dial failure, timeout, refusal) marks it missed (proven 0).
import { randomBytes } from "node:crypto";
import type { Libp2p, PeerId } from "@libp2p/interface";
import { lpStream } from "@libp2p/utils";
import { createHash } from "node:crypto";
import { RequestError, type ReqResp } from "../p2p/reqresp.js";
import { bandwidthRequest, verifyBandwidth } from "./bandwidth.js";
import { cpuChallenge, verifyCpu } from "./cpu.js";
import { hex } from "./hash.js";
import { latencyEcho, latencyNonce, verifyLatency } from "./latency.js";
import { memoryChallenge, memoryFillSeed, verifyMemory, walkRequest } from "./memory.js";
import { memoryBytesOf, memoryMiBOf, type Claims, type MeasureParams } from "./params.js";
import { BANDWIDTH_PROTOCOL, porProtocol, type PorRequest, type PorResponse } from "./protocol.js";
import { measureBit, type Measure, type PorReportBody } from "./report.js";
import { storageRequest, verifyStorage } from "./storage.js";

export interface ChallengeTarget {
  peerId: PeerId;
  operator: string;
  claims: Claims;
}

export interface ChallengeModules {
  libp2p: Libp2p;
  reqresp: ReqResp;
  params: MeasureParams;
}

export interface ChallengeOutcome {
  body: PorReportBody;
  /** why each failed or missed measure did */
  reasons: Partial<Record<Measure, string>>;
}

class Missed extends Error {
  override name = "Missed";
}

/** Runs every measure against `target` and returns the (unsigned) report body. */
export async function challenge(
  m: ChallengeModules,
  target: ChallengeTarget,
  ctx: { epoch: number; seed: string; verifier: string },
  signal?: AbortSignal,
): Promise<ChallengeOutcome> {
  const p = m.params;
  const reasons: ChallengeOutcome["reasons"] = {};
  let failed = 0;
  let missed = 0;
  const ask = async <K extends PorResponse["kind"]>(
    req: PorRequest & { kind: K },
    timeoutMs: number,
  ): Promise<{ res: Extract<PorResponse, { kind: K }>; ms: number }> => {
    const started = performance.now();
    try {
      const res = await m.reqresp.request(target.peerId, porProtocol, req, { timeoutMs, signal });
      if (res.kind !== req.kind) throw new Missed(`answered ${res.kind} to ${req.kind}`);
      return { res: res as Extract<PorResponse, { kind: K }>, ms: performance.now() - started };
    } catch (err) {
      if (err instanceof RequestError) throw new Missed(`${err.code}: ${err.message}`);
      throw err;
    }
  };
  const run = async <T>(measure: Measure, f: () => Promise<{ value: T; failure?: string }>, none: T): Promise<T> => {
    try {
      const { value, failure } = await f();
      if (failure !== undefined) {
        failed |= measureBit(measure);
        reasons[measure] = failure;
      }
      return value;
    } catch (err) {
      if (!(err instanceof Missed)) throw err;
      missed |= measureBit(measure);
      reasons[measure] = err.message;
      return none;
    }
  };
  // per-challenge randomness: the epoch seed fixes who challenges whom; what is asked is fresh
  const fresh = () => randomBytes(32);

  const latencyUs = await run(
    "latency",
    async () => {
      const samples: Array<number | undefined> = [];
      for (let i = 0; i < p.latency.samples; i++) {
        const nonce = latencyNonce();
        try {
          const { res, ms } = await ask({ kind: "ping", nonce }, p.latency.timeoutMs);
          samples.push(res.echo === latencyEcho(target.operator, nonce) ? ms * 1000 : undefined);
        } catch (err) {
          if (!(err instanceof Missed)) throw err;
          samples.push(undefined);
        }
        // requests are rate-limited per peer (5/s): space the samples
        await new Promise((r) => setTimeout(r, 220));
      }
      if (samples.every((s) => s === undefined)) throw new Missed("no echo came back");
      const v = verifyLatency(samples, p.latency);
      return { value: v.latencyUs, failure: v.failure };
    },
    0,
  );

  const cpuCores = await run(
    "cpu",
    async () => {
      const ch = cpuChallenge(fresh(), Math.min(target.claims.cpuCores, p.cpu.maxCores), p.cpu);
      const { res, ms } = await ask({ kind: "cpu", epoch: ctx.epoch, challenge: ch }, p.cpu.deadlineMs * 3);
      const v = verifyCpu(ch, res, ms, p.cpu);
      return { value: v.provenCores, failure: v.failure };
    },
    0,
  );

  const memoryMiB = await run(
    "memory",
    async () => {
      // the epoch's fill of this operator, shared by its k verifiers; the walk seed is this verifier's own
      const seed = memoryFillSeed(ctx.seed, target.operator, ctx.epoch);
      const ch = memoryChallenge(seed, memoryBytesOf(target.claims.memoryMiB, p), p.memory);
      const fill = await ask({ kind: "memory-fill", epoch: ctx.epoch, challenge: ch }, p.memory.fillDeadlineMs * 2);
      const walk = walkRequest(p.memory);
      const w = await ask({ kind: "memory-walk", seed: ch.seed, walk }, p.memory.walkDeadlineMs * 2);
      const v = verifyMemory(ch, fill.res, walk, w.res, { fillMs: fill.ms, walkMs: w.ms }, p.memory);
      return { value: memoryMiBOf(v.provenBytes, p), failure: v.failure };
    },
    0,
  );

  const storageGiB = await run(
    "storage",
    async () => {
      const { res: c } = await ask({ kind: "storage-root", epoch: ctx.epoch }, p.storage.deadlineMs * 2);
      const req = storageRequest(c, p.storage);
      const { res, ms } = await ask({ kind: "storage", epoch: ctx.epoch, request: req }, p.storage.deadlineMs * 2);
      const v = verifyStorage(target.operator, c, req, res, ms, p.storage);
      // never more than claimed: a larger data set proves the claim, no more
      return { value: Math.min(v.provenUnits, target.claims.storageGiB), failure: v.failure };
    },
    0,
  );

  const bandwidthMbps = await run(
    "bandwidth",
    async () => {
      const req = bandwidthRequest(target.claims.bandwidthMbps, p.bandwidth);
      const received = await receiveBandwidth(m.libp2p, target.peerId, req, p.bandwidth.deadlineMs * 2, signal);
      const v = verifyBandwidth(req, received, received.ms, target.claims.bandwidthMbps, p.bandwidth);
      return { value: v.provenMbps, failure: v.failure };
    },
    0,
  );

  return {
    body: {
      epoch: ctx.epoch,
      operator: target.operator.toLowerCase(),
      verifier: ctx.verifier.toLowerCase(),
      seed: ctx.seed,
      cpuCores,
      bandwidthMbps,
      memoryMiB,
      storageGiB,
      latencyUs,
      failed,
      missed,
    },
    reasons,
  };
}

/** Asks the prover for the seed's bytes and times them, from the request to the last byte. */
export async function receiveBandwidth(
  libp2p: Libp2p,
  peer: PeerId,
  req: { seed: string; bytes: number },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ bytes: number; digest: string; ms: number }> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const all = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const stream = await libp2p.dialProtocol(peer, BANDWIDTH_PROTOCOL, { signal: all });
    const lp = lpStream(stream, { maxDataLength: 128 * 1024 });
    const started = performance.now();
    await lp.write(new TextEncoder().encode(JSON.stringify(req)), { signal: all });
    const h = createHash("sha256");
    let bytes = 0;
    while (bytes < req.bytes) {
      const piece = (await lp.read({ signal: all })).subarray();
      h.update(piece);
      bytes += piece.length;
    }
    const ms = performance.now() - started;
    await stream.close({ signal: all }).catch(() => undefined);
    return { bytes, digest: hex(h.digest()), ms };
  } catch (err) {
    throw new Missed(`bandwidth: ${(err as Error).message}`);
  }
}
