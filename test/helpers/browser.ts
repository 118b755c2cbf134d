// Headless Chromium for the Studio's browser tests and bench: Debian's `chromium` package driven by
// playwright-core (no browser download). Outside CI a missing browser skips the tests with a note
// on how to enable them; under CI=true it is a failure, never a skip.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { REPO_ROOT } from "../../scripts/lib/deployment-file.js";

/** scripts/bootstrap.mjs --browser checks the same places. */
const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

export const ENABLE_HINT =
  "install Debian's chromium (`sudo apt-get install -y --no-install-recommends chromium`, or `npm run setup` as root) or set CHROMIUM_PATH";

export function findChromium(): string | undefined {
  const env = process.env.CHROMIUM_PATH;
  if (env) return existsSync(env) ? env : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/** The Chromium to use, or undefined after printing why the browser tests skip; throws under CI. */
export function chromiumOrSkipReason(): { path: string } | { skip: string } {
  const path = findChromium();
  if (path) return { path };
  const reason = `no Chromium found (${process.env.CHROMIUM_PATH ?? CANDIDATES.join(", ")})`;
  if (process.env.CI === "true") throw new Error(`${reason}: the browser tests cannot run under CI; ${ENABLE_HINT}`);
  return { skip: `browser tests skipped: ${reason}; to enable them, ${ENABLE_HINT}` };
}

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: ["--disable-gpu", "--disable-dev-shm-usage"] });
}

/** Where tests put their screenshots (gitignored). */
export function screenshotDir(): string {
  const dir = join(REPO_ROOT, "test-output", "studio");
  mkdirSync(dir, { recursive: true });
  return dir;
}
