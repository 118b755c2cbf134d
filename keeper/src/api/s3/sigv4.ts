// Server-side check of AWS Signature Version 4 (header form, as @aws-sdk/client-s3 sends it):
// rebuild the canonical request from what arrived, re-sign it with the access key's secret and
// compare. The path is used as sent (S3 signs the raw, once-encoded path); the query is re-encoded
// canonically. The payload is covered by `x-amz-content-sha256`, which the body reader enforces.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { S3Error } from "./errors.js";

const ALGORITHM = "AWS4-HMAC-SHA256";
/** S3 refuses requests whose x-amz-date is further than this from its clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequest {
  accessKeyId: string;
  /** the x-amz-content-sha256 value: a hex digest, UNSIGNED-PAYLOAD or a STREAMING-* mode */
  payloadHash: string;
}

interface ParsedAuth {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(header: string): ParsedAuth {
  if (!header.startsWith(`${ALGORITHM} `)) {
    throw new S3Error(400, "InvalidRequest", `only ${ALGORITHM} header authorization is supported`);
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential")?.split("/");
  const signedHeaders = fields.get("SignedHeaders")?.split(";");
  const signature = fields.get("Signature");
  if (!credential || credential.length !== 5 || credential[4] !== "aws4_request" || !signedHeaders || !signature) {
    throw new S3Error(400, "InvalidRequest", "malformed Authorization header");
  }
  const [accessKeyId, date, region, service] = credential as [string, string, string, string];
  return { accessKeyId, date, region, service, signedHeaders, signature };
}

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeQueryPart(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, "%20"));
  } catch {
    throw new S3Error(400, "InvalidArgument", "malformed query string");
  }
}

function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return "";
  const pairs = rawQuery
    .split("&")
    .filter((p) => p.length > 0)
    .map((p) => {
      const eq = p.indexOf("=");
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? "" : p.slice(eq + 1);
      return [rfc3986(decodeQueryPart(k)), rfc3986(decodeQueryPart(v))] as const;
    });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

function headerValue(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v.join(",") : (v ?? "");
  return s.trim().replace(/\s+/g, " ");
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** Parses an x-amz-date (20240101T000000Z) to ms. */
function amzDateMs(amzDate: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) return Number.NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

export class SigV4Verifier {
  /** `${secret}/${date}/${region}/${service}` -> signing key; bounded, cleared when full */
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Reads the access key id without verifying (to look up its secret). */
  accessKeyOf(req: IncomingMessage): string {
    const auth = req.headers.authorization;
    if (!auth) {
      if (typeof req.url === "string" && req.url.includes("X-Amz-Signature=")) {
        throw new S3Error(400, "NotImplemented", "presigned (query string) requests are not supported");
      }
      throw new S3Error(403, "AccessDenied", "request is not signed (AWS Signature Version 4 required)");
    }
    return parseAuthorization(auth).accessKeyId;
  }

  /** Verifies the request's signature with `secret`; throws S3's own error when it does not hold. */
  verify(req: IncomingMessage, secret: string): SignedRequest {
    const auth = parseAuthorization(req.headers.authorization ?? "");
    const amzDate = headerValue(req, "x-amz-date");
    const at = amzDateMs(amzDate);
    if (Number.isNaN(at)) throw new S3Error(403, "AccessDenied", "missing or malformed x-amz-date");
    if (Math.abs(this.now() - at) > MAX_SKEW_MS) {
      throw new S3Error(
        403,
        "RequestTimeTooSkewed",
        "the difference between the request time and the server's time is too large",
      );
    }
    if (!amzDate.startsWith(auth.date)) {
      throw new S3Error(403, "SignatureDoesNotMatch", "credential scope date does not match x-amz-date");
    }
    if (!auth.signedHeaders.includes("host")) {
      throw new S3Error(403, "AccessDenied", "the host header must be signed");
    }
    const payloadHash = headerValue(req, "x-amz-content-sha256");
    if (!payloadHash || !auth.signedHeaders.includes("x-amz-content-sha256")) {
      throw new S3Error(400, "InvalidRequest", "x-amz-content-sha256 must be present and signed");
    }
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? "" : url.slice(q + 1);
    const canonical = [
      req.method ?? "GET",
      path,
      canonicalQuery(query),
      auth.signedHeaders.map((h) => `${h}:${headerValue(req, h)}\n`).join(""),
      auth.signedHeaders.join(";"),
      payloadHash,
    ].join("\n");
    const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
    const stringToSign = [ALGORITHM, amzDate, scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
    const expected = hmac(this.signingKey(secret, auth.date, auth.region, auth.service), stringToSign);
    const given = Buffer.from(auth.signature, "hex");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new S3Error(
        403,
        "SignatureDoesNotMatch",
        "the request signature we calculated does not match the signature you provided",
      );
    }
    return { accessKeyId: auth.accessKeyId, payloadHash };
  }

  private signingKey(secret: string, date: string, region: string, service: string): Buffer {
    const id = `${secret}/${date}/${region}/${service}`;
    let key = this.keys.get(id);
    if (!key) {
      if (this.keys.size > 1_000) this.keys.clear();
      key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
      this.keys.set(id, key);
    }
    return key;
  }
}
