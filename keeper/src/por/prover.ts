// The prover side of /openmesh/por/1 and /openmesh/por-bandwidth/1: answers the challenges of
// the verifiers assigned to this keeper. Heavy work (chains, a memory fill until its walk) runs
// one challenge at a time; a request that asks for more than this keeper claimed, or with other
// parameters than the network's, is refused, so a stranger cannot make it burn its cores.
import type { Libp2p, Stream } from "@libp2p/interface";
import { lpStream } from "@libp2p/utils";
import type { Logger } from "../observability/logger.js";
import type { ReqResp, RequestContext } from "../p2p/reqresp.js";
import { bandwidthPieces } from "./bandwidth.js";
import { proveCpu } from "./cpu.js";
import { latencyEcho } from "./latency.js";
import { MemoryProver } from "./memory.js";
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
  /** the memory fill waiting for its walk, by challenge seed */
  private memory?: { prover: MemoryProver; release: () => void; timer: NodeJS.Timeout };

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
        // the lock is held from the fill until its walk (or the walk's deadline): one fill in memory at a time
        return new Promise<PorResponse>((resolve, reject) => {
          void this.heavy
            .run(async () => {
              const prover = await MemoryProver.fillAsync(c);
              const released = new Promise<void>((release) => {
                const timer = setTimeout(() => this.dropMemory(), p.memory.walkDeadlineMs + 5_000);
                this.memory = { prover, timer, release };
              });
              resolve({ kind: "memory-fill", ...prover.commitment() });
              await released;
            })
            .catch((err: unknown) => reject(err as Error));
        });
      }
      case "memory-walk": {
        const held = this.memory;
        if (!held || held.prover.ch.seed !== req.seed) this.refuse("no memory fill for that seed");
        if (req.walk.lookups !== p.memory.lookups) this.refuse("memory parameters");
        const answer = held.prover.walk(req.walk);
        this.dropMemory();
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

  private dropMemory(): void {
    const held = this.memory;
    this.memory = undefined;
    if (held) {
      clearTimeout(held.timer);
      held.release();
    }
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
