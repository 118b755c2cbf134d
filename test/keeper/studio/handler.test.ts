// The Studio's routes on the keeper's HTTP server (a real server on loopback, a real dist folder):
// the page and its assets with their cache rules, nothing outside the dist folder, config.json,
// and a read-only RPC window that refuses writes and oversize bodies before reaching the chain.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { expect } from "chai";
import { createMetrics, ObservabilityServer } from "../../../keeper/src/observability/index.js";
import { studioHandler, type StudioInfo } from "../../../keeper/src/studio/handler.js";
import { MAX_BODY_BYTES } from "../../../keeper/src/studio/rpc-proxy.js";
import { silentLogger } from "../helpers/logs.js";

const INFO: StudioInfo = {
  chainId: "31337",
  operator: "0x0000000000000000000000000000000000000001",
  peerId: "12D3KooWtest",
  // a name that would break out of the attribute if it were not escaped
  contracts: { Staking: "0x0000000000000000000000000000000000000002", '"><script>x&': "0x03" },
  deploymentBlock: 1,
  rpc: true,
};

/** A raw GET, so a path like /studio/../x reaches the server as written (fetch would normalise it). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("studio: the page, its config and the read-only RPC window on the keeper's server", () => {
  const root = mkdtempSync(join(tmpdir(), "studio-dist-"));
  const dist = join(root, "dist");
  mkdirSync(join(dist, "assets"), { recursive: true });
  writeFileSync(join(dist, "index.html"), "<!doctype html><title>studio</title><!--CONFIG-->");
  writeFileSync(join(dist, "assets", "main-ABC123.js"), "console.log(1)");
  writeFileSync(join(dist, "assets", "main-ABC123.js.gz"), gzipSync("console.log(1)"));
  writeFileSync(join(root, "secret.txt"), "outside the dist folder");
  // a port nothing listens on: a refused call must never get that far (it would answer 502)
  const server = new ObservabilityServer({
    config: { metricsHost: "127.0.0.1", metricsPort: 0 },
    logger: silentLogger(),
    metrics: createMetrics(),
    health: () => ({ ready: true, peers: 0, synced: true, epoch: null, lastCheckpointAgeSeconds: null }),
    handlers: [studioHandler({ distDir: dist, rpcUrl: "http://127.0.0.1:9", info: () => INFO })],
  });
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
  const rpc = (body: string) =>
    fetch(url("/studio/rpc"), { method: "POST", body, headers: { "content-type": "application/json" } });

  before(() => server.start());
  after(async () => {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("serves the page uncached and hashed assets cached for good, with a strict content security policy", async () => {
    const redirect = await fetch(url("/studio"), { redirect: "manual" });
    expect(redirect.status).to.equal(308);
    expect(redirect.headers.get("location")).to.equal("/studio/");
    const page = await fetch(url("/studio/"));
    expect(page.status).to.equal(200);
    expect(page.headers.get("content-type")).to.match(/^text\/html/);
    expect(page.headers.get("cache-control")).to.equal("no-cache");
    expect(page.headers.get("content-security-policy")).to.include("script-src 'self'");
    const asset = await fetch(url("/studio/assets/main-ABC123.js"));
    expect(asset.headers.get("content-type")).to.match(/^text\/javascript/);
    expect(asset.headers.get("cache-control")).to.include("immutable");
    expect((await fetch(url("/studio/assets/nope.js"))).status).to.equal(404);
    // the other routes are untouched
    expect((await fetch(url("/health"))).status).to.equal(200);
  });

  it("sends the build's gzipped copy of an asset only to a client that accepts gzip", async () => {
    const get = (encoding?: string) =>
      new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const headers = encoding ? { "accept-encoding": encoding } : {};
        const port = server.port;
        request({ host: "127.0.0.1", port, path: "/studio/assets/main-ABC123.js", headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        })
          .on("error", reject)
          .end();
      });
    const zipped = await get("gzip, deflate");
    expect(zipped.headers["content-encoding"]).to.equal("gzip");
    expect(zipped.headers.vary).to.equal("accept-encoding");
    expect(gunzipSync(zipped.body).toString()).to.equal("console.log(1)");
    for (const encoding of [undefined, "identity", "br"]) {
      const plain = await get(encoding);
      expect(plain.headers["content-encoding"], String(encoding)).to.equal(undefined);
      expect(plain.body.toString()).to.equal("console.log(1)");
    }
  });

  it("never serves a file outside its dist folder, however the path is encoded", async () => {
    for (const path of [
      "/studio/../secret.txt",
      "/studio/%2e%2e/secret.txt",
      "/studio/assets/%2E%2E%2F..%2Fsecret.txt",
    ]) {
      const r = await rawGet(server.port!, path);
      expect(r.body, path).to.not.include("outside the dist folder");
    }
    expect((await rawGet(server.port!, "/studio/%E0%A4%A")).status).to.equal(400);
  });

  it("tells the page its chain, contracts and operator, in the page itself (escaped) and as config.json", async () => {
    const r = await fetch(url("/studio/config.json"));
    expect(r.headers.get("cache-control")).to.equal("no-store");
    expect(await r.json()).to.deep.equal(INFO);
    const page = await (await fetch(url("/studio/"))).text();
    const meta = /<meta name="openmesh-studio" content="([^"]*)" \/>/.exec(page);
    expect(meta, page).to.not.equal(null);
    const unescaped = meta![1]!
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
    expect(JSON.parse(unescaped)).to.deep.equal(INFO);
    expect(page).to.not.include("<!--CONFIG-->");
  });

  it("refuses writes, signing, bad JSON, big batches and oversize bodies without calling the chain", async () => {
    const one = await rpc(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "eth_sendTransaction", params: [] }));
    expect(one.status).to.equal(200);
    const refused = (await one.json()) as { id: number; error: { code: number; message: string } };
    expect(refused.id).to.equal(7);
    expect(refused.error.code).to.equal(-32601);
    expect(refused.error.message).to.include("reads only");
    const batch = await rpc(
      JSON.stringify(
        ["eth_sign", "personal_sign", "eth_sendRawTransaction"].map((method, id) => ({ jsonrpc: "2.0", id, method })),
      ),
    );
    const replies = (await batch.json()) as Array<{ id: number; error: { code: number } }>;
    expect(replies.map((r) => [r.id, r.error.code])).to.deep.equal([
      [0, -32601],
      [1, -32601],
      [2, -32601],
    ]);
    expect((await rpc("{not json")).status).to.equal(400);
    expect((await rpc("[]")).status).to.equal(400);
    const many = JSON.stringify(Array.from({ length: 51 }, (_, id) => ({ jsonrpc: "2.0", id, method: "eth_chainId" })));
    expect((await rpc(many)).status).to.equal(400);
    expect((await rpc("x".repeat(MAX_BODY_BYTES + 1))).status).to.equal(413);
    expect((await fetch(url("/studio/rpc"))).status).to.equal(405);
  });

  it("answers 502 when a read cannot reach the chain, and keeps serving", async () => {
    const r = await rpc(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber" }));
    expect(r.status).to.equal(502);
    expect((await fetch(url("/studio/config.json"))).status).to.equal(200);
  });
});
