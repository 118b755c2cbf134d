#!/usr/bin/env node
// Runs on any Node (the machines ship Node 20). Hardhat 3 and libp2p need Node >= 22, and
// `npm install` must itself run under that Node or npm skips Hardhat's native EDR binary.
// So: install Node 24 (the `node` npm package) into scripts/node24 with the machine's npm, run the
// project's `npm ci` under it, and every later `npm run` script finds node_modules/.bin/node
// (Node 24) first in PATH. Install scripts run only where package.json's `allowScripts` approves
// them (`--strict-allow-scripts`: an unreviewed one fails the install instead of a warning).
//   node scripts/bootstrap.mjs [--build] [--browser]
//     --build: also build contracts and bindings if stale
//     --browser: make sure Debian's chromium is there for the Studio's browser tests (installed with
//       apt-get when running as root; otherwise a note on how to enable those tests)
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const marker = join(root, "node_modules", ".package-lock.json");
const lock = join(root, "package-lock.json");
const node24Dir = join(root, "scripts", "node24");
const required = [
  join(root, "node_modules", ".bin", "node"),
  join(root, "node_modules", "@nomicfoundation", "edr-linux-x64-gnu"),
  marker,
];

function npm(args, cwd, env = process.env) {
  execFileSync("npm", [...args, "--no-audit", "--no-fund", "--strict-allow-scripts"], { cwd, env, stdio: "inherit" });
}

function install() {
  const missing = required.filter((p) => !existsSync(p));
  const stale = existsSync(marker) && existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs;
  if (missing.length === 0 && !stale) return;
  const why =
    missing.length > 0
      ? `missing ${missing.map((p) => p.slice(root.length + 1)).join(", ")}`
      : "package-lock.json changed";
  console.log(`[setup] installing dependencies under Node 24 (${why})`);
  try {
    // A project-scoped install, so scripts/node24/package.json's allowScripts covers node's own
    // install script (npx -p node@24 would read only the user's npm config).
    if (!existsSync(join(node24Dir, "node_modules", ".bin", "node"))) npm(["ci"], node24Dir);
    const env = { ...process.env, PATH: `${join(node24Dir, "node_modules", ".bin")}:${process.env.PATH ?? ""}` };
    npm([existsSync(lock) ? "ci" : "install"], root, env);
  } catch (err) {
    console.error(`[setup] install failed (${err.message}). Check access to the npm registry and retry.`);
    process.exit(1);
  }
  console.log("[setup] done");
}

/** Where the browser tests look for Chromium (test/helpers/browser.ts reads the same list). */
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

function ensureBrowser() {
  if (process.env.CHROMIUM_PATH ? existsSync(process.env.CHROMIUM_PATH) : CHROMIUM.some((p) => existsSync(p))) return;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (!root) {
    console.log(
      "[setup] no Chromium found: the Studio's browser tests will skip. Enable them with " +
        "`sudo apt-get install -y --no-install-recommends chromium` (or set CHROMIUM_PATH).",
    );
    return;
  }
  console.log("[setup] installing Debian's chromium for the Studio's browser tests (apt-get, about a minute)");
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], { stdio: "inherit", env });
  } catch (err) {
    // not fatal here: under CI the browser tests then fail and say why
    console.error(`[setup] could not install chromium (${err.message}); the browser tests need it`);
  }
}

install();
if (process.argv.includes("--browser")) ensureBrowser();
if (process.argv.includes("--build")) {
  const { ensureBuilt } = await import("./lib/build-stamp.mjs");
  if (!ensureBuilt()) process.exit(1);
}
