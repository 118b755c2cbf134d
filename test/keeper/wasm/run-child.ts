// Runs one module in a fresh process and prints fuel and output (the determinism test's other side).
import { runWasm } from "../../../keeper/src/wasm/runtime.js";

const [moduleHex, inputHex, fuel] = process.argv.slice(2);
const r = await runWasm(Buffer.from(moduleHex!, "hex"), Buffer.from(inputHex!, "hex"), {
  fuel: BigInt(fuel!),
  memoryPages: 4,
  maxOutputBytes: 1024,
});
process.stdout.write(
  JSON.stringify({
    ok: r.ok,
    fuelUsed: r.fuelUsed.toString(),
    output: r.ok ? Buffer.from(r.output).toString("hex") : r.code,
  }),
);
