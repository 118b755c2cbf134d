// Wasm runtime candidates on this Node: plain V8 (fast, but no deterministic limit: wall-clock or
// worker resourceLimits stop at different points on different machines) against the metered
// module (wasm-metering: a usegas call per basic block, deterministic fuel). Prints the time of a
// 50M-instruction loop each way, and the cost of metering a module once.
import { performance } from "node:perf_hooks";
import wabtInit from "wabt";
import { meter, runMetered } from "../../keeper/src/wasm/runtime.js";

const wabt = await wabtInit();
const source = `(module (memory (export "memory") 1 1)
  (func (export "run") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.const 5000000)))
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (i32.store (i32.const 0) (local.get $acc)) (i32.const 4)))`;
const parsed = wabt.parseWat("bench.wat", source);
const module = new Uint8Array(parsed.toBinary({}).buffer);
parsed.destroy();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const plain: number[] = [];
for (let i = 0; i < 5; i++) {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(module));
  const t = performance.now();
  (inst.exports.run as (n: number) => number)(0);
  plain.push(performance.now() - t);
}
const meterMs: number[] = [];
let metered: Uint8Array = module;
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  metered = meter(module);
  meterMs.push(performance.now() - t);
}
const meteredMs: number[] = [];
let fuel = 0n;
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  const r = await runMetered(metered, module, new Uint8Array(), { fuel: 10n ** 10n, memoryPages: 1, maxOutputBytes: 4 });
  meteredMs.push(performance.now() - t);
  fuel = r.fuelUsed;
}
console.log(`wasm loop (${fuel.toLocaleString("en-US")} instructions of fuel), median of 5 runs:`);
console.log(`  plain V8 (not deterministic)          ${median(plain).toFixed(1)} ms`);
console.log(`  wasm-metering (usegas per block)      ${median(meteredMs).toFixed(1)} ms  (${(median(meteredMs) / median(plain)).toFixed(1)}x)`);
console.log(`  metering the module once              ${median(meterMs).toFixed(2)} ms (${module.length} B module)`);
