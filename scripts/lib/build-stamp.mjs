// Knows whether the build (contracts, typechain bindings, ABIs, @openmesh/contracts) is current, so the
// demo, deploy, bench and the keeper CLI build on first use and skip it after. Plain JavaScript: the
// bootstrap runs it on any Node. `node scripts/lib/build-stamp.mjs --write` records a finished build
// (the last step of `npm run build`); `ensureBuilt()` rebuilds when a source changed or an output is gone.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const stampFile = join(root, "cache", "openmesh-build.json");

/** What the build reads: a change to any of these makes the outputs stale. */
const INPUTS = [
  "contracts",
  "hardhat.config.ts",
  "package-lock.json",
  "scripts/export-abis.ts",
  "scripts/package",
  "packages/contracts/src",
  "packages/contracts/package.json",
  "packages/contracts/tsconfig.esm.json",
  "packages/contracts/tsconfig.cjs.json",
  "keeper/studio/index.html",
  "keeper/studio/build.ts",
  "keeper/studio/src",
];
/** What the build writes and later steps import. */
const OUTPUTS = [
  "artifacts/build-info",
  "types/ethers-contracts/index.ts",
  "abi/OpenToken.json",
  "packages/contracts/dist/esm/index.js",
  "packages/contracts/dist/cjs/index.js",
  "keeper/studio/dist/index.html",
];

function* files(path) {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) {
      if (entry === "generated" || entry === "node_modules") continue; // outputs, not inputs
      yield* files(join(path, entry));
    }
  } else yield path;
}

export function sourcesHash() {
  const h = createHash("sha256");
  for (const input of INPUTS) {
    for (const f of files(join(root, input))) {
      h.update(relative(root, f));
      h.update("\0");
      h.update(readFileSync(f));
      h.update("\0");
    }
  }
  return h.digest("hex");
}

/** Why a build is needed, or undefined when the outputs are current. */
export function staleReason() {
  const missing = OUTPUTS.filter((o) => !existsSync(join(root, o)));
  if (missing.length > 0) return `missing ${missing.join(", ")}`;
  if (!existsSync(stampFile)) return "no record of a finished build";
  const recorded = JSON.parse(readFileSync(stampFile, "utf8")).sources;
  return recorded === sourcesHash() ? undefined : "sources changed since the last build";
}

export function writeStamp() {
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, JSON.stringify({ sources: sourcesHash(), builtAt: new Date().toISOString() }) + "\n");
}

/**
 * Runs `npm run build` when the outputs are stale. Progress goes to stderr so a CLI's stdout stays
 * its own. Needs the dependencies installed (scripts/bootstrap.mjs). Returns false if the build failed.
 */
export function ensureBuilt() {
  const why = staleReason();
  if (!why) return true;
  process.stderr.write(`[build] building contracts, bindings and @openmesh/contracts (${why})\n`);
  const env = { ...process.env, PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}` };
  const r = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, env, stdio: ["ignore", 2, 2] });
  if (r.status !== 0) {
    process.stderr.write(`[build] npm run build failed (exit ${r.status ?? r.signal}): see the output above\n`);
    return false;
  }
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--write")) writeStamp();
  else if (!ensureBuilt()) process.exit(1);
}
