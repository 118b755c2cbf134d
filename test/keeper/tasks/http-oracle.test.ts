// The http-oracle executor against real local HTTP servers: the value, and every bad input as a
// recorded failure (never a throw).
import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { runHttpOracle } from "../../../keeper/src/tasks/http-oracle.js";
import { isPrivateAddress } from "../../../keeper/src/tasks/http-get.js";
import { scaleDecimal, resolvePointer } from "../../../keeper/src/tasks/json-value.js";
import type { HttpOracleSpec } from "../../../keeper/src/tasks/spec.js";

describe("http-oracle executor", () => {
  let server: http.Server;
  let base = "";
  let otherBase = "";
  let other: http.Server;
  before(async () => {
    other = http.createServer((_req, res) => res.end('{"x": 1}'));
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    otherBase = `http://localhost:${(other.address() as AddressInfo).port}`;
    server = http.createServer((req, res) => {
      if (req.url === "/price") res.end(JSON.stringify({ data: { price: 1234.5678, list: [1, "2.5"] } }));
      else if (req.url === "/html") res.end("<html>not json</html>");
      else if (req.url === "/huge") {
        res.write("[");
        for (let i = 0; i < 2000; i++) res.write("1234567890,".repeat(10));
        res.end("0]");
      } else if (req.url === "/slow") setTimeout(() => res.end("{}"), 3_000);
      else if (req.url === "/redirect-same") res.writeHead(302, { location: "/price" }).end();
      else if (req.url === "/redirect-other") res.writeHead(302, { location: `${otherBase}/` }).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    other.close();
  });

  const spec = (path: string, pointer = "/data/price", extra: Partial<HttpOracleSpec> = {}): HttpOracleSpec => ({
    version: 1,
    kind: "http-oracle",
    url: `${base}${path}`,
    pointer,
    decimals: 2,
    toleranceBps: 100,
    timeoutMs: 1_000,
    maxBytes: 64 * 1024,
    ...extra,
  });
  const allow = { allowPrivate: true };

  it("reads the number at the JSON pointer, scaled exactly by the spec's decimals", async () => {
    expect(await runHttpOracle(spec("/price"), allow)).to.deep.equal({ ok: true, value: 123457n });
    expect(await runHttpOracle(spec("/price", "/data/list/1"), allow)).to.deep.equal({ ok: true, value: 250n });
    expect(await runHttpOracle(spec("/redirect-same"), allow)).to.deep.equal({ ok: true, value: 123457n });
  });

  it("records failures: unreachable, non-JSON, huge, missing pointer, not numeric, timeout, HTTP status, cross-host redirect", async () => {
    const cases: Array<[HttpOracleSpec, string]> = [
      [spec("", "/x", { url: "http://127.0.0.1:1/" }), "unreachable"],
      [spec("/html"), "not-json"],
      [spec("/huge"), "too-large"],
      [spec("/price", "/data/volume"), "missing-pointer"],
      [spec("/price", "/data/list/7"), "missing-pointer"],
      [spec("/price", "/data"), "not-numeric"],
      [spec("/slow", "/x", { timeoutMs: 300 }), "timeout"],
      [spec("/nope"), "http-status"],
      [spec("/redirect-other"), "cross-host-redirect"],
    ];
    for (const [s, code] of cases) {
      const r = await runHttpOracle(s, allow);
      expect(r.ok, s.url).to.equal(false);
      if (!r.ok) expect(r.code, s.url).to.equal(code);
    }
  });

  it("refuses loopback and private addresses unless the config allows them", async () => {
    const r = await runHttpOracle(spec("/price"), { allowPrivate: false });
    expect(r).to.include({ ok: false, code: "private-address" });
    const byName = await runHttpOracle(spec("", "/x", { url: `${otherBase}/` }), { allowPrivate: false });
    expect(byName).to.include({ ok: false, code: "private-address" });
    for (const a of ["10.1.2.3", "192.168.0.1", "172.20.0.1", "169.254.1.1", "::1", "fd00::1", "::ffff:127.0.0.1"]) {
      expect(isPrivateAddress(a), a).to.equal(true);
    }
    for (const a of ["8.8.8.8", "1.1.1.1", "2606:4700::1111"]) expect(isPrivateAddress(a), a).to.equal(false);
  });

  it("scales decimals exactly (no float rounding) and reads escaped pointer keys", () => {
    expect(scaleDecimal(0.1 + 0.2, 2)).to.equal(30n); // 0.30000000000000004 -> 30
    expect(scaleDecimal("-2.345", 2)).to.equal(-235n); // half away from zero
    expect(scaleDecimal(1e-7, 8)).to.equal(10n);
    expect(scaleDecimal("123456789012345678901234567890", 0)).to.equal(123456789012345678901234567890n);
    expect(resolvePointer({ "a/b": { "~c": 5 } }, "/a~1b/~0c")).to.equal(5);
  });
});
