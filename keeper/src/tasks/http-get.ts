// One guarded HTTP(S) GET for task inputs (spec documents, oracle sources, wasm modules): a hard
// timeout over the whole exchange, a response size cap enforced while streaming, redirects only to
// the same host, and no private, loopback or link-local address unless the keeper's config allows
// it (tests and the demo do, for loopback). The address is checked on the resolved IP the socket
// connects to (the `lookup` hook), so DNS cannot swap a public name for a private address.
import http from "node:http";
import https from "node:https";
import { BlockList, isIP } from "node:net";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";

export interface GetLimits {
  timeoutMs: number;
  maxBytes: number;
  allowPrivate: boolean;
  maxRedirects?: number;
}

export type GetErrorCode =
  | "bad-url"
  | "private-address"
  | "unreachable"
  | "timeout"
  | "too-large"
  | "http-status"
  | "cross-host-redirect"
  | "too-many-redirects";

export class TaskInputError extends Error {
  override name = "TaskInputError";
  constructor(
    readonly code: GetErrorCode | "not-json" | "missing-pointer" | "not-numeric" | "hash-mismatch" | "bad-spec",
    message: string,
  ) {
    super(message);
  }
}

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const)
  PRIVATE.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 127],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  PRIVATE.addSubnet(net, bits, "ipv6");

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, "ipv4");
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    return mapped ? PRIVATE.check(mapped[1]!, "ipv4") : PRIVATE.check(address, "ipv6");
  }
  return true;
}

/** GET `url` within `limits`; resolves with the body, or rejects with a TaskInputError. */
export async function guardedGet(url: string, limits: GetLimits): Promise<Uint8Array> {
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new TaskInputError("bad-url", `not a URL: ${url.slice(0, 200)}`);
  }
  const host = current.host;
  for (let hop = 0; hop <= (limits.maxRedirects ?? 3); hop++) {
    if (current.protocol !== "http:" && current.protocol !== "https:") {
      throw new TaskInputError("bad-url", `only http(s) URLs: ${current.protocol}`);
    }
    const res = await getOnce(current, limits, deadline);
    if (res.redirect === undefined) return res.body!;
    const next = new URL(res.redirect, current);
    if (next.host !== host) throw new TaskInputError("cross-host-redirect", `redirect to another host: ${next.host}`);
    current = next;
  }
  throw new TaskInputError("too-many-redirects", `more than ${limits.maxRedirects ?? 3} redirects`);
}

function getOnce(url: URL, limits: GetLimits, signal: AbortSignal): Promise<{ body?: Uint8Array; redirect?: string }> {
  return new Promise((resolve, reject) => {
    const lib = url.protocol === "https:" ? https : http;
    let blocked: string | undefined;
    const lookup = (
      hostname: string,
      options: object,
      cb: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
    ) => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return cb(err, []);
        const list = addresses;
        const bad = list.find((a) => isPrivateAddress(a.address));
        if (bad && !limits.allowPrivate) {
          blocked = bad.address;
          return cb(Object.assign(new Error(`private address ${bad.address}`), { code: "EPRIVATE" }), []);
        }
        cb(null, list);
      });
    };
    const hostIsIp = isIP(url.hostname.replace(/^\[|\]$/g, ""));
    if (hostIsIp && !limits.allowPrivate && isPrivateAddress(url.hostname.replace(/^\[|\]$/g, ""))) {
      reject(new TaskInputError("private-address", `private address ${url.hostname}`));
      return;
    }
    const req = lib.get(url, { lookup, signal, headers: { accept: "application/json, */*" } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        resolve({ redirect: res.headers.location });
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new TaskInputError("http-status", `HTTP ${status}`));
        return;
      }
      const declared = Number(res.headers["content-length"] ?? 0);
      if (declared > limits.maxBytes) {
        res.destroy();
        reject(new TaskInputError("too-large", `content-length ${declared} > ${limits.maxBytes}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > limits.maxBytes) {
          res.destroy();
          reject(new TaskInputError("too-large", `response over ${limits.maxBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on("end", () => resolve({ body: new Uint8Array(Buffer.concat(chunks)) }));
      res.on("error", (e) => reject(classify(e, signal, blocked)));
    });
    req.on("error", (e) => reject(classify(e, signal, blocked)));
  });
}

function classify(e: Error, signal: AbortSignal, blocked: string | undefined): TaskInputError {
  if (e instanceof TaskInputError) return e;
  if (blocked !== undefined) return new TaskInputError("private-address", `private address ${blocked}`);
  if (signal.aborted) return new TaskInputError("timeout", "timed out");
  return new TaskInputError("unreachable", e.message.slice(0, 200));
}
