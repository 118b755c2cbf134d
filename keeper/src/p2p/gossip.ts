// Gossip on top of gossipsub: publish signed envelopes, validate every inbound message before
// gossipsub forwards it (envelope -> sender -> signature -> schema -> topic validator), and hand
// accepted messages to subscribers. A bad message is rejected (gossipsub scores its sender
// down), logged with the peer id and counted; nothing a peer sends can throw out of here.
// gossipsub's message id is gossipMessageId (the envelope's contentId), so a message gossipsub
// has seen is dropped as a duplicate before any validation, whatever its envelope bytes.
import { createHash } from "node:crypto";
import type { GossipSub, Message } from "@libp2p/gossipsub";
import type { PeerId } from "@libp2p/interface";
import type { Logger } from "../observability/logger.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import { isActive, type OperatorDirectory } from "./directory.js";
import {
  contentId,
  encodeEnvelope,
  EnvelopeError,
  parseEnvelope,
  parsePayload,
  recoverEnvelopeSigner,
  type Envelope,
  type EnvelopeSigner,
} from "./envelope.js";
import { GOSSIP_PEER_LIMIT, MAX_GOSSIP_RPC_BYTES, RATE_LIMIT_PENALTY, REJECT_PENALTY } from "./options.js";
import type { PeerGuard } from "./peer-guard.js";
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  topicId,
  type GossipMessage,
  type TopicSpec,
  type ValidationResult,
  type ValidationVerdict,
} from "./topics.js";

/** gossipsub's own TopicValidatorResult values (a string enum: "accept" / "ignore" / "reject"). */
type GossipsubVerdict = Awaited<ReturnType<NonNullable<ReturnType<GossipSub["topicValidators"]["get"]>>>>;

export type GossipHandler<T> = (msg: GossipMessage<T>) => void | Promise<void>;

/** Envelopes parsed while computing a message's id, picked up by the validator (one parse per message). */
const parsedEnvelopes = new WeakMap<Message, { envelope: Envelope; id: string } | EnvelopeError>();

/**
 * gossipsub's msgIdFn: the envelope's contentId (topic, author, payload text) as bytes. A message
 * that does not parse gets the hash of its raw bytes: the validator rejects it.
 */
export function gossipMessageId(msg: Message): Uint8Array {
  try {
    const envelope = parseEnvelope(msg.data, MAX_GOSSIP_RPC_BYTES);
    const id = contentId(msg.topic, envelope);
    parsedEnvelopes.set(msg, { envelope, id });
    return Buffer.from(id, "hex");
  } catch (err) {
    if (err instanceof EnvelopeError) parsedEnvelopes.set(msg, err);
    return createHash("sha256").update("raw\n").update(msg.data).digest();
  }
}

export interface GossipModules {
  pubsub: GossipSub;
  directory: OperatorDirectory;
  signer: EnvelopeSigner;
  topics: Array<TopicSpec<unknown>>;
  logger: Logger;
  metrics: KeeperMetrics;
  /** rate limits, bounded rejection logs and penalty points per peer */
  guard: PeerGuard;
  /** a topic validator running longer than this is treated as "ignore" */
  validationTimeoutMs?: number;
}

export class UnknownTopicError extends Error {
  override name = "UnknownTopicError";
}

export class Gossip {
  private readonly specs = new Map<string, TopicSpec<unknown>>();
  private readonly handlers = new Map<string, Set<GossipHandler<unknown>>>();
  /** accepted messages, decoded once in the validator, picked up by the delivery event */
  private readonly accepted = new WeakMap<Message, GossipMessage<unknown>>();
  private readonly validationTimeoutMs: number;
  private started = false;

  constructor(private readonly modules: GossipModules) {
    for (const spec of modules.topics) this.specs.set(topicId(spec), spec);
    this.validationTimeoutMs = modules.validationTimeoutMs ?? 2_000;
  }

  /** Topic ids this keeper can speak, for score parameters at libp2p creation. */
  static topicIds(topics: Array<TopicSpec<unknown>>): string[] {
    return topics.map(topicId);
  }

  start(): void {
    const { pubsub } = this.modules;
    for (const id of this.specs.keys()) {
      pubsub.topicValidators.set(id, (peer, msg) => this.validate(peer, msg));
    }
    pubsub.addEventListener("gossipsub:message", this.onMessage);
    // Subscriptions made before start (wiring time) join their topics now.
    for (const id of this.handlers.keys()) pubsub.subscribe(id);
    this.started = true;
  }

