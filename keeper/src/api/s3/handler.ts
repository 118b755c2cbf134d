// The S3-compatible endpoint (path style: /s3/<bucket>/<key>). Each request: find the access key,
// verify its SigV4 signature, ask the chain whether the key's address may still use the lease
// (read-write, or read-only in the grace period), then run the operation on the lease's store.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { ApiError } from "../errors.js";
import { readBody } from "../http.js";
import type { AccessKeys } from "../access-keys.js";
import type { LeaseAccess } from "../lease-access.js";
import type { Workspaces } from "../workspaces.js";
import type { Logger } from "../../observability/index.js";
import { requestBody } from "./body.js";
import { errorXml, S3Error } from "./errors.js";
import type { LeaseStore } from "./lease-store.js";
import { SigV4Verifier } from "./sigv4.js";
import {
  completeMultipartXml,
  initiateMultipartXml,
  listBucketsXml,
  listObjectsV2Xml,
  parseCompleteMultipart,
} from "./xml.js";

/** Decides, at the chain's latest block, what an address may do with a lease. */
export interface LeaseGate {
  check(leaseId: bigint, account: string, write: boolean): Promise<LeaseAccess>;
}

export interface S3HandlerOptions {
  keys: AccessKeys;
  gate: LeaseGate;
  workspaces: Workspaces;
  /** bytes per GiB of lease storage (2^30; smaller only in tests) */
  storageUnitBytes: number;
  logger: Logger;
  /** path prefix the endpoint is mounted at */
  prefix?: string;
  now?: () => number;
}

/** Sub-resources of the S3 API this endpoint does not implement (answered NotImplemented). */
const UNSUPPORTED = [
  "acl",
  "tagging",
  "versioning",
  "versions",
  "cors",
  "policy",
  "lifecycle",
  "website",
  "delete",
  "location",
  "encryption",
  "object-lock",
  "retention",
  "legal-hold",
  "replication",
  "notification",
  "logging",
  "select",
  "restore",
  "torrent",
  "attributes",
];

const WRITE_METHODS = new Set(["PUT", "POST", "DELETE"]);

export class S3Handler {
  private readonly verifier: SigV4Verifier;
  readonly prefix: string;

  constructor(private readonly opts: S3HandlerOptions) {
    this.verifier = new SigV4Verifier(opts.now);
    this.prefix = opts.prefix ?? "/s3";
  }

