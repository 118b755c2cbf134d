// One-way messages to a peer over one long-lived stream per peer and protocol
// /openmesh/<name>/<version>: length-prefixed JSON, size-limited and schema-checked on arrival.
// For a peer that gets small messages often (a vote to the round's proposer): request/response
// (reqresp.ts) opens, negotiates and closes a stream per message on both sides, which on a busy
// keeper cost tens of milliseconds per message; here a message is one frame on an open stream.
import type { Libp2p, PeerId, Stream } from "@libp2p/interface";
import { LengthPrefixedDecoder, lpStream, type LengthPrefixedStream } from "@libp2p/utils";
import { z } from "zod";
import type { Logger } from "../observability/logger.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import { PUSH_PEER_LIMIT, PUSH_STREAMS_PER_CONNECTION, RATE_LIMIT_PENALTY, REFUSED_FRAME_PENALTY } from "./options.js";
import type { PeerGuard } from "./peer-guard.js";

export interface PushSpec<T> {
  /** "consensus-vote" -> /openmesh/consensus-vote/1 */
  name: string;
  version?: number;
  schema: z.ZodType<T>;
  /** one message's limit in bytes; a larger one closes the stream */
  maxBytes: number;
}

/** Returns false to refuse a message (counted as `refused`, e.g. from a peer that may not push). */
export type PushHandler<T> = (message: T, peer: string) => boolean | void;

export interface PushModules {
  libp2p: Libp2p;
  logger: Logger;
  metrics: KeeperMetrics;
  /** opening a stream to a peer (dial included) gives up after this long */
  openTimeoutMs: number;
  /** per-peer rate limits, bounded logs and penalties for refused frames (plain logs without it) */
  guard?: PeerGuard;
}

export function pushProtocolId(spec: Pick<PushSpec<unknown>, "name" | "version">): string {
  return `/openmesh/${spec.name}/${spec.version ?? 1}`;
}

