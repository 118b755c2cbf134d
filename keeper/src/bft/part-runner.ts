// Runs the checkpoint parts for the consensus host: their mesh access (PartHost), their
// FinalizeBlock on every decided height, and the prefetch of inputs a proposal names by hash.
import type { Logger } from "pino";
import type { CheckpointPart, PartHost } from "../checkpoint/part.js";
import type { CheckpointPayload, Commit } from "../checkpoint/payload.js";
import type { Gossip } from "../p2p/gossip.js";

export class PartRunner {
  private unsubscribe: Array<() => void> = [];

  constructor(
    readonly parts: readonly CheckpointPart[],
    private readonly m: {
      gossip: Gossip;
      logger: Logger;
      self: string;
      chainId: bigint;
      keys: { signer: { signingKey: { sign(digest: string): { serialized: string } } } };
      prefetchMs?: number;
    },
  ) {}

  async start(): Promise<void> {
    const g = this.m.gossip;
    const host: PartHost = {
      self: this.m.self,
      chainId: this.m.chainId,
      logger: this.m.logger,
      sign: (digest) => this.m.keys.signer.signingKey.sign(digest).serialized,
      subscribe: (topic, handler) => {
        const off = g.subscribe(topic, handler);
        this.unsubscribe.push(off);
        return off;
      },
      publish: async (topic, payload) => {
        try {
          await g.publish(topic, payload);
        } catch (err) {
          this.m.logger.debug({ topic: topic.name, err: (err as Error).message }, "part publish failed");
        }
      },
    };
    for (const part of this.parts) await part.start?.(host);
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    for (const part of [...this.parts].reverse()) await part.stop?.();
  }

  /** FinalizeBlock: every part applies its decided slice; a failing part never fails the height. */
  decided(payload: CheckpointPayload, commit: Commit): void {
    for (const part of this.parts) {
      if (!part.onDecided || !(part.name in payload.slices)) continue;
      try {
        part.onDecided({ header: payload.header, commit, slices: payload.slices }, payload.slices[part.name]);
      } catch (err) {
        this.m.logger.error({ part: part.name, err: (err as Error).message }, "part failed on a decided height");
      }
    }
  }

  /**
   * Parts fetch inputs a proposal names by hash, for at most `prefetchMs` (default 1 s);
   * undefined when no part needs to (then the proposal goes straight to the engine).
   */
  prefetch(payload: CheckpointPayload, from: string): Promise<void> | undefined {
    const ctx = { epoch: payload.header.epoch, height: payload.header.height, from };
    // a part with nothing to fetch for this slice returns undefined: the proposal then goes
    // straight to the engine, with no hop through the inbound queue
    const fetching = this.parts
      .filter((part) => part.prefetch && part.name in payload.slices)
      .map((part) => part.prefetch!(ctx, payload.slices[part.name]))
      .filter((f): f is Promise<void> => f !== undefined);
    if (fetching.length === 0) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.m.prefetchMs ?? 1_000)));
    return Promise.race([Promise.allSettled(fetching).then(() => undefined), deadline]).finally(() =>
      clearTimeout(timer),
    );
  }
}
