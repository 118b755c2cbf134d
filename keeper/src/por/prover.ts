// The prover side of /openmesh/por/1 and /openmesh/por-bandwidth/1: answers the challenges of
// the verifiers assigned to this keeper. Heavy work (chains, a memory fill) runs one job at a
// time; the memory fill is one per epoch, kept for the walks of all its verifiers. A request that
// asks for more than this keeper claimed, or with other parameters than the network's, is
// refused, so a stranger cannot make it burn its cores.
import type { Libp2p, Stream } from "@libp2p/interface";
import { lpStream } from "@libp2p/utils";
import type { Logger } from "../observability/logger.js";
import type { ReqResp, RequestContext } from "../p2p/reqresp.js";
import { bandwidthPieces } from "./bandwidth.js";
import { proveCpu } from "./cpu.js";
import { latencyEcho } from "./latency.js";
import { hex } from "./hash.js";
import { MemoryProver, memoryFillSeed, type MemoryChallenge } from "./memory.js";
import { memoryBytesOf, type Claims, type MeasureParams } from "./params.js";
import {
  BANDWIDTH_PROTOCOL,
  BandwidthRequestSchema,
  porProtocol,
  type PorRequest,
  type PorResponse,
} from "./protocol.js";
import type { StorageDataset } from "./storage.js";

export interface ProverModules {
  libp2p: Libp2p;
  reqresp: ReqResp;
  logger: Logger;
  operator: string;
  params: MeasureParams;
  /** this keeper's claims on chain (bounds what it agrees to prove) */
  claims: () => Claims | undefined;
  /** may this peer challenge us now (an assigned verifier of the current epoch)? */
  authorize: (peerId: string) => boolean;
  /** the storage data set, once made */
  dataset: () => StorageDataset | undefined;
  /** the seed of a current or previous epoch (undefined for any other): memory fills are per epoch */
  epochSeed: (epoch: number) => string | undefined;
  /** the verifiers that will walk an epoch's fill (it is dropped once they all did) */
  verifierCount: (epoch: number) => number;
  /** how long a fill is kept after its last use at most (the epoch's challenge window) */
  fillHoldMs: number;
}

/** The epoch's memory fill, shared by the walks of its verifiers (memory.ts, memoryFillSeed). */
interface HeldFill {
  epoch: number;
  seed: string;
  prover: Promise<MemoryProver>;
  walkedBy: Set<string>;
  timer?: NodeJS.Timeout;
}

export class PorRefusedError extends Error {
  override name = "PorRefusedError";
}

