// The lease's S3 store from the page: the keeper's path-style endpoint (<keeper>/s3, docs/workspace.md)
// with the keys the workspace API issued, every request signed with AWS SigV4 by aws4fetch (Web Crypto,
// ~2 kB) in the browser. Uploads send the body's SHA-256 as x-amz-content-sha256, which the keeper
// checks before it keeps a byte.
import { AwsClient } from "aws4fetch";
import { keeperBase } from "./keeper.js";

export interface S3Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3Object {
  key: string;
  size: number;
  lastModified: string;
}

/** The keeper checks the same encoding (RFC 3986) on the raw path it received. */
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");

function xml(text: string): Document {
  return new DOMParser().parseFromString(text, "application/xml");
}

const field = (el: Element, name: string) => el.getElementsByTagName(name)[0]?.textContent ?? "";

export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class WorkspaceS3 {
  private readonly aws: AwsClient;

  constructor(keys: S3Keys) {
    if (!globalThis.crypto?.subtle) {
      throw new Error(
        "this page is not in a secure context (https or loopback): the browser offers no Web Crypto to sign S3 requests",
      );
    }
    // any region name works (it is part of the signature, not a place)
    this.aws = new AwsClient({ ...keys, service: "s3", region: "us-east-1" });
  }

  private url(bucket?: string, key?: string, query = ""): string {
    let path = "s3/";
    if (bucket) path += rfc3986(bucket);
    if (key !== undefined) path += "/" + key.split("/").map(rfc3986).join("/");
    return new URL(path, keeperBase).href + query;
  }

  private async send(url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
    const res = await this.aws.fetch(url, { ...init, cache: "no-store" });
    if (res.ok) return res;
    const text = await res.text().catch(() => "");
    const doc = text ? xml(text) : null;
    const code = doc ? field(doc.documentElement, "Code") : "";
    const message = doc ? field(doc.documentElement, "Message") : "";
    throw new S3Error(
      res.status,
      code || `HTTP ${res.status}`,
      `${code || `HTTP ${res.status}`}: ${message || res.statusText}`,
    );
  }

  async listBuckets(): Promise<string[]> {
    const doc = xml(await (await this.send(this.url())).text());
    return [...doc.getElementsByTagName("Bucket")].map((b) => field(b, "Name"));
  }

  async createBucket(bucket: string): Promise<void> {
    await this.send(this.url(bucket), { method: "PUT" });
  }

  /** Every object of the bucket (pages of 1,000 followed). */
  async listObjects(bucket: string): Promise<S3Object[]> {
    const out: S3Object[] = [];
    let token = "";
    do {
      const q = `?list-type=2${token ? `&continuation-token=${rfc3986(token)}` : ""}`;
      const doc = xml(await (await this.send(this.url(bucket, undefined, q))).text());
      for (const c of doc.getElementsByTagName("Contents")) {
        out.push({ key: field(c, "Key"), size: Number(field(c, "Size")), lastModified: field(c, "LastModified") });
      }
      token =
        field(doc.documentElement, "IsTruncated") === "true" ? field(doc.documentElement, "NextContinuationToken") : "";
    } while (token);
    return out;
  }

  async putObject(bucket: string, key: string, body: ArrayBuffer, contentType: string): Promise<void> {
    const sha256 = hex(await crypto.subtle.digest("SHA-256", body));
    await this.send(this.url(bucket, key), {
      method: "PUT",
      body,
      headers: { "content-type": contentType || "application/octet-stream", "x-amz-content-sha256": sha256 },
    });
  }

  async getObject(bucket: string, key: string): Promise<Blob> {
    return (await this.send(this.url(bucket, key))).blob();
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.send(this.url(bucket, key), { method: "DELETE" });
  }
}
