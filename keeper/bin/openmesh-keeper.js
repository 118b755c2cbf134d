#!/usr/bin/env -S node --max-semi-space-size=4
// Launcher: the keeper is TypeScript run by tsx (no build step). Needs Node >= 22.13 (libp2p uses
// Promise.withResolvers); under npm/npx, node_modules/.bin puts the project's Node 24 first.
// The shebang's V8 flags are keeper/src/cli/node-flags.ts (why: see there); `node <this file>`
// runs without them.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(
    `openmesh-keeper needs Node >= 22.13, this is ${process.version}: run it through npx / npm run, ` +
      "which put the project's Node 24 first in PATH\n",
  );
  process.exit(1);
}
// In a checkout the keeper imports the typechain bindings that `npm run build` writes: build them on
// first use (and after a contract change), as `npm run demo` does. Output goes to stderr.
const { ensureBuilt } = await import("../../scripts/lib/build-stamp.mjs");
if (!ensureBuilt()) process.exit(1);
const { register } = await import("tsx/esm/api");
register();
const { runCli } = await import("../src/cli/main.ts");
process.exitCode = await runCli(process.argv);
