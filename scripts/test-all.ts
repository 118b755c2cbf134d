// The one test command (`npm test`, and so `.ci/run`): lint, format, type-check, Solidity
// tests, contract tests, keeper tests, end-to-end. Streams every stage's output and ends with
// one summary line `N passed, N failed` counting individual tests (a lint or type-check stage
// counts as one test).
import { spawn } from "node:child_process";

interface Stage {
  name: string;
  cmd: string;
  args: string[];
  /** true when the stage prints mocha-style "N passing / N failing" lines to count */
  countsTests: boolean;
}

const stages: Stage[] = [
  {
    name: "solhint",
    cmd: "solhint",
    args: ["--disc", "--noPoster", "--max-warnings", "0", "contracts/**/*.sol"],
    countsTests: false,
  },
  { name: "eslint", cmd: "eslint", args: ["--max-warnings", "0", "."], countsTests: false },
  { name: "prettier", cmd: "prettier", args: ["--check", "--log-level", "warn", "."], countsTests: false },
  {
    name: "build (contracts, typechain, ABIs, studio)",
    cmd: "npm",
    args: ["run", "--silent", "build"],
    countsTests: false,
  },
  { name: "tsc", cmd: "tsc", args: ["--noEmit"], countsTests: false },
  { name: "tsc (studio)", cmd: "tsc", args: ["--noEmit", "-p", "keeper/studio"], countsTests: false },
  { name: "contracts (solidity + mocha)", cmd: "hardhat", args: ["test"], countsTests: true },
  { name: "keeper (mocha)", cmd: "mocha", args: [], countsTests: true },
];

function run(stage: Stage): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(stage.cmd, stage.args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    let output = "";
    const tee = (chunk: Buffer, sink: NodeJS.WriteStream) => {
      output += chunk.toString();
      sink.write(chunk);
    };
    child.stdout.on("data", (c: Buffer) => tee(c, process.stdout));
    child.stderr.on("data", (c: Buffer) => tee(c, process.stderr));
    child.on("error", (err) => resolve({ code: 127, output: String(err) }));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Reads the last "N passing" / "N failing" / "N pending" totals a mocha-style runner printed. */
function countTests(output: string): { passed: number; failed: number; skipped: number } {
  const last = (re: RegExp) => {
    const all = [...output.matchAll(re)];
    const m = all.at(-1);
    return m ? Number(m[1]) : 0;
  };
  return {
    passed: last(/^\s*(\d+) passing/gm),
    failed: last(/^\s*(\d+) failing/gm),
    skipped: last(/^\s*(\d+) (?:pending|skipped)/gm),
  };
}

let passed = 0;
let failed = 0;
let skipped = 0;
const rows: string[] = [];
for (const stage of stages) {
  console.log(`\n=== ${stage.name} ===`);
  const started = Date.now();
  const { code, output } = await run(stage);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (stage.countsTests) {
    const c = countTests(output);
    // A runner that exits non-zero without reporting a failing test (crash, compile error) counts as one failure.
    const failures = code !== 0 && c.failed === 0 ? 1 : c.failed;
    passed += c.passed;
    failed += failures;
    skipped += c.skipped;
    rows.push(`${stage.name}: ${c.passed} passed, ${failures} failed, ${c.skipped} skipped (${secs}s)`);
  } else {
    if (code === 0) passed += 1;
    else failed += 1;
    rows.push(`${stage.name}: ${code === 0 ? "ok" : `FAILED (exit ${code})`} (${secs}s)`);
  }
}

console.log("\n=== summary ===");
for (const r of rows) console.log(r);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exit(failed === 0 ? 0 : 1);
