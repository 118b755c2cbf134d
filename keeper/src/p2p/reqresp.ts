// Direct request/response between two peers on a libp2p stream /openmesh/<name>/<version>:
// one length-prefixed JSON request, one length-prefixed JSON reply, both size-limited and
// schema-checked, the whole exchange bounded by a timeout.
import type { Libp2p, PeerId, Stream, Connection } from "@libp2p/interface";
import type { Multiaddr } from "@multiformats/multiaddr";
import { lpStream } from "@libp2p/utils";
import { z } from "zod";
import type { Logger } from "../observability/logger.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import { RATE_LIMIT_PENALTY, REQUEST_PEER_LIMIT, REQUEST_STREAMS_PER_CONNECTION } from "./options.js";
import type { PeerGuard } from "./peer-guard.js";

export const DEFAULT_MAX_REQUEST_BYTES = 16 * 1024;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

export interface ProtocolSpec<Req, Res> {
  /** "status" -> /openmesh/status/1 */
  name: string;
  version?: number;
  request: z.ZodType<Req>;
  response: z.ZodType<Res>;
  maxRequestBytes?: number;
  maxResponseBytes?: number;
}

export interface RequestContext {
  /** peer id of the requester */
  peer: string;
  signal: AbortSignal;
}

export type RequestHandler<Req, Res> = (req: Req, ctx: RequestContext) => Res | Promise<Res>;

export type RequestErrorCode = "timeout" | "dial-failed" | "too-large" | "bad-response" | "remote-error" | "stream";

export class RequestError extends Error {
  override name = "RequestError";
  constructor(
    readonly code: RequestErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function protocolId(spec: Pick<ProtocolSpec<unknown, unknown>, "name" | "version">): string {
  return `/openmesh/${spec.name}/${spec.version ?? 1}`;
}

const ReplySchema = z.union([
  z.strictObject({ ok: z.literal(true), result: z.unknown() }),
  z.strictObject({
    ok: z.literal(false),
    error: z.strictObject({ code: z.string().max(64), message: z.string().max(512) }),
  }),
]);

type Reply = z.infer<typeof ReplySchema>;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(decoder.decode(bytes));
}

function classify(err: unknown, signal: AbortSignal): RequestError {
  if (err instanceof RequestError) return err;
  if (signal.aborted) return new RequestError("timeout", "request timed out or was aborted", { cause: err });
  const name = (err as Error)?.name ?? "";
  if (name === "InvalidDataLengthError" || name === "InvalidDataLengthLengthError") {
    return new RequestError("too-large", (err as Error).message, { cause: err });
  }
  return new RequestError("stream", (err as Error)?.message ?? String(err), { cause: err });
}

export interface ReqRespModules {
  libp2p: Libp2p;
  logger: Logger;
  metrics: KeeperMetrics;
  timeoutMs: number;
  /** per-peer rate limits and bounded logs of refused requests (none without it: tests) */
  guard?: PeerGuard;
}

export class ReqResp {
  private readonly registered = new Set<string>();

  constructor(private readonly modules: ReqRespModules) {}

  async handle<Req, Res>(spec: ProtocolSpec<Req, Res>, handler: RequestHandler<Req, Res>): Promise<void> {
    const id = protocolId(spec as ProtocolSpec<unknown, unknown>);
    await this.modules.libp2p.handle(id, (stream, connection) => this.serve(id, spec, handler, stream, connection), {
      maxInboundStreams: REQUEST_STREAMS_PER_CONNECTION,
    });
    this.registered.add(id);
  }

  async stop(): Promise<void> {
    if (this.registered.size > 0) await this.modules.libp2p.unhandle([...this.registered]);
    this.registered.clear();
  }

