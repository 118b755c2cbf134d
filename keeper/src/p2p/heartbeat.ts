// Publishes this keeper's signed heartbeat and remembers when each operator was last heard.
// The liveness data the failure detector and livenessRoot build on.
import type { Logger } from "../observability/logger.js";
import type { Gossip } from "./gossip.js";
import { heartbeatTopic, type Heartbeat } from "./topics.js";

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

  constructor(
    private readonly modules: {
      gossip: Gossip;
      peerId: string;
      intervalMs: number;
      logger: Logger;
      /** every new heartbeat received, by operator (the mesh monitor) */
      onHeartbeat?: (operator: string, heartbeat: Heartbeat) => void;
      /** this keeper's RTT row, sent with every `rttEvery`-th heartbeat (default 10: rows change slowly) */
      rttRow?: () => Array<[string, number]>;
      rttEvery?: number;
    },
  ) {}

  /** operator address -> last heartbeat received from it */
  get lastSeen(): ReadonlyMap<string, HeartbeatSeen> {
    return this.seen;
  }

  start(): void {
    this.unsubscribe = this.modules.gossip.subscribe(heartbeatTopic, (msg) => {
      const previous = this.seen.get(msg.from);
      if (previous && previous.seq >= msg.payload.seq && previous.sentAtMs >= msg.payload.sentAtMs) return;
      const { peerId, seq, sentAtMs } = msg.payload;
      this.seen.set(msg.from, { peerId, seq, sentAtMs, receivedAtMs: Date.now() });
      this.modules.onHeartbeat?.(msg.from, msg.payload);
    });
    this.timer = setInterval(() => void this.beat(), this.modules.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
  }

  async beat(): Promise<void> {
    const seq = this.seq++;
    const withRow = this.modules.rttRow && seq % (this.modules.rttEvery ?? 10) === 1;
    try {
      await this.modules.gossip.publish(heartbeatTopic, {
        peerId: this.modules.peerId,
        seq,
        sentAtMs: Date.now(),
        ...(withRow ? { rttMs: this.modules.rttRow!() } : {}),
      });
    } catch (err) {
      this.modules.logger.warn({ err: (err as Error).message }, "heartbeat publish failed");
    }
  }
}
