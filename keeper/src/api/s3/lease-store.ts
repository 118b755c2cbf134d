// One lease's storage on disk: buckets of objects, multipart uploads, usage against the quota.
// An object is one file (body, JSON metadata, 4-byte metadata length) named by the SHA-256 of its
// key: written in one pass, and a single rename publishes body and metadata together. The index of keys is kept in
// memory and rebuilt from the files at open.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, type ReadStream } from "node:fs";
import { mkdir, open, readdir, readFile, rm, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { BodyPlan } from "./body.js";
import { commitFile, fsyncDir, writeFileDurable } from "./durable.js";
import { QuotaExceeded, type LeaseUsage } from "../lease-usage.js";
import { S3Error } from "./errors.js";

export interface ObjectMeta {
  key: string;
  size: number;
  etag: string;
  contentType: string;
  lastModified: string;
}

interface UploadMeta {
  uploadId: string;
  bucket: string;
  key: string;
  contentType: string;
  initiated: string;
}

interface Bucket {
  name: string;
  created: string;
  objects: Map<string, ObjectMeta>;
  /** sorted keys, rebuilt lazily after a change */
  sorted?: string[];
}

export interface ListResult {
  contents: ObjectMeta[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextContinuationToken?: string;
  keyCount: number;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function checkBucketName(name: string): void {
  if (!BUCKET_NAME.test(name) || name.includes("..") || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    throw new S3Error(400, "InvalidBucketName", "bucket names are 3-63 characters of a-z, 0-9, '.' and '-'", name);
  }
}

function keyFile(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Reads an object file's trailer (metadata JSON, then its length as 4 bytes, after the body). */
async function readTrailer(fh: FileHandle): Promise<ObjectMeta> {
  const { size } = await fh.stat();
  const len = Buffer.alloc(4);
  await fh.read(len, 0, 4, size - 4);
  const n = len.readUInt32BE(0);
  const json = Buffer.alloc(n);
  await fh.read(json, 0, n, size - 4 - n);
  return JSON.parse(json.toString("utf8")) as ObjectMeta;
}

function trailerBytes(meta: ObjectMeta): Buffer {
  const json = Buffer.from(JSON.stringify(meta));
  const out = Buffer.alloc(json.length + 4);
  json.copy(out, 0);
  out.writeUInt32BE(json.length, json.length);
  return out;
}

export class LeaseStore {
  private readonly buckets = new Map<string, Bucket>();
  private readonly uploads = new Map<string, UploadMeta & { parts: Map<number, { size: number; etag: string }> }>();

  /**
   * `usage`: the lease's bytes against its quota, shared with its jobs (lease-usage.ts); this
   * store counts its committed objects and uploaded parts there as "s3".
   */
  private constructor(
    readonly dir: string,
    readonly usage: LeaseUsage,
  ) {}

  static async open(dir: string, usage: LeaseUsage): Promise<LeaseStore> {
    const store = new LeaseStore(dir, usage);
    await mkdir(join(dir, "buckets"), { recursive: true });
    await rm(join(dir, "tmp"), { recursive: true, force: true }); // half-written files of a crash
    await mkdir(join(dir, "tmp"), { recursive: true });
    await mkdir(join(dir, "uploads"), { recursive: true });
    await store.load();
    return store;
  }

  /** bytes of committed objects and uploaded parts (job files are not this store's) */
  get usedBytes(): number {
    return this.usage.of("s3");
  }

  get objectCount(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.objects.size;
    return n;
  }

  /** Rebuilds the index and counts the bytes on disk (added to the usage once, at the end). */
  private async load(): Promise<void> {
    let used = 0;
    for (const name of await readdir(join(this.dir, "buckets"))) {
      const bdir = join(this.dir, "buckets", name);
      const info = JSON.parse(await readFile(join(bdir, "bucket.json"), "utf8").catch(() => "{}")) as {
        created?: string;
      };
      const bucket: Bucket = { name, created: info.created ?? new Date(0).toISOString(), objects: new Map() };
      for (const file of await readdir(join(bdir, "objects")).catch(() => [] as string[])) {
        const fh = await open(join(bdir, "objects", file), "r");
        try {
          const meta = await readTrailer(fh);
          bucket.objects.set(meta.key, meta);
          used += meta.size;
        } finally {
          await fh.close();
        }
      }
      this.buckets.set(name, bucket);
    }
    for (const id of await readdir(join(this.dir, "uploads"))) {
      const udir = join(this.dir, "uploads", id);
      const meta = JSON.parse(
        await readFile(join(udir, "upload.json"), "utf8").catch(() => "null"),
      ) as UploadMeta | null;
      if (!meta) {
        await rm(udir, { recursive: true, force: true });
        continue;
      }
      const parts = new Map<number, { size: number; etag: string }>();
      for (const f of await readdir(udir)) {
        const m = /^part-(\d+)\.([0-9a-f]{32})$/.exec(f);
        if (!m) continue;
        const size = (await stat(join(udir, f))).size;
        parts.set(Number(m[1]), { size, etag: m[2]! });
        used += size;
      }
      this.uploads.set(id, { ...meta, parts });
    }
    this.usage.add("s3", used);
  }

  listBuckets(): Array<{ name: string; created: string }> {
    return [...this.buckets.values()]
      .map((b) => ({ name: b.name, created: b.created }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  bucket(name: string): Bucket {
    const b = this.buckets.get(name);
    if (!b) throw new S3Error(404, "NoSuchBucket", "the specified bucket does not exist", name);
    return b;
  }

  async createBucket(name: string): Promise<void> {
    checkBucketName(name);
    if (this.buckets.has(name)) throw new S3Error(409, "BucketAlreadyOwnedByYou", "you already own this bucket", name);
    const bdir = join(this.dir, "buckets", name);
    await mkdir(join(bdir, "objects"), { recursive: true });
    const created = new Date().toISOString();
    await writeFileDurable(join(bdir, "bucket.json"), JSON.stringify({ created }));
    await fsyncDir(join(this.dir, "buckets"));
    this.buckets.set(name, { name, created, objects: new Map() });
  }

  async deleteBucket(name: string): Promise<void> {
    const b = this.bucket(name);
    if (b.objects.size > 0 || [...this.uploads.values()].some((u) => u.bucket === name)) {
      throw new S3Error(409, "BucketNotEmpty", "the bucket you tried to delete is not empty", name);
    }
    this.buckets.delete(name);
    await rm(join(this.dir, "buckets", name), { recursive: true, force: true });
    await fsyncDir(join(this.dir, "buckets"));
  }

  /** Reserves `bytes` against the quota for a write that replaces `replacing` bytes. */
  private reserve(bytes: number, replacing: number, quotaBytes: number, resource: string): () => void {
    try {
      return this.usage.reserve(bytes, replacing, quotaBytes);
    } catch (err) {
      if (err instanceof QuotaExceeded) throw new S3Error(400, "EntityTooLarge", err.message, resource);
      throw err;
    }
  }

  /**
   * Streams `sources` into a temporary file, then (when `trailer` is given) the metadata trailer
   * made from the body's MD5 and size; syncs it and returns its path.
   */
  private async writeTemp(
    sources: Array<AsyncIterable<Buffer>>,
    trailer?: (md5: string, size: number) => ObjectMeta,
  ): Promise<{ tmp: string; md5: string; size: number; meta?: ObjectMeta }> {
    const tmp = join(this.dir, "tmp", randomBytes(12).toString("hex"));
    const fh = await open(tmp, "wx", 0o600);
    const md5 = createHash("md5");
    let size = 0;
    let meta: ObjectMeta | undefined;
    try {
      for (const source of sources) {
        for await (const chunk of source) {
          md5.update(chunk);
          await fh.write(chunk, 0, chunk.length, size);
          size += chunk.length;
        }
      }
      const digest = md5.digest("hex");
      if (trailer) {
        meta = trailer(digest, size);
        const t = trailerBytes(meta);
        await fh.write(t, 0, t.length, size);
      }
      await fh.sync();
      await fh.close();
      return { tmp, md5: digest, size, meta };
    } catch (err) {
      await fh.close().catch(() => undefined);
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async putObject(
    bucketName: string,
    key: string,
    body: BodyPlan,
    contentType: string,
    quotaBytes: number,
  ): Promise<ObjectMeta> {
    const b = this.bucket(bucketName);
    const release = this.reserve(body.length, b.objects.get(key)?.size ?? 0, quotaBytes, `/${bucketName}/${key}`);
    try {
      const { tmp, meta } = await this.writeTemp([body.body], (md5, size) => ({
        key,
        size,
        etag: `"${md5}"`,
        contentType,
        lastModified: new Date().toISOString(),
      }));
      await this.publish(b, meta!, tmp);
      return meta!;
    } finally {
      release();
    }
  }

  /** Renames a synced object file into place and counts it. */
  private async publish(b: Bucket, meta: ObjectMeta, tmp: string): Promise<void> {
    await commitFile(tmp, join(this.dir, "buckets", b.name, "objects", keyFile(meta.key)));
    const old = b.objects.get(meta.key);
    this.usage.add("s3", meta.size - (old?.size ?? 0));
    b.objects.set(meta.key, meta);
    b.sorted = undefined;
  }

  head(bucketName: string, key: string): ObjectMeta {
    const meta = this.bucket(bucketName).objects.get(key);
    if (!meta) throw new S3Error(404, "NoSuchKey", "the specified key does not exist", `/${bucketName}/${key}`);
    return meta;
  }

  /** A stream of the object's bytes [start, end] (inclusive), with its metadata. */
  async read(
    bucketName: string,
    key: string,
    range?: { start: number; end: number },
  ): Promise<{ meta: ObjectMeta; stream: ReadStream | undefined }> {
    const meta = this.head(bucketName, key);
    const path = join(this.dir, "buckets", bucketName, "objects", keyFile(key));
    const start = range?.start ?? 0;
    const end = range ? range.end : meta.size - 1;
    if (end < start) return { meta, stream: undefined };
    const stream = createReadStream(path, { start, end, highWaterMark: 1024 * 1024 });
    return { meta, stream };
  }

  async deleteObject(bucketName: string, key: string): Promise<void> {
    const b = this.bucket(bucketName);
    const meta = b.objects.get(key);
    if (!meta) return; // S3 answers 204 for a missing key too
    await rm(join(this.dir, "buckets", bucketName, "objects", keyFile(key)), { force: true });
    await fsyncDir(join(this.dir, "buckets", bucketName, "objects"));
    b.objects.delete(key);
    b.sorted = undefined;
    this.usage.add("s3", -meta.size);
  }

  list(
    bucketName: string,
    opts: { prefix: string; delimiter: string; maxKeys: number; after?: string; skipPrefix?: string },
  ): ListResult {
    const b = this.bucket(bucketName);
    b.sorted ??= [...b.objects.keys()].sort();
    const keys = b.sorted;
    // binary search for the first key > after (or >= prefix)
    const from = opts.after ?? "";
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! <= from) lo = mid + 1;
      else hi = mid;
    }
    const contents: ObjectMeta[] = [];
    const commonPrefixes: string[] = [];
    let last: { value: string; isPrefix: boolean } | undefined;
    let i = lo;
    for (; i < keys.length; i++) {
      const key = keys[i]!;
      if (opts.skipPrefix && key.startsWith(opts.skipPrefix)) continue;
      if (!key.startsWith(opts.prefix)) {
        if (key > opts.prefix) break; // sorted: no later key has the prefix
        continue;
      }
      if (contents.length + commonPrefixes.length >= opts.maxKeys) break;
      if (opts.delimiter) {
        const at = key.indexOf(opts.delimiter, opts.prefix.length);
        if (at >= 0) {
          const cp = key.slice(0, at + opts.delimiter.length);
          if (commonPrefixes.at(-1) !== cp) {
            commonPrefixes.push(cp);
            last = { value: cp, isPrefix: true };
          }
          // skip the rest of this common prefix
          while (i + 1 < keys.length && keys[i + 1]!.startsWith(cp)) i++;
          continue;
        }
      }
      contents.push(b.objects.get(key)!);
      last = { value: key, isPrefix: false };
    }
    let isTruncated = false;
    for (; i < keys.length; i++) {
      const key = keys[i]!;
      if (key.startsWith(opts.prefix)) {
        isTruncated = true;
        break;
      }
      if (key > opts.prefix) break;
    }
    const nextContinuationToken =
      isTruncated && last
        ? Buffer.from(JSON.stringify({ a: last.value, p: last.isPrefix })).toString("base64url")
        : undefined;
    return {
      contents,
      commonPrefixes,
      isTruncated,
      nextContinuationToken,
      keyCount: contents.length + commonPrefixes.length,
    };
  }

  // --- multipart upload ---

  async createUpload(bucketName: string, key: string, contentType: string): Promise<string> {
    this.bucket(bucketName);
    const uploadId = randomBytes(16).toString("hex");
    const udir = join(this.dir, "uploads", uploadId);
    await mkdir(udir);
    const meta: UploadMeta = { uploadId, bucket: bucketName, key, contentType, initiated: new Date().toISOString() };
    await writeFileDurable(join(udir, "upload.json"), JSON.stringify(meta));
    this.uploads.set(uploadId, { ...meta, parts: new Map() });
    return uploadId;
  }

  private upload(
    bucketName: string,
    key: string,
    uploadId: string,
  ): UploadMeta & { parts: Map<number, { size: number; etag: string }> } {
    const u = /^[0-9a-f]{32}$/.test(uploadId) ? this.uploads.get(uploadId) : undefined;
    if (!u || u.bucket !== bucketName || u.key !== key) {
      throw new S3Error(404, "NoSuchUpload", "the specified multipart upload does not exist", `/${bucketName}/${key}`);
    }
    return u;
  }

  async uploadPart(
    bucketName: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: BodyPlan,
    quotaBytes: number,
  ): Promise<string> {
    const u = this.upload(bucketName, key, uploadId);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
      throw new S3Error(400, "InvalidArgument", "part number must be an integer between 1 and 10000");
    }
    const old = u.parts.get(partNumber);
    const release = this.reserve(body.length, old?.size ?? 0, quotaBytes, `/${bucketName}/${key}`);
    try {
      const { tmp, md5, size } = await this.writeTemp([body.body]);
      const udir = join(this.dir, "uploads", uploadId);
      await commitFile(tmp, join(udir, `part-${partNumber}.${md5}`));
      if (old && old.etag !== md5) await rm(join(udir, `part-${partNumber}.${old.etag}`), { force: true });
      u.parts.set(partNumber, { size, etag: md5 });
      this.usage.add("s3", size - (old?.size ?? 0));
      return `"${md5}"`;
    } finally {
      release();
    }
  }

  async completeUpload(
    bucketName: string,
    key: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
  ): Promise<ObjectMeta> {
    const u = this.upload(bucketName, key, uploadId);
    const b = this.bucket(bucketName);
    if (parts.length === 0) throw new S3Error(400, "MalformedXML", "the upload names no parts");
    const files: Array<AsyncIterable<Buffer>> = [];
    const md5s: Buffer[] = [];
    let size = 0;
    let prev = 0;
    for (const [i, p] of parts.entries()) {
      if (p.partNumber <= prev) throw new S3Error(400, "InvalidPartOrder", "parts must be listed in ascending order");
      prev = p.partNumber;
      const have = u.parts.get(p.partNumber);
      if (!have || have.etag !== p.etag.replace(/"/g, "")) {
        throw new S3Error(400, "InvalidPart", `part ${p.partNumber} was not uploaded or its ETag does not match`);
      }
      if (i < parts.length - 1 && have.size < 5 * 1024 * 1024) {
        throw new S3Error(400, "EntityTooSmall", `part ${p.partNumber} is smaller than 5 MiB and not the last part`);
      }
      const file = join(this.dir, "uploads", uploadId, `part-${p.partNumber}.${have.etag}`);
      files.push(createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>);
      md5s.push(Buffer.from(have.etag, "hex"));
      size += have.size;
    }
    const etag = `"${createHash("md5").update(Buffer.concat(md5s)).digest("hex")}-${parts.length}"`;
    // The object is a copy of its parts: room for it is checked against the quota like a write
    // (the parts are freed right after).
    const release = this.reserve(size, b.objects.get(key)?.size ?? 0, Infinity, `/${bucketName}/${key}`);
    try {
      const { tmp, meta } = await this.writeTemp(files, () => ({
        key,
        size,
        etag,
        contentType: u.contentType,
        lastModified: new Date().toISOString(),
      }));
      await this.publish(b, meta!, tmp);
      await this.dropUpload(uploadId);
      return meta!;
    } finally {
      release();
    }
  }

  async abortUpload(bucketName: string, key: string, uploadId: string): Promise<void> {
    this.upload(bucketName, key, uploadId);
    await this.dropUpload(uploadId);
  }

  private async dropUpload(uploadId: string): Promise<void> {
    const u = this.uploads.get(uploadId);
    if (!u) return;
    this.uploads.delete(uploadId);
    for (const p of u.parts.values()) this.usage.add("s3", -p.size);
    await rm(join(this.dir, "uploads", uploadId), { recursive: true, force: true });
  }

  /** Deletes everything (the lease's grace period is over). */
  async destroy(): Promise<void> {
    this.buckets.clear();
    this.uploads.clear();
    this.usage.add("s3", -this.usage.of("s3"));
    await rm(this.dir, { recursive: true, force: true });
  }
}