  private async serve<Req, Res>(
    id: string,
    spec: ProtocolSpec<Req, Res>,
    handler: RequestHandler<Req, Res>,
    stream: Stream,
    connection: Connection,
  ): Promise<void> {
    const peer = connection.remotePeer.toString();
    const signal = AbortSignal.timeout(this.modules.timeoutMs);
    const lp = lpStream(stream, { maxDataLength: spec.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES });
    const count = (result: string) => this.modules.metrics.reqRespTotal.inc({ protocol: id, direction: "in", result });
    const guard = this.modules.guard;
    if (guard && !guard.allow(peer, id, REQUEST_PEER_LIMIT, 0, RATE_LIMIT_PENALTY)) {
      count("rate-limited");
      stream.abort(new RequestError("stream", "request rate limit"));
      return;
    }
    let request: { raw: unknown } | { unusable: string };
    try {
      request = { raw: decodeJson((await lp.read({ signal })).subarray()) };
    } catch (err) {
      const e = err instanceof SyntaxError || err instanceof TypeError ? undefined : classify(err, signal);
      if (e !== undefined && e.code !== "too-large") {
        this.modules.logger.debug({ peer, protocol: id, err: e.message }, "inbound request failed");
        count(e.code);
        stream.abort(e);
        return;
      }
      // Received but unusable (not UTF-8 JSON, or over the limit): say why before closing.
      request = { unusable: e ? e.message : "request is not UTF-8 JSON" };
    }
    const reply = await this.answer(spec, handler, request, { peer, signal });
    if (signal.aborted) {
      count("timeout");
      stream.abort(new RequestError("timeout", "handler did not answer in time"));
      return;
    }
    try {
      await lp.write(encoder.encode(JSON.stringify(reply)), { signal });
      await stream.close({ signal });
      count(reply.ok ? "ok" : reply.error.code);
      if (!reply.ok) {
        if (guard)
          guard.refuse(peer, `reqresp/${reply.error.code}`, "request refused", 1, { protocol: id, error: reply.error });
        else this.modules.logger.warn({ peer, protocol: id, error: reply.error }, "request refused");
      }
    } catch (err) {
      count("stream");
      stream.abort(err as Error);
    }
  }

  /** Runs the handler on a request; every failure becomes an error reply. */
  private async answer<Req, Res>(
    spec: ProtocolSpec<Req, Res>,
    handler: RequestHandler<Req, Res>,
    request: { raw: unknown } | { unusable: string },
    ctx: RequestContext,
  ): Promise<Reply> {
    if ("unusable" in request) return { ok: false, error: { code: "bad-request", message: request.unusable } };
    const parsed = spec.request.safeParse(request.raw);
    if (!parsed.success) {
      return { ok: false, error: { code: "bad-request", message: z.prettifyError(parsed.error).slice(0, 512) } };
    }
    try {
      return { ok: true, result: spec.response.parse(await handler(parsed.data, ctx)) };
    } catch (err) {
      return {
        ok: false,
        error: { code: "handler-error", message: String((err as Error)?.message ?? err).slice(0, 512) },
      };
    }
  }

  /** Sends one request and waits for the reply; throws RequestError. */
  async request<Req, Res>(
    peer: PeerId | Multiaddr,
    spec: ProtocolSpec<Req, Res>,
    req: Req,
    opts: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<Res> {
    const id = protocolId(spec as ProtocolSpec<unknown, unknown>);
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? this.modules.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    const count = (result: string) => this.modules.metrics.reqRespTotal.inc({ protocol: id, direction: "out", result });
    const body = encoder.encode(JSON.stringify(spec.request.parse(req)));
    if (body.length > (spec.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES)) {
      count("too-large");
      throw new RequestError("too-large", `request of ${body.length} bytes exceeds the protocol limit`);
    }
    let stream: Stream;
    try {
      // the protocol id goes out with the request (multistream-select's lazy mode): no round trip
      // to the peer before it, which on a busy peer cost tens of ms per request
      stream = await this.modules.libp2p.dialProtocol(peer, id, { signal, negotiateFully: false });
    } catch (err) {
      const e = signal.aborted
        ? classify(err, signal)
        : new RequestError("dial-failed", (err as Error).message, { cause: err });
      count(e.code);
      throw e;
    }
    try {
      const lp = lpStream(stream, { maxDataLength: spec.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES });
      await lp.write(body, { signal });
      const raw = (await lp.read({ signal })).subarray();
      await stream.close({ signal });
      let reply: Reply;
      try {
        reply = ReplySchema.parse(decodeJson(raw));
      } catch {
        throw new RequestError("bad-response", "reply is not a valid envelope");
      }
      if (!reply.ok) throw new RequestError("remote-error", `${reply.error.code}: ${reply.error.message}`);
      const result = spec.response.safeParse(reply.result);
      if (!result.success) throw new RequestError("bad-response", z.prettifyError(result.error));
      count("ok");
      return result.data;
    } catch (err) {
      const e = classify(err, signal);
      count(e.code);
      stream.abort(e);
      throw e;
    }
  }
}
