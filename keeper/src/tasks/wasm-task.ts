// The wasm executor: the spec's module (by hash) run on the spec's input with its fuel and memory
// limits; the result is the output bytes. Every failure is a recorded result with a code.
import { hexToBytes } from "@noble/hashes/utils.js";
import { ModuleNotFound, type ModuleStore } from "../wasm/module-store.js";
import { runMetered } from "../wasm/runtime.js";
import { failure, type ExecutionResult } from "./http-oracle.js";
import type { WasmSpec } from "./spec.js";

export async function runWasmTask(
  spec: WasmSpec,
  modules: ModuleStore,
): Promise<ExecutionResult<string> & { fuelUsed?: bigint }> {
  try {
    const mod = await modules.get(spec.module.hash, spec.module.url ? [spec.module.url] : []);
    const r = await runMetered(mod.metered, mod.bytes, hexToBytes(spec.input.slice(2)), {
      fuel: BigInt(spec.fuel),
      memoryPages: spec.memoryPages,
      maxOutputBytes: spec.maxOutputBytes,
    });
    if (!r.ok) return { ok: false, code: r.code, message: r.message, fuelUsed: r.fuelUsed };
    return { ok: true, value: "0x" + Buffer.from(r.output).toString("hex"), fuelUsed: r.fuelUsed };
  } catch (e) {
    if (e instanceof ModuleNotFound) return { ok: false, code: "module-not-found", message: e.message };
    return failure(e);
  }
}