  /** Answers the request when its path is under the prefix; resolves false otherwise. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (path !== this.prefix && !path.startsWith(`${this.prefix}/`)) return false;
    const requestId = randomBytes(8).toString("hex").toUpperCase();
    res.setHeader("x-amz-request-id", requestId);
    try {
      await this.serve(req, res, path.slice(this.prefix.length) || "/");
    } catch (err) {
      const s3 = toS3Error(err);
      if (s3.code === "InternalError") this.opts.logger.error({ err }, "S3 request failed");
      if (res.headersSent) {
        res.destroy();
      } else {
        const body = req.method === "HEAD" ? undefined : errorXml(s3, requestId);
        res.writeHead(s3.status, { "content-type": "application/xml" }).end(body);
      }
    }
    return true;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<void> {
    const method = req.method ?? "GET";
    const keyId = this.verifier.accessKeyOf(req);
    const key = this.opts.keys.get(keyId);
    if (!key)
      throw new S3Error(
        403,
        "InvalidAccessKeyId",
        "the access key does not exist, expired or was revoked (sign in and issue a new key)",
      );
    const signed = this.verifier.verify(req, key.secretAccessKey);
    const leaseId = BigInt(key.leaseId);
    const access = await this.opts.gate.check(leaseId, key.address, WRITE_METHODS.has(method));
    const store = await this.opts.workspaces.store(leaseId);
    const quota = Number(access.lease.storageGiB) * this.opts.storageUnitBytes;

    const url = new URL(req.url ?? "/", "http://s3.local");
    const q = url.searchParams;
    const sub = UNSUPPORTED.find((s) => q.has(s));
    if (sub) throw new S3Error(501, "NotImplemented", `?${sub} is not supported by this endpoint`);
    const slash = rawPath.indexOf("/", 1);
    const bucket = decode(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
    const objectKey = slash < 0 ? "" : decode(rawPath.slice(slash + 1));

    if (!bucket) {
      if (method !== "GET") throw new S3Error(405, "MethodNotAllowed", "only GET (ListBuckets) is allowed on /");
      return xml(res, 200, listBucketsXml(key.address, store.listBuckets()));
    }
    if (!objectKey) return this.bucketOp(req, res, method, store, bucket, q);
    if (Buffer.byteLength(objectKey) > 1024)
      throw new S3Error(400, "InvalidArgument", "object keys are at most 1024 bytes");
    const resource = `/${bucket}/${objectKey}`;
    switch (method) {
      case "PUT": {
        if (req.headers["x-amz-copy-source"]) throw new S3Error(501, "NotImplemented", "CopyObject is not supported");
        const body = requestBody(req, signed.payloadHash);
        if (q.has("uploadId")) {
          const etag = await store.uploadPart(
            bucket,
            objectKey,
            q.get("uploadId")!,
            Number(q.get("partNumber")),
            body,
            quota,
          );
          res.writeHead(200, { etag }).end();
          return;
        }
        const contentType = String(req.headers["content-type"] ?? "application/octet-stream");
        const meta = await store.putObject(bucket, objectKey, body, contentType, quota);
        res.writeHead(200, { etag: meta.etag }).end();
        return;
      }
      case "POST": {
        if (q.has("uploads")) {
          const contentType = String(req.headers["content-type"] ?? "application/octet-stream");
          return xml(
            res,
            200,
            initiateMultipartXml(bucket, objectKey, await store.createUpload(bucket, objectKey, contentType)),
          );
        }
        if (q.has("uploadId")) {
          const text = (await readBody(req, 1024 * 1024)).toString("utf8");
          const parts = parseCompleteMultipart(text);
          if (!parts) throw new S3Error(400, "MalformedXML", "the XML you provided was not well-formed");
          const meta = await store.completeUpload(bucket, objectKey, q.get("uploadId")!, parts);
          return xml(res, 200, completeMultipartXml(resource, bucket, objectKey, meta.etag));
        }
        throw new S3Error(405, "MethodNotAllowed", "POST on an object needs ?uploads or ?uploadId");
      }
      case "DELETE":
        if (q.has("uploadId")) await store.abortUpload(bucket, objectKey, q.get("uploadId")!);
        else await store.deleteObject(bucket, objectKey);
        res.writeHead(204).end();
        return;
      case "GET":
      case "HEAD":
        return this.getObject(req, res, store, bucket, objectKey, method === "HEAD");
      default:
        throw new S3Error(405, "MethodNotAllowed", `${method} is not allowed on an object`);
    }
  }

  private async bucketOp(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    store: LeaseStore,
    bucket: string,
    q: URLSearchParams,
  ): Promise<void> {
    switch (method) {
      case "PUT":
        await readBody(req, 64 * 1024); // CreateBucketConfiguration (region): accepted, ignored
        await store.createBucket(bucket);
        res.writeHead(200, { location: `/${bucket}` }).end();
        return;
      case "DELETE":
        await store.deleteBucket(bucket);
        res.writeHead(204).end();
        return;
      case "HEAD":
        store.bucket(bucket);
        res.writeHead(200).end();
        return;
      case "GET": {
        if (q.get("list-type") !== "2")
          throw new S3Error(501, "NotImplemented", "only ListObjectsV2 (list-type=2) is supported");
        const maxKeys = q.has("max-keys") ? Number(q.get("max-keys")) : 1000;
        if (!Number.isInteger(maxKeys) || maxKeys < 0)
          throw new S3Error(400, "InvalidArgument", "max-keys must be a non-negative integer");
        const prefix = q.get("prefix") ?? "";
        const delimiter = q.get("delimiter") ?? "";
        const continuationToken = q.get("continuation-token") ?? undefined;
        const startAfter = q.get("start-after") ?? undefined;
        let after = startAfter;
        let skipPrefix: string | undefined;
        if (continuationToken) {
          const t = parseToken(continuationToken);
          after = t.a;
          if (t.p) skipPrefix = t.a;
        }
        const result = store.list(bucket, { prefix, delimiter, maxKeys: Math.min(maxKeys, 1000), after, skipPrefix });
        const encodeUrl = q.get("encoding-type") === "url";
        return xml(
          res,
          200,
          listObjectsV2Xml(bucket, { prefix, delimiter, maxKeys, continuationToken, startAfter, encodeUrl }, result),
        );
      }
      default:
        throw new S3Error(405, "MethodNotAllowed", `${method} is not allowed on a bucket`);
    }
  }

  private async getObject(
    req: IncomingMessage,
    res: ServerResponse,
    store: LeaseStore,
    bucket: string,
    key: string,
    headOnly: boolean,
  ): Promise<void> {
    const meta = store.head(bucket, key);
    const range = parseRange(req.headers.range, meta.size);
    const headers: Record<string, string | number> = {
      "content-type": meta.contentType,
      etag: meta.etag,
      "last-modified": new Date(meta.lastModified).toUTCString(),
      "accept-ranges": "bytes",
    };
    if (range) {
      headers["content-range"] = `bytes ${range.start}-${range.end}/${meta.size}`;
      headers["content-length"] = range.end - range.start + 1;
    } else {
      headers["content-length"] = meta.size;
    }
    if (headOnly) {
      res.writeHead(range ? 206 : 200, headers).end();
      return;
    }
    const { stream } = await store.read(bucket, key, range);
    res.writeHead(range ? 206 : 200, headers);
    if (!stream) {
      res.end();
      return;
    }
    await pipeline(stream, res);
  }
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new S3Error(400, "InvalidArgument", "malformed percent-encoding in the path");
  }
}

function parseToken(token: string): { a: string; p: boolean } {
  try {
    const t = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { a?: unknown; p?: unknown };
    if (typeof t.a === "string") return { a: t.a, p: t.p === true };
  } catch {
    // fall through
  }
  throw new S3Error(400, "InvalidArgument", "the continuation token is not valid");
}

/** A single `bytes=` range; undefined for none (or a multi-range, served whole like S3 does). */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    if (m[2] === "") return undefined;
    const suffix = Number(m[2]);
    if (suffix === 0) throw rangeError(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== "" && Number(m[2]) < start) return undefined;
  }
  if (start >= size) throw rangeError(size);
  return { start, end };
}

function rangeError(size: number): S3Error {
  return new S3Error(416, "InvalidRange", `the requested range is not satisfiable (object size ${size})`);
}

function xml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "application/xml" }).end(body);
}

function toS3Error(err: unknown): S3Error {
  if (err instanceof S3Error) return err;
  if (err instanceof ApiError) {
    if (err.status === 503) return new S3Error(503, "ServiceUnavailable", err.message);
    if (err.status === 413) return new S3Error(400, "EntityTooLarge", err.message);
    return new S3Error(err.status === 404 ? 403 : err.status, "AccessDenied", err.message);
  }
  return new S3Error(500, "InternalError", "we encountered an internal error, please try again");
}
