// The wasm executor fetching its module by hash from a real local HTTP server.
import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { keccak256 } from "ethers";
import { ModuleStore } from "../../../keeper/src/wasm/module-store.js";
import { runWasmTask } from "../../../keeper/src/tasks/wasm-task.js";
import type { WasmSpec } from "../../../keeper/src/tasks/spec.js";
import { HASH_MODULE, TRAPS } from "./modules.js";

describe("wasm task executor (modules by hash)", () => {
  let server: http.Server;
  let base = "";
  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === "/hash.wasm") res.end(Buffer.from(HASH_MODULE));
      else if (req.url === "/traps.wasm") res.end(Buffer.from(TRAPS));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const spec = (hash: string, path: string, fuel = 10_000_000): WasmSpec => ({
    version: 1,
    kind: "wasm",
    module: { hash, url: `${base}${path}` },
    input: "0x68656c6c6f",
    fuel,
    memoryPages: 4,
    maxOutputBytes: 64,
  });

  it("runs the module whose bytes hash to the spec's hash; another module under that name is refused", async () => {
    const store = new ModuleStore({ allowPrivate: true });
    const good = await runWasmTask(spec(keccak256(HASH_MODULE), "/hash.wasm"), store);
    expect(good.ok).to.equal(true);
    expect(store.has(keccak256(HASH_MODULE))).to.equal(true);
    // the URL serves TRAPS but the spec names HASH_MODULE's hash: not found (never run by name)
    const other = await runWasmTask(
      spec(keccak256(new Uint8Array([1, 2, 3])), "/traps.wasm"),
      new ModuleStore({ allowPrivate: true }),
    );
    expect(other).to.deep.include({ ok: false, code: "module-not-found" });
    expect((other as { message: string }).message).to.contain("hash-mismatch");
  });

  it("records module-not-found, a trap and out-of-fuel as failure results", async () => {
    const store = new ModuleStore({ allowPrivate: true });
    expect(await runWasmTask(spec(keccak256(HASH_MODULE), "/missing.wasm"), store)).to.deep.include({
      ok: false,
      code: "module-not-found",
    });
    expect(await runWasmTask(spec(keccak256(TRAPS), "/traps.wasm"), store)).to.deep.include({
      ok: false,
      code: "trap",
    });
    expect(await runWasmTask(spec(keccak256(HASH_MODULE), "/hash.wasm", 1_000), store)).to.deep.include({
      ok: false,
      code: "out-of-fuel",
    });
  });
});