/** A one-slot lock: heavy challenges run one after another. */
class Lock {
  private tail: Promise<void> = Promise.resolve();
  run<T>(f: () => Promise<T>): Promise<T> {
    const result = this.tail.then(f);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

export class PorProver {
  private readonly heavy = new Lock();
  /** the one memory fill kept: this epoch's (a newer epoch's replaces it) */
  private memory?: HeldFill;
  /** memory fills made so far (one per epoch when all goes well; /por, tests) */
  fillsMade = 0;

  constructor(private readonly m: ProverModules) {}

  async start(): Promise<void> {
    await this.m.reqresp.handle(porProtocol, (req, ctx) => this.answer(req, ctx));
    await this.m.libp2p.handle(BANDWIDTH_PROTOCOL, (stream, connection) =>
      this.sendBandwidth(stream, connection.remotePeer.toString()),
    );
  }

  async stop(): Promise<void> {
    await this.m.libp2p.unhandle(BANDWIDTH_PROTOCOL);
    this.dropMemory();
  }

  private refuse(why: string): never {
    throw new PorRefusedError(why);
  }

  async answer(req: PorRequest, ctx: RequestContext): Promise<PorResponse> {
    if (!this.m.authorize(ctx.peer)) this.refuse("not an assigned verifier");
    const p = this.m.params;
    const claims = this.m.claims() ?? this.refuse("no claims on chain");
    switch (req.kind) {
      case "ping":
        return { kind: "ping", echo: latencyEcho(this.m.operator, req.nonce) };
      case "cpu": {
        const c = req.challenge;
        if (c.chains > Math.min(claims.cpuCores, p.cpu.maxCores)) this.refuse(`${c.chains} chains: more than claimed`);
        if (c.chainLength !== p.cpu.chainLength || c.checkpoints !== p.cpu.checkpoints) this.refuse("cpu parameters");
        return this.heavy.run(async () => ({ kind: "cpu", ...(await proveCpu(c, ctx.signal)) }));
      }
      case "memory-fill": {
        const c = req.challenge;
        if (c.blockBytes !== p.memory.blockBytes) this.refuse("memory parameters");
        if (c.blocks * c.blockBytes > memoryBytesOf(claims.memoryMiB, p)) this.refuse("more memory than claimed");
        const epochSeed = this.m.epochSeed(req.epoch) ?? this.refuse(`epoch ${req.epoch} is not current`);
        if (c.seed !== hex(memoryFillSeed(epochSeed, this.m.operator, req.epoch)))
          this.refuse("not the epoch's fill seed");
        const held = this.holdFill(req.epoch, c);
        return { kind: "memory-fill", ...(await held.prover).commitment() };
      }
      case "memory-walk": {
        const held = this.memory;
        if (!held || held.seed !== req.seed) this.refuse("no memory fill for that seed");
        if (req.walk.lookups !== p.memory.lookups) this.refuse("memory parameters");
        const prover = await held.prover;
        const answer = prover.walk(req.walk);
        held.walkedBy.add(ctx.peer);
        if (held.walkedBy.size >= this.m.verifierCount(held.epoch)) this.dropMemory();
        else this.keepFor(held);
        return { kind: "memory-walk", ...answer };
      }
      case "storage-root": {
        const d = this.m.dataset() ?? this.refuse("no storage data set yet");
        return { kind: "storage-root", ...d.commitment() };
      }
      case "storage": {
        const d = this.m.dataset() ?? this.refuse("no storage data set yet");
        if (req.request.indices.length > p.storage.challenges) this.refuse("too many chunks asked");
        return { kind: "storage", ...(await d.answer(req.request)) };
      }
    }
  }

  /**
   * The epoch's fill for `c`, made once (under the heavy lock: one heavy job at a time) and shared
   * by every verifier's walk. Only one fill is kept: a newer one replaces it (the claim is the
   * machine's memory, there is no room for two).
   */
  private holdFill(epoch: number, c: MemoryChallenge): HeldFill {
    const held = this.memory;
    if (held && held.seed === c.seed) {
      this.keepFor(held);
      return held;
    }
    // a late verifier of the previous epoch does not evict the current epoch's fill
    if (held && held.epoch > epoch) this.refuse(`the fill of epoch ${held.epoch} is held`);
    this.dropMemory();
    const fresh: HeldFill = {
      epoch,
      seed: c.seed,
      prover: this.heavy.run(() => {
        this.fillsMade++;
        return MemoryProver.fillAsync(c);
      }),
      walkedBy: new Set(),
    };
    // a failed fill is not kept: the next request tries again
    fresh.prover.catch(() => {
      if (this.memory === fresh) this.dropMemory();
    });
    this.memory = fresh;
    this.keepFor(fresh);
    return fresh;
  }

  private keepFor(held: HeldFill): void {
    clearTimeout(held.timer);
    held.timer = setTimeout(() => {
      if (this.memory === held) this.dropMemory();
    }, this.m.fillHoldMs);
  }

  private dropMemory(): void {
    const held = this.memory;
    this.memory = undefined;
    if (held) clearTimeout(held.timer);
  }

  private async sendBandwidth(stream: Stream, peer: string): Promise<void> {
    const signal = AbortSignal.timeout(this.m.params.bandwidth.deadlineMs + 5_000);
    try {
      const lp = lpStream(stream, { maxDataLength: 1024 });
      const req = BandwidthRequestSchema.parse(
        JSON.parse(new TextDecoder().decode((await lp.read({ signal })).subarray())),
      );
      if (!this.m.authorize(peer)) throw new PorRefusedError("not an assigned verifier");
      if (req.bytes > this.m.params.bandwidth.maxBytes) throw new PorRefusedError("too many bytes asked");
      for (const piece of bandwidthPieces(req)) await lp.write(piece, { signal });
      await stream.close({ signal });
    } catch (err) {
      this.m.logger.debug({ peer, err: (err as Error).message }, "por bandwidth request refused");
      stream.abort(err as Error);
    }
  }
}
