// Gossip topics: versioned ids (/openmesh/<name>/<version>), a zod schema for the payload, a
// size limit, and an optional async validator returning accept / ignore / reject.
import { z } from "zod";
import type { OperatorRecord } from "./directory.js";
import type { Envelope } from "./envelope.js";

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;

export type ValidationResult = "accept" | "ignore" | "reject";
export interface ValidationVerdict {
  result: ValidationResult;
  reason?: string;
  /**
   * Penalty points for the peer that sent it (penalties.ts), for useless but not provably invalid
   * input such as a stale consensus message; a reject is scored by gossipsub itself.
   */
  penalty?: number;
}

/** A message that passed every check, as handlers see it. */
export interface GossipMessage<T> {
  topic: string;
  /** operator address (checksummed) */
  from: string;
  /** the author's directory entry (active when the message is delivered) */
  sender: OperatorRecord;
  /** the peer that sent it to us (not necessarily its author) */
  propagationSource: string;
  /** the message id: a hash of the topic, the author and the payload (envelope.ts contentId) */
  contentId: string;
  payload: T;
  /** the signed envelope as received (what a keeper hands on outside gossip, e.g. a proposal) */
  envelope: Envelope;
}

export interface TopicSpec<T> {
  /** short name: "heartbeat" -> /openmesh/heartbeat/1 */
  name: string;
  version?: number;
  schema: z.ZodType<T>;
  /** envelope size limit in bytes (default 64 KiB) */
  maxBytes?: number;
  /**
   * Topic-specific checks after the envelope, sender and signature checked out. Method syntax
   * on purpose: specs of different payload types share one list.
   * - accept: deliver and forward
   * - ignore: drop without penalty (stale, duplicate in substance, sender inactive)
   * - reject: drop and score the sending peer down (provably invalid)
   */
  validate?(
    msg: GossipMessage<T>,
    opts: { signal: AbortSignal },
  ): ValidationResult | ValidationVerdict | Promise<ValidationResult | ValidationVerdict>;
  /**
   * For payloads that carry their author's own signature (consensus votes): the lowercase address
   * that signature recovers to (throws when it is malformed). The envelope then goes unsigned and
   * the author is checked from the payload: one recovery per message instead of two.
   */
  signerOf?(payload: T): string;
}

export function topicId(spec: Pick<TopicSpec<unknown>, "name" | "version">): string {
  return `/openmesh/${spec.name}/${spec.version ?? 1}`;
}

export function defineTopic<T>(spec: TopicSpec<T>): TopicSpec<T> {
  if (!/^[a-z][a-z0-9-]*$/.test(spec.name)) throw new Error(`bad topic name ${spec.name}`);
  return spec;
}

/** Clock skew tolerated on timestamps in gossip payloads. */
export const MAX_CLOCK_SKEW_MS = 30_000;

/**
 * Liveness beacon every keeper publishes. It binds the operator to the peer id it runs as:
 * a payload whose peerId differs from the directory entry of its signer is rejected.
 */
export const heartbeatTopic = defineTopic({
  name: "heartbeat",
  // 64 RTT entries of ~56 bytes each, escaped in the envelope, plus the signature
  maxBytes: 8192,
  schema: z.strictObject({
    peerId: z.string().min(1).max(128),
    seq: z.int().nonnegative(),
    sentAtMs: z.int().positive(),
    /** the sender's median RTT (ms) to the operators it pings: its row of the /mesh latency matrix */
    rttMs: z
      .array(z.tuple([z.string().regex(/^0x[0-9a-fA-F]{40}$/), z.int().nonnegative().max(600_000)]))
      .max(64)
      .optional(),
  }),
  validate(msg) {
    if (msg.payload.peerId !== msg.sender.peerId) return { result: "reject", reason: "peer id not the operator's" };
    if (Math.abs(Date.now() - msg.payload.sentAtMs) > MAX_CLOCK_SKEW_MS) return { result: "ignore", reason: "stale" };
    return "accept";
  },
});
export type Heartbeat = z.infer<typeof heartbeatTopic.schema>;