  stop(): void {
    const { pubsub } = this.modules;
    this.started = false;
    pubsub.removeEventListener("gossipsub:message", this.onMessage);
    for (const id of this.specs.keys()) {
      pubsub.topicValidators.delete(id);
      if (pubsub.getTopics().includes(id)) pubsub.unsubscribe(id);
    }
    this.handlers.clear();
  }

  private spec<T>(topic: TopicSpec<T> | string): [string, TopicSpec<unknown>] {
    const id = typeof topic === "string" ? topic : topicId(topic);
    const spec = this.specs.get(id);
    if (!spec) throw new UnknownTopicError(`topic ${id} was not declared when the node was created`);
    return [id, spec];
  }

  /** Subscribes to a declared topic (before or after start); returns an unsubscribe function. */
  subscribe<T>(topic: TopicSpec<T>, handler: GossipHandler<T>): () => void {
    const [id] = this.spec(topic);
    let set = this.handlers.get(id);
    if (!set) {
      set = new Set();
      this.handlers.set(id, set);
      if (this.started) this.modules.pubsub.subscribe(id);
    }
    const h = handler as GossipHandler<unknown>;
    set.add(h);
    return () => {
      set.delete(h);
      if (set.size === 0) {
        this.handlers.delete(id);
        if (this.started) this.modules.pubsub.unsubscribe(id);
      }
    };
  }

  /** Signs and publishes; resolves with how many peers it was sent to. */
  async publish<T>(topic: TopicSpec<T>, payload: T): Promise<number> {
    return this.publishSealed(topic, this.seal(topic, payload));
  }

  /** The signed envelope of a payload, as publish sends it (signing is deterministic: same bytes each time). */
  seal<T>(topic: TopicSpec<T>, payload: T): Uint8Array {
    const [id, spec] = this.spec(topic);
    return encodeEnvelope(this.modules.signer, id, payload, spec.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES, {
      unsigned: spec.signerOf !== undefined,
      schema: spec.schema,
    });
  }

  /** Publishes an envelope from seal(); resolves with how many peers it was sent to. */
  async publishSealed<T>(topic: TopicSpec<T>, data: Uint8Array): Promise<number> {
    const [id] = this.spec(topic);
    try {
      const { recipients } = await this.modules.pubsub.publish(id, data);
      this.modules.metrics.gossipMessagesTotal.inc({ topic: id, direction: "out", result: "published" });
      return recipients.length;
    } catch (err) {
      this.modules.metrics.gossipMessagesTotal.inc({ topic: id, direction: "out", result: "error" });
      throw err;
    }
  }

  /** Subscribers of a topic as gossipsub knows them (peer id strings). */
  subscribers<T>(topic: TopicSpec<T>): string[] {
    const [id] = this.spec(topic);
    return this.modules.pubsub.getSubscribers(id).map((p) => p.toString());
  }

  private async validate(peer: PeerId, msg: Message): Promise<GossipsubVerdict> {
    const started = performance.now();
    const topic = msg.topic;
    const peerStr = peer.toString();
    let verdict: ValidationVerdict;
    let from: string | undefined;
    if (!this.modules.guard.allow(peerStr, "gossip", GOSSIP_PEER_LIMIT, msg.data.length, RATE_LIMIT_PENALTY)) {
      parsedEnvelopes.delete(msg);
      this.modules.metrics.gossipMessagesTotal.inc({ topic, direction: "in", result: "ignore" });
      return "ignore" as GossipsubVerdict;
    }
    try {
      const [, spec] = this.spec(topic);
      const maxBytes = spec.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
      if (msg.data.length > maxBytes)
        throw new EnvelopeError("oversized", `${msg.data.length} bytes > max ${maxBytes}`);
      const parsed = parsedEnvelopes.get(msg);
      parsedEnvelopes.delete(msg);
      if (parsed instanceof EnvelopeError) throw parsed;
      const envelope = parsed?.envelope ?? parseEnvelope(msg.data, maxBytes);
      from = envelope.from;
      verdict = await this.checkSenderAndPayload(peer, msg, spec, envelope, parsed?.id ?? contentId(topic, envelope));
    } catch (err) {
      verdict =
        err instanceof EnvelopeError
          ? { result: "reject", reason: err.reason }
          : err instanceof UnknownTopicError
            ? { result: "reject", reason: "unknown-topic" }
            : { result: "ignore", reason: `validator error: ${(err as Error).message}` };
    }
    this.modules.metrics.gossipValidationSeconds.observe({ topic }, (performance.now() - started) / 1000);
    this.modules.metrics.gossipMessagesTotal.inc({ topic, direction: "in", result: verdict.result });
    if (verdict.result !== "accept") {
      // a reject is scored by gossipsub itself (P4); penalty points are for what it cannot judge
      const rejected = verdict.result === "reject";
      this.modules.guard.refuse(
        peerStr,
        `gossip/${(verdict.reason ?? verdict.result).split(":")[0]!.slice(0, 48)}`,
        rejected ? "gossip message rejected" : "gossip message ignored",
        // a reject also counts here, so a peer that keeps sending them is dropped unread at once
        (verdict.penalty ?? 0) + (rejected ? REJECT_PENALTY : 0),
        { topic, from, reason: verdict.reason, bytes: msg.data.length },
        rejected ? "warn" : "debug",
      );
    }
    return verdict.result as GossipsubVerdict;
  }