/** An open outbound stream and its length-prefixed writer. */
interface Outbound {
  stream: Stream;
  lp: LengthPrefixedStream<Stream>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export class PushChannel<T> {
  readonly protocol: string;
  private readonly outbound = new Map<string, Promise<Outbound>>();
  private readonly inbound = new Set<Stream>();
  private handled = false;

  constructor(
    private readonly m: PushModules,
    private readonly spec: PushSpec<T>,
  ) {
    this.protocol = pushProtocolId(spec);
  }

  /** Delivers every valid message peers push on this protocol; invalid ones are logged and dropped. */
  async handle(handler: PushHandler<T>): Promise<void> {
    await this.m.libp2p.handle(
      this.protocol,
      (stream, connection) => this.read(stream, connection.remotePeer.toString(), handler),
      { maxInboundStreams: PUSH_STREAMS_PER_CONNECTION },
    );
    this.handled = true;
  }

  /** Queues one message to `peer` (opening the stream first if there is none); rejects if it cannot. */
  async send(peer: PeerId, message: T): Promise<void> {
    const bytes = encoder.encode(JSON.stringify(this.spec.schema.parse(message)));
    if (bytes.byteLength > this.spec.maxBytes) {
      throw new Error(`message of ${bytes.byteLength} bytes exceeds ${this.spec.maxBytes} on ${this.protocol}`);
    }
    const key = peer.toString();
    let opening = this.outbound.get(key);
    if (opening === undefined) {
      opening = this.open(peer);
      this.outbound.set(key, opening);
    }
    try {
      await (await opening).lp.write(bytes, { signal: AbortSignal.timeout(this.m.openTimeoutMs) });
      this.count("out", "ok");
    } catch (err) {
      // a broken or stalled stream is dropped: the next message opens a fresh one
      if (this.outbound.get(key) === opening) this.outbound.delete(key);
      void opening.then((o) => o.stream.abort(err as Error)).catch(() => undefined);
      this.count("out", "error");
      throw err;
    }
  }

  /** Closes every stream and stops serving. */
  async stop(): Promise<void> {
    if (this.handled) await this.m.libp2p.unhandle(this.protocol);
    this.handled = false;
    const streams = await Promise.allSettled(this.outbound.values());
    this.outbound.clear();
    for (const s of streams) if (s.status === "fulfilled") s.value.stream.abort(new Error("push channel stopped"));
    for (const s of this.inbound) s.abort(new Error("push channel stopped"));
    this.inbound.clear();
  }

  private async open(peer: PeerId): Promise<Outbound> {
    const key = peer.toString();
    const stream = await this.m.libp2p.dialProtocol(peer, this.protocol, {
      signal: AbortSignal.timeout(this.m.openTimeoutMs),
      negotiateFully: false, // the protocol id goes out with the first message
    });
    stream.addEventListener("close", () => {
      // forget it unless a newer stream to the peer replaced it already
      const current = this.outbound.get(key);
      void current?.then((o) => {
        if (o.stream === stream && this.outbound.get(key) === current) this.outbound.delete(key);
      });
    });
    return { stream, lp: lpStream(stream, { maxDataLength: this.spec.maxBytes }) };
  }

  private read(stream: Stream, peer: string, handler: PushHandler<T>): void {
    this.inbound.add(stream);
    stream.addEventListener("close", () => this.inbound.delete(stream));
    const frames = new LengthPrefixedDecoder({ maxDataLength: this.spec.maxBytes });
    stream.addEventListener("message", (evt) => {
      if (!this.inbound.has(stream)) return; // closed after a refused frame: the rest is not read
      try {
        for (const frame of frames.decode(evt.data)) {
          const refused = this.deliver(frame.subarray(), peer, handler);
          if (refused !== undefined) {
            // a refused frame closes the stream: a peer that sends one bad frame may send many
            this.inbound.delete(stream);
            stream.abort(new Error(`push frame refused: ${refused}`));
            return;
          }
        }
      } catch (err) {
        // a frame over the limit: the rest of the stream cannot be framed, so it is closed
        this.refuse(peer, "too-large", "push stream aborted", REFUSED_FRAME_PENALTY, (err as Error).message);
        this.count("in", "too-large");
        this.inbound.delete(stream);
        stream.abort(err as Error);
      }
    });
  }

  /** Hands one frame to the handler; returns why it was refused, if it was. */
  private deliver(bytes: Uint8Array, peer: string, handler: PushHandler<T>): string | undefined {
    if (this.m.guard && !this.m.guard.allow(peer, this.protocol, PUSH_PEER_LIMIT, bytes.length, RATE_LIMIT_PENALTY)) {
      this.count("in", "rate-limited");
      return "rate-limited";
    }
    let parsed: T;
    try {
      const result = this.spec.schema.safeParse(JSON.parse(decoder.decode(bytes)));
      if (!result.success) throw new Error(z.prettifyError(result.error));
      parsed = result.data;
    } catch (err) {
      this.refuse(peer, "invalid", "invalid pushed message", REFUSED_FRAME_PENALTY, (err as Error).message);
      this.count("in", "invalid");
      return "invalid";
    }
    try {
      if (handler(parsed, peer) === false) {
        this.refuse(peer, "refused", "pushed message refused", REFUSED_FRAME_PENALTY);
        this.count("in", "refused");
        return "refused";
      }
      this.count("in", "ok");
    } catch (err) {
      this.m.logger.error({ peer, protocol: this.protocol, err }, "push handler failed");
    }
    return undefined;
  }

  private refuse(peer: string, reason: string, message: string, penalty: number, err?: string): void {
    const fields = { protocol: this.protocol, ...(err !== undefined && { err }) };
    if (this.m.guard) this.m.guard.refuse(peer, `push/${reason}`, message, penalty, fields);
    else this.m.logger.warn({ peer, ...fields }, message);
  }

  private count(direction: "in" | "out", result: string): void {
    this.m.metrics.pushMessagesTotal.inc({ protocol: this.protocol, direction, result });
  }
}
