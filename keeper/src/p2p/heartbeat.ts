// Publishes this keeper's signed heartbeat and remembers when each operator was last heard.
// The liveness data the failure detector and livenessRoot build on.
import type { Logger } from "../observability/logger.js";
import type { Gossip } from "./gossip.js";
import { heartbeatTopic } from "./topics.js";

export interface HeartbeatSeen {
  peerId: string;
  seq: number;
  sentAtMs: number;
  receivedAtMs: number;
}

export class HeartbeatService {
  private timer?: ReturnType<typeof setInterval>;
  private seq = 0;
  private unsubscribe?: () => void;
  private readonly seen = new Map<string, HeartbeatSeen>();

  constructor(private readonly modules: { gossip: Gossip; peerId: string; intervalMs: number; logger: Logger }) {}

  /** operator address -> last heartbeat received from it */
  get lastSeen(): ReadonlyMap<string, HeartbeatSeen> {
    return this.seen;
  }

  start(): void {
    this.unsubscribe = this.modules.gossip.subscribe(heartbeatTopic, (msg) => {
      const previous = this.seen.get(msg.from);
      if (previous && previous.seq >= msg.payload.seq && previous.sentAtMs >= msg.payload.sentAtMs) return;
      this.seen.set(msg.from, { ...msg.payload, receivedAtMs: Date.now() });
    });
    this.timer = setInterval(() => void this.beat(), this.modules.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
  }

  async beat(): Promise<void> {
    try {
      await this.modules.gossip.publish(heartbeatTopic, {
        peerId: this.modules.peerId,
        seq: this.seq++,
        sentAtMs: Date.now(),
      });
    } catch (err) {
      this.modules.logger.warn({ err: (err as Error).message }, "heartbeat publish failed");
    }
  }
}
