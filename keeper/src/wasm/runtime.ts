// A deterministic WebAssembly runner for tasks (and, later, DVM jobs). Determinism comes from
// metering, not from wall-clock or worker resourceLimits (which stop at different points on
// different machines): the module is rewritten (wasm-metering: a call to an imported `usegas`
// with the block's instruction count at the start of every basic block), so every executor spends
// the same fuel and runs out at the same block. Memory is bounded by the module's own declared
// maximum, which must be within the limit; a `memory.grow` past it returns -1 deterministically.
//
// ABI: the module exports `memory` and `run(inputLen: i32) -> i32`. The host writes the input at
// offset 0, calls run, and reads the output from offset 0 with the length run returned. No other
// imports are offered (tasks): a module that imports anything else fails to instantiate
// (`bad-module`). DVM jobs (keeper/src/api/jobs/) also offer `env.log(ptr, len)`: see HostImports.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// wasm-metering is CommonJS without types; its one function is typed here.
const { meterWASM } = require("wasm-metering") as {
  meterWASM(
    wasm: Uint8Array,
    opts: { costTable: object; meterType: "i32" | "i64"; moduleStr: string; fieldStr: string },
  ): Uint8Array;
};

/** One unit of fuel per instruction; locals, sections and the metering call cost nothing. */
const COST_TABLE = {
  start: 0,
  type: { params: { DEFAULT: 0 }, return_type: { DEFAULT: 0 } },
  import: 0,
  code: { locals: { DEFAULT: 0 }, code: { DEFAULT: 1 } },
  data: 0,
};

export type WasmFailure =
  "bad-module" | "trap" | "out-of-fuel" | "memory-limit" | "output-too-large" | "input-too-large";

/** `memoryBytes`: the memory's size when the run ended (wasm memory never shrinks: its peak). */
export type WasmOutcome =
  | { ok: true; output: Uint8Array; fuelUsed: bigint; memoryBytes?: number }
  | { ok: false; code: WasmFailure; message: string; fuelUsed: bigint; memoryBytes?: number };

/**
 * Host functions offered besides the fuel counter, for jobs (not tasks: a log is not consensus).
 * `log` is imported as `env.log(ptr: i32, len: i32)`: it receives a copy of memory[ptr, ptr+len);
 * a range beyond the memory traps.
 */
export interface HostImports {
  log?: (bytes: Uint8Array) => void;
}

export interface WasmLimits {
  fuel: bigint;
  memoryPages: number;
  maxOutputBytes: number;
}

/**
 * The fuel counter as a tiny wasm module, so the metered module's `usegas` calls stay inside wasm
 * (a JS import with an i64 BigInt argument per block measured ~200x slower than plain V8):
 *   (global $fuel (export "fuel") (mut i64) (i64.const 0))
 *   (func (export "usegas") (param $n i64)
 *     (global.set $fuel (i64.sub (global.get $fuel) (local.get $n)))
 *     (if (i64.lt_s (global.get $fuel) (i64.const 0)) (then unreachable)))
 * assembled by wabt (scripts/bench/wasm.ts prints both costs).
 */
const FUEL_COUNTER = Buffer.from(
  "0061736d0100000001050160017e00030201000606017e0142000b071102046675656c03000675736567617300000a14011200230020007d240023004200530440000b0b",
  "hex",
);
const fuelCounterModule = new WebAssembly.Module(FUEL_COUNTER);

/** Instruments a module (cache the result by module hash: it costs a parse and a rewrite). */
export function meter(module: Uint8Array): Uint8Array {
  return meterWASM(module, { costTable: COST_TABLE, meterType: "i64", moduleStr: "metering", fieldStr: "usegas" });
}

/** Memory limits from the module's memory section (id 5), or undefined when it declares none. */
export function declaredMemory(module: Uint8Array): { min: number; max?: number } | undefined {
  let p = 8;
  const leb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = module[p++]!;
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return result;
      if (p > module.length) throw new Error("truncated module");
    }
  };
  while (p < module.length) {
    const id = module[p++]!;
    const size = leb();
    const end = p + size;
    if (id === 5) {
      if (leb() === 0) return undefined;
      const flags = leb();
      const min = leb();
      return flags & 1 ? { min, max: leb() } : { min };
    }
    p = end;
  }
  return undefined;
}

