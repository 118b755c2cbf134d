// Small node:http helpers shared by the JSON API and the S3 endpoint: bounded body reads, JSON
// answers, and CORS for the Studio (the keeper's own origin plus a configured list).
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "./errors.js";

/** Reads the whole body, refusing more than `limitBytes` (JSON API requests are small). */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limitBytes) throw new ApiError(413, "payload_too_large", `body over ${limitBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new ApiError(413, "payload_too_large", `body over ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage, limitBytes = 64 * 1024): Promise<Record<string, unknown>> {
  const body = await readBody(req, limitBytes);
  try {
    const value: unknown = JSON.parse(body.toString("utf8") || "{}");
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return value as Record<string, unknown>;
  } catch {
    throw new ApiError(400, "bad_request", "expected a JSON object body");
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(json);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.status, { error: err.code, message: err.message });
}

/** Headers a browser S3 client (Studio) sends and reads. */
const ALLOW_HEADERS = [
  "authorization",
  "content-type",
  "content-md5",
  "range",
  "x-amz-date",
  "x-amz-content-sha256",
  "x-amz-user-agent",
  "x-amz-checksum-crc32",
  "x-amz-sdk-checksum-algorithm",
  "x-amz-decoded-content-length",
  "x-amz-trailer",
  "amz-sdk-invocation-id",
  "amz-sdk-request",
  "content-encoding",
].join(", ");
const EXPOSE_HEADERS = "etag, content-length, content-range, x-amz-request-id, last-modified, accept-ranges";

/**
 * CORS: echoes the request's Origin when it is allowed (this server's own origin, or one of
 * `allowedOrigins`; "*" allows any). Returns true when the request was a preflight and is answered.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  const self = req.headers.host ? [`http://${req.headers.host}`, `https://${req.headers.host}`] : [];
  const allowed =
    origin !== undefined && (allowedOrigins.includes("*") || allowedOrigins.includes(origin) || self.includes(origin));
  if (allowed) {
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("vary", "Origin");
    res.setHeader("access-control-expose-headers", EXPOSE_HEADERS);
  }
  if (req.method !== "OPTIONS" || req.headers["access-control-request-method"] === undefined) return false;
  if (allowed) {
    res.setHeader("access-control-allow-methods", "GET, HEAD, PUT, POST, DELETE");
    res.setHeader("access-control-allow-headers", ALLOW_HEADERS);
    res.setHeader("access-control-max-age", "600");
    res.writeHead(204).end();
  } else {
    res.writeHead(403, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "cors_origin_refused", message: `origin ${origin ?? "(none)"} is not allowed` }));
  }
  return true;
}
