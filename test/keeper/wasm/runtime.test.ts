import { expect } from "chai";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { runWasm } from "../../../keeper/src/wasm/runtime.js";
import { GROWS, HASH_MODULE, HUGE_OUTPUT, LOOP_FOREVER, TRAPS, UNBOUNDED_MEMORY } from "./modules.js";

const limits = { fuel: 10_000_000n, memoryPages: 4, maxOutputBytes: 1024 };
const input = new TextEncoder().encode("the same input everywhere");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("wasm runtime (metered fuel, bounded memory)", () => {
  it("gives the same output and the same fuel in two processes, and stops at the same fuel when it runs out", async () => {
    const here = await runWasm(HASH_MODULE, input, limits);
    expect(here.ok).to.equal(true);
    const child = fileURLToPath(new URL("./run-child.ts", import.meta.url));
    const other = async (fuel: bigint) =>
      JSON.parse(
        (
          await promisify(execFile)(process.execPath, [
            "--import",
            "tsx",
            child,
            hex(HASH_MODULE),
            hex(input),
            String(fuel),
          ])
        ).stdout,
      ) as { ok: boolean; fuelUsed: string; output: string };
    const there = await other(limits.fuel);
    expect(there).to.deep.equal({
      ok: true,
      fuelUsed: here.fuelUsed.toString(),
      output: hex((here as { output: Uint8Array }).output),
    });
    // half the fuel: both stop, at the same count
    const half = here.fuelUsed / 2n;
    const short = await runWasm(HASH_MODULE, input, { ...limits, fuel: half });
    expect(short).to.deep.include({ ok: false, code: "out-of-fuel", fuelUsed: half });
    expect(await other(half)).to.deep.equal({ ok: false, fuelUsed: half.toString(), output: "out-of-fuel" });
  });

  it("fuel grows with the work: a longer input costs proportionally more", async () => {
    const a = await runWasm(HASH_MODULE, new Uint8Array(10), limits);
    const b = await runWasm(HASH_MODULE, new Uint8Array(20), limits);
    expect(Number(b.fuelUsed) / Number(a.fuelUsed)).to.be.within(1.8, 2.1);
  });

  it("records failures instead of throwing: endless loop, trap, unbounded or too large memory, huge output, garbage", async () => {
    expect(await runWasm(LOOP_FOREVER, input, { ...limits, fuel: 50_000n })).to.deep.include({
      ok: false,
      code: "out-of-fuel",
      fuelUsed: 50_000n,
    });
    expect(await runWasm(TRAPS, input, limits)).to.deep.include({ ok: false, code: "trap" });
    expect(await runWasm(UNBOUNDED_MEMORY, input, limits)).to.deep.include({ ok: false, code: "memory-limit" });
    expect(await runWasm(HASH_MODULE, input, { ...limits, memoryPages: 1 })).to.deep.include({
      ok: false,
      code: "memory-limit",
    });
    expect(await runWasm(HUGE_OUTPUT, input, limits)).to.deep.include({ ok: false, code: "output-too-large" });
    expect(await runWasm(new Uint8Array([0, 97, 115, 109, 9, 9]), input, limits)).to.deep.include({
      ok: false,
      code: "bad-module",
    });
  });

  it("memory.grow past the module's maximum fails the same way everywhere (-1), within it succeeds", async () => {
    const r = await runWasm(GROWS, input, limits);
    expect(r.ok).to.equal(true);
    const out = new DataView((r as { output: Uint8Array }).output.buffer);
    expect(out.getInt32(0, true)).to.equal(-1);
    expect(out.getInt32(4, true)).to.equal(1); // previous size in pages
  });
});