export async function runMetered(
  metered: Uint8Array,
  original: Uint8Array,
  input: Uint8Array,
  limits: WasmLimits,
  host: HostImports = {},
): Promise<WasmOutcome> {
  const counter = new WebAssembly.Instance(fuelCounterModule).exports as {
    fuel: WebAssembly.Global;
    usegas: (n: bigint) => void;
  };
  counter.fuel.value = limits.fuel;
  const spent = (): bigint => {
    const left = counter.fuel.value as bigint;
    return left < 0n ? limits.fuel : limits.fuel - left;
  };
  // set once instantiated; read by the log import and by failures (memoryBytes)
  let memory: WebAssembly.Memory | undefined = undefined;
  const fail = (code: WasmFailure, message: string): WasmOutcome => ({
    ok: false,
    code,
    message,
    fuelUsed: spent(),
    ...(memory ? { memoryBytes: memory.buffer.byteLength } : {}),
  });
  let mem: { min: number; max?: number } | undefined;
  try {
    mem = declaredMemory(original);
  } catch (e) {
    return fail("bad-module", (e as Error).message);
  }
  if (!mem) return fail("bad-module", "the module defines no memory");
  if (mem.max === undefined || mem.max > limits.memoryPages) {
    return fail("memory-limit", `module memory max ${mem.max ?? "unbounded"} pages > limit ${limits.memoryPages}`);
  }
  const imports: WebAssembly.Imports = { metering: { usegas: counter.usegas } };
  const log = host.log;
  if (log) {
    imports.env = {
      log: (ptr: number, len: number) => {
        const [p, n] = [ptr >>> 0, len >>> 0];
        if (!memory || p + n > memory.buffer.byteLength) throw new Error(`log(${p}, ${n}) beyond memory`);
        log(new Uint8Array(memory.buffer.slice(p, p + n)));
      },
    };
  }
  let instance: WebAssembly.Instance;
  try {
    const compiled = await WebAssembly.compile(metered);
    instance = await WebAssembly.instantiate(compiled, imports);
  } catch (e) {
    return fail("bad-module", (e as Error).message.slice(0, 200));
  }
  const exported = instance.exports as { memory?: WebAssembly.Memory; run?: (n: number) => number };
  const run = exported.run;
  if (!(exported.memory instanceof WebAssembly.Memory) || typeof run !== "function") {
    return fail("bad-module", "the module must export memory and run(i32) -> i32");
  }
  memory = exported.memory;
  if (input.length > memory.buffer.byteLength) return fail("input-too-large", `input ${input.length} B > memory`);
  new Uint8Array(memory.buffer).set(input, 0);
  let outLen: number;
  try {
    outLen = run(input.length) >>> 0;
  } catch (e) {
    // the counter traps (unreachable) when a block's charge takes the fuel below zero
    if ((counter.fuel.value as bigint) < 0n) return fail("out-of-fuel", `fuel ${limits.fuel} spent`);
    if (e instanceof RangeError) return fail("trap", `stack or memory exhausted: ${e.message}`);
    return fail("trap", (e as Error).message.slice(0, 200));
  }
  if (outLen > limits.maxOutputBytes) return fail("output-too-large", `output ${outLen} B > ${limits.maxOutputBytes}`);
  if (outLen > memory.buffer.byteLength) return fail("trap", "output length beyond memory");
  return {
    ok: true,
    output: new Uint8Array(memory.buffer.slice(0, outLen)),
    fuelUsed: spent(),
    memoryBytes: memory.buffer.byteLength,
  };
}

/** Meter and run in one call (no cache). */
export async function runWasm(module: Uint8Array, input: Uint8Array, limits: WasmLimits): Promise<WasmOutcome> {
  let metered: Uint8Array;
  try {
    metered = meter(module);
  } catch (e) {
    return {
      ok: false,
      code: "bad-module",
      message: `cannot meter: ${(e as Error).message.slice(0, 160)}`,
      fuelUsed: 0n,
    };
  }
  return runMetered(metered, module, input, limits);
}