  /**
   * A message of `topic` that came outside gossipsub (a vote-set answer carries a proposal's
   * envelope): the checks a gossiped one gets (size, canonical bytes, author, signature, payload
   * schema), except the topic's validator: its seen caches already hold a message that was gossiped
   * and then lost inside this keeper (a full inbound queue), which is exactly what is asked for
   * again. The caller checks what the validator would. Resolves with the message, else undefined.
   */
  async verifyEnvelope<T>(
    topic: TopicSpec<T>,
    data: Uint8Array,
    source: string,
  ): Promise<GossipMessage<T> | undefined> {
    try {
      const [id, spec] = this.spec(topic);
      const envelope = parseEnvelope(data, spec.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
      const checked = await this.checkEnvelope(id, spec, envelope, contentId(id, envelope), source, false);
      return checked.verdict.result === "accept" ? (checked.message as GossipMessage<T>) : undefined;
    } catch (err) {
      if (err instanceof EnvelopeError || err instanceof UnknownTopicError) return undefined;
      throw err;
    }
  }

  private async checkSenderAndPayload(
    peer: PeerId,
    msg: Message,
    spec: TopicSpec<unknown>,
    envelope: Envelope,
    id: string,
  ): Promise<ValidationVerdict> {
    const { verdict, message } = await this.checkEnvelope(msg.topic, spec, envelope, id, peer.toString(), true);
    if (message) this.accepted.set(msg, message);
    return verdict;
  }

  private async checkEnvelope(
    topic: string,
    spec: TopicSpec<unknown>,
    envelope: Envelope,
    id: string,
    source: string,
    runValidator: boolean,
  ): Promise<{ verdict: ValidationVerdict; message?: GossipMessage<unknown> }> {
    // Cheap lookups before the signature recovery (~60 us, the costliest check).
    const record = this.modules.directory.byOperator(envelope.from);
    if (!record) return { verdict: { result: "reject", reason: "unknown-sender" } };
    const expected = record.signer.toLowerCase();
    if (!spec.signerOf && recoverEnvelopeSigner(this.modules.signer.chainId, topic, envelope) !== expected)
      return { verdict: { result: "reject", reason: "wrong-signer" } };
    const payload = parsePayload(envelope, spec.schema);
    if (spec.signerOf) {
      let author: string;
      try {
        author = spec.signerOf(payload);
      } catch {
        return { verdict: { result: "reject", reason: "bad-signature" } };
      }
      if (author !== expected) return { verdict: { result: "reject", reason: "wrong-signer" } };
    }
    // Validly signed by a known operator that is jailed or tombstoned: it does not count, but
    // the relaying peer may simply hold an older view of the set, so no penalty.
    if (!isActive(record)) return { verdict: { result: "ignore", reason: `sender ${record.status}` } };
    const message: GossipMessage<unknown> = {
      topic,
      from: record.operator,
      sender: record,
      propagationSource: source,
      contentId: id,
      payload,
      envelope,
    };
    const verdict =
      spec.validate && runValidator
        ? normalise(await spec.validate(message, { signal: AbortSignal.timeout(this.validationTimeoutMs) }))
        : { result: "accept" as const };
    return verdict.result === "accept" ? { verdict, message } : { verdict };
  }

  private readonly onMessage = (evt: CustomEvent<{ msg: Message }>): void => {
    const decoded = this.accepted.get(evt.detail.msg);
    if (!decoded) return;
    this.accepted.delete(evt.detail.msg);
    for (const handler of this.handlers.get(decoded.topic) ?? []) {
      Promise.resolve()
        .then(() => handler(decoded))
        .catch((err: unknown) =>
          this.modules.logger.error({ err, topic: decoded.topic }, "gossip handler failed (message kept)"),
        );
    }
  };
}

function normalise(v: ValidationResult | ValidationVerdict): ValidationVerdict {
  return typeof v === "string" ? { result: v } : v;
}
