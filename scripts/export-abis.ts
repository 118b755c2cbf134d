// Writes abi/<Name>.json for every protocol contract (not test harnesses or libraries from
// node_modules), so integrators import ABIs without Hardhat: `openmesh/abi/OpenToken.json`.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { REPO_ROOT } from "./lib/deployment-file.js";

const artifactsDir = join(REPO_ROOT, "artifacts", "contracts");
const outDir = join(REPO_ROOT, "abi");

function* artifactFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) yield* artifactFiles(p);
    else if (entry.endsWith(".json") && !entry.endsWith(".dbg.json") && entry !== "artifacts.d.ts") yield p;
  }
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
let count = 0;
for (const file of artifactFiles(artifactsDir)) {
  const rel = relative(artifactsDir, file);
  if (rel.startsWith("test/")) continue; // harnesses are not part of the public surface
  const artifact = JSON.parse(readFileSync(file, "utf8")) as { contractName?: string; abi?: unknown[] };
  if (!artifact.contractName || !Array.isArray(artifact.abi) || artifact.abi.length === 0) continue;
  writeFileSync(join(outDir, `${artifact.contractName}.json`), JSON.stringify(artifact.abi, null, 2) + "\n");
  count++;
}
console.log(`exported ${count} ABIs to abi/`);
