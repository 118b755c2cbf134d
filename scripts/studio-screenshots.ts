// Refreshes the two Studio screenshots the README shows (docs/studio-network.png and
// docs/studio-stake.png): runs the browser test (test/e2e/studio.test.ts), which saves every final
// screen under test-output/studio/, then copies two of them.
//
//   npx tsx scripts/studio-screenshots.ts            (needs Chromium: see test/helpers/browser.ts)
//   npx tsx scripts/studio-screenshots.ts --no-run   (copy what the last test run saved)
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./lib/deployment-file.js";

const COPIES: Array<[string, string]> = [
  ["network-por.png", "studio-network.png"], // the network page once PoR leaves are decided
  ["stake.png", "studio-stake.png"],
];
const out = join(REPO_ROOT, "test-output", "studio");

if (!process.argv.includes("--no-run")) {
  const dir = mkdtempSync(join(tmpdir(), "studio-shots-"));
  const config = join(dir, "mocha.json");
  writeFileSync(config, JSON.stringify({ import: "tsx", timeout: 120_000, spec: ["test/e2e/studio.test.ts"] }));
  const r = spawnSync(join(REPO_ROOT, "node_modules", ".bin", "mocha"), ["--config", config], {
    cwd: REPO_ROOT,
    stdio: "inherit",
    env: { ...process.env, CI: process.env.CI ?? "true" }, // a missing browser is an error here, not a skip
  });
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) {
    console.error("the Studio browser test failed: screenshots not refreshed");
    process.exit(1);
  }
}
for (const [from, to] of COPIES) {
  const src = join(out, from);
  if (!existsSync(src)) {
    console.error(`${src} is missing: run without --no-run`);
    process.exit(1);
  }
  copyFileSync(src, join(REPO_ROOT, "docs", to));
  console.log(`docs/${to} <- test-output/studio/${from}`);
}
