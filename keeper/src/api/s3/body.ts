// The body of a signed S3 write, as a stream of plain bytes, checked against what the request
// promised: the SHA-256 it signed (or UNSIGNED-PAYLOAD), the aws-chunked framing and CRC32
// trailer the AWS SDK uses for streams by default, x-amz-checksum-crc32, Content-MD5 and the
// declared length. A failed check throws at the end, so the caller discards what it wrote.
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { crc32 } from "node:zlib";
import { S3Error } from "./errors.js";

export interface BodyPlan {
  /** plain bytes the body decodes to */
  length: number;
  body: AsyncIterable<Buffer>;
}

const STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

function crc32Base64(value: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b.toString("base64");
}

/** The plain length a write declares; throws MissingContentLength when it declares none. */
export function declaredLength(req: IncomingMessage, payloadHash: string): number {
  const raw = payloadHash.startsWith("STREAMING-")
    ? req.headers["x-amz-decoded-content-length"]
    : req.headers["content-length"];
  const n = Number(raw);
  if (raw === undefined || !Number.isSafeInteger(n) || n < 0) {
    throw new S3Error(
      411,
      "MissingContentLength",
      "you must provide the Content-Length (or x-amz-decoded-content-length) header",
    );
  }
  return n;
}

export function requestBody(req: IncomingMessage, payloadHash: string): BodyPlan {
  const length = declaredLength(req, payloadHash);
  if (payloadHash.startsWith("STREAMING-") && payloadHash !== STREAMING_UNSIGNED_TRAILER) {
    throw new S3Error(
      501,
      "NotImplemented",
      `payload mode ${payloadHash} is not supported (use ${STREAMING_UNSIGNED_TRAILER} or a signed hash)`,
    );
  }
  const hexHash = /^[0-9a-f]{64}$/.test(payloadHash) ? payloadHash : undefined;
  if (!hexHash && payloadHash !== "UNSIGNED-PAYLOAD" && payloadHash !== STREAMING_UNSIGNED_TRAILER) {
    throw new S3Error(
      400,
      "InvalidArgument",
      "x-amz-content-sha256 must be a hex SHA-256, UNSIGNED-PAYLOAD or a streaming mode",
    );
  }
  const raw = req as AsyncIterable<Buffer>;
  const plain = payloadHash === STREAMING_UNSIGNED_TRAILER ? decodeAwsChunked(raw, req) : raw;
  return { length, body: checked(plain, req, length, hexHash) };
}

async function* checked(
  source: AsyncIterable<Buffer>,
  req: IncomingMessage,
  length: number,
  hexHash: string | undefined,
): AsyncIterable<Buffer> {
  const sha = hexHash ? createHash("sha256") : undefined;
  const md5Header = req.headers["content-md5"];
  const md5 = typeof md5Header === "string" ? createHash("md5") : undefined;
  const crcHeader = req.headers["x-amz-checksum-crc32"];
  let crc = 0;
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.length;
    if (seen > length) throw new S3Error(400, "IncompleteBody", "body is longer than its declared length");
    sha?.update(chunk);
    md5?.update(chunk);
    if (typeof crcHeader === "string") crc = crc32(chunk, crc);
    yield chunk;
  }
  if (seen !== length) throw new S3Error(400, "IncompleteBody", `body has ${seen} bytes, ${length} declared`);
  if (sha && sha.digest("hex") !== hexHash) {
    throw new S3Error(
      400,
      "XAmzContentSHA256Mismatch",
      "the provided x-amz-content-sha256 does not match what was computed",
    );
  }
  if (md5 && md5.digest("base64") !== md5Header)
    throw new S3Error(400, "BadDigest", "Content-MD5 does not match the body");
  if (typeof crcHeader === "string" && crc32Base64(crc) !== crcHeader) {
    throw new S3Error(400, "BadDigest", "x-amz-checksum-crc32 does not match the body");
  }
}

/**
 * aws-chunked: `<hex size>[;ext]\r\n<bytes>\r\n` ... `0\r\n<trailers>\r\n\r\n`. A declared
 * x-amz-checksum-crc32 trailer is checked against the decoded bytes.
 */
async function* decodeAwsChunked(source: AsyncIterable<Buffer>, req: IncomingMessage): AsyncIterable<Buffer> {
  const trailerName = String(req.headers["x-amz-trailer"] ?? "").toLowerCase();
  let buf: Buffer = Buffer.alloc(0);
  let remaining = -1; // bytes left in the current chunk; -1 = expecting a size line
  let crc = 0;
  let done = false;
  let trailerText = "";
  const bad = (why: string) => new S3Error(400, "IncompleteBody", `malformed aws-chunked body: ${why}`);
  for await (const incoming of source) {
    buf = buf.length ? Buffer.concat([buf, incoming]) : incoming;
    while (buf.length > 0) {
      if (done) {
        trailerText += buf.toString("latin1");
        buf = Buffer.alloc(0);
        if (trailerText.length > 4096) throw bad("trailer too long");
        break;
      }
      if (remaining < 0) {
        const eol = buf.indexOf("\r\n");
        if (eol < 0) {
          if (buf.length > 256) throw bad("chunk header too long");
          break;
        }
        const size = parseInt(buf.subarray(0, eol).toString("latin1").split(";")[0]!, 16);
        if (!Number.isSafeInteger(size) || size < 0) throw bad("chunk size");
        buf = buf.subarray(eol + 2);
        if (size === 0) {
          done = true;
          continue;
        }
        remaining = size;
        continue;
      }
      if (remaining > 0) {
        const take = Math.min(remaining, buf.length);
        const data = buf.subarray(0, take);
        buf = buf.subarray(take);
        remaining -= take;
        crc = crc32(data, crc);
        yield data;
        continue;
      }
      // end of a chunk's data: its CRLF
      if (buf.length < 2) break;
      if (buf[0] !== 13 || buf[1] !== 10) throw bad("missing CRLF after chunk");
      buf = buf.subarray(2);
      remaining = -1;
    }
  }
  if (!done) throw bad("body ended before the last chunk");
  const trailers = new Map<string, string>();
  for (const line of trailerText.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (trailerName === "x-amz-checksum-crc32") {
    const got = trailers.get(trailerName);
    if (got === undefined) throw bad("declared x-amz-checksum-crc32 trailer is missing");
    if (got !== crc32Base64(crc))
      throw new S3Error(400, "BadDigest", "x-amz-checksum-crc32 trailer does not match the body");
  }
}
