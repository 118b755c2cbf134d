#!/usr/bin/env node
// Runs on any Node (the machines ship Node 20). Hardhat 3 and libp2p need Node >= 22, and
// `npm install` must itself run under that Node or npm skips Hardhat's native EDR binary.
// So: install once with the `node@24` npm package, then every `npm run` script finds
// node_modules/.bin/node (Node 24) first in PATH.
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const marker = join(root, "node_modules", ".package-lock.json");
const lock = join(root, "package-lock.json");
const required = [
  join(root, "node_modules", ".bin", "node"),
  join(root, "node_modules", "@nomicfoundation", "edr-linux-x64-gnu"),
  marker,
];

const missing = required.filter((p) => !existsSync(p));
const stale = existsSync(marker) && existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs;

if (missing.length === 0 && !stale) process.exit(0);

const why =
  missing.length > 0
    ? `missing ${missing.map((p) => p.slice(root.length + 1)).join(", ")}`
    : "package-lock.json changed";
console.log(`[setup] installing dependencies under Node 24 (${why})`);
const install = existsSync(lock) ? "ci" : "install";
try {
  execFileSync("npx", ["-y", "-p", "node@24", "--", "npm", install, "--no-audit", "--no-fund"], {
    cwd: root,
    stdio: "inherit",
  });
} catch (err) {
  console.error(`[setup] npm ${install} failed (${err.message}). Check access to the npm registry and retry.`);
  process.exit(1);
}
console.log("[setup] done");
