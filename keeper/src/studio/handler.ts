// Xnode Studio on the keeper's HTTP server: the built page (keeper/studio/dist, `npm run build`)
// under /studio/, what the page needs to find the protocol (/studio/config.json) and a read-only
// JSON-RPC window onto the chain (/studio/rpc). Nothing here is fetched from elsewhere at run time.
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { HttpHandler } from "../observability/index.js";
import { proxyRpc } from "./rpc-proxy.js";

/** Where `npm run build` writes the page (keeper/studio/build.ts). */
export const STUDIO_DIST = fileURLToPath(new URL("../../studio/dist/", import.meta.url));

/** What the page reads first: which chain, which contracts, which keeper. */
export interface StudioInfo {
  chainId: string | null;
  /** this keeper's operator account */
  operator: string;
  peerId: string;
  /** contract name -> address, from the keeper's deployment file */
  contracts: Record<string, string>;
  /** where the page starts reading protocol events (proposals, unbonding requests) */
  deploymentBlock: number;
  /** false when the keeper has no chain: the page shows keeper data only */
  rpc: boolean;
}

export interface StudioOptions {
  distDir?: string;
  /** the chain the /studio/rpc window reads from; none: no window */
  rpcUrl?: string;
  info: () => StudioInfo;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".map": "application/json",
  ".woff2": "font/woff2",
};

// The page runs only its own code: no inline scripts, no other origin. uPlot sizes its canvas
// with style attributes, hence 'unsafe-inline' for styles only.
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;" };

/**
 * The page with its config in a meta tag (not a script: the CSP allows none inline), so the page
 * needs no second round trip before it can draw; /studio/config.json stays for other readers.
 */
function withConfig(page: Buffer, info: StudioInfo): Buffer {
  const json = JSON.stringify(info).replace(/[&"<>]/g, (c) => HTML_ESCAPES[c]!);
  return Buffer.from(
    page.toString("utf8").replace("<!--CONFIG-->", `<meta name="openmesh-studio" content="${json}" />`),
  );
}

export function studioHandler(opts: StudioOptions): HttpHandler {
  const dist = normalize(opts.distDir ?? STUDIO_DIST);
  return async (req, res, path) => {
    if (path !== "/studio" && !path.startsWith("/studio/")) return false;
    if (path === "/studio") {
      res.writeHead(308, { location: "/studio/" }).end();
      return true;
    }
    if (path === "/studio/rpc") {
      if (req.method !== "POST") res.writeHead(405, { allow: "POST" }).end();
      else if (!opts.rpcUrl) res.writeHead(404, { "content-type": "application/json" }).end('{"error":"no chain"}');
      else await proxyRpc(opts.rpcUrl, req, res);
      return true;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return true;
    }
    if (path === "/studio/config.json") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(opts.info()));
      return true;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(path.slice("/studio/".length)) || "index.html";
    } catch {
      res.writeHead(400).end();
      return true;
    }
    const file = normalize(join(dist, rel));
    if (!file.startsWith(dist.endsWith(sep) ? dist : dist + sep)) {
      res.writeHead(404).end();
      return true;
    }
    // the build's gzipped copy of an asset, for a browser that accepts gzip
    const gzipped =
      rel.startsWith("assets/") && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))
        ? await readFile(`${file}.gz`).catch(() => null)
        : null;
    let body: Buffer;
    try {
      body = gzipped ?? (await readFile(file));
      if (rel === "index.html") body = withConfig(body, opts.info());
    } catch {
      if (rel === "index.html") {
        res.writeHead(503, { "content-type": "text/plain; charset=utf-8" });
        res.end("Xnode Studio is not built: run `npm run build` in the repository, then reload.\n");
      } else res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return true;
    }
    // built assets carry a content hash in their name: cache them for good; the page itself never
    const immutable = rel.startsWith("assets/");
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
      ...(immutable ? { vary: "accept-encoding" } : {}),
      ...(gzipped ? { "content-encoding": "gzip" } : {}),
      ...SECURITY_HEADERS,
    });
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}
