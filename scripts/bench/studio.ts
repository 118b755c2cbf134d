// Xnode Studio page load on loopback: a real keeper (certifying on a real local chain) serves the
// page; headless Chromium (Debian's, through playwright-core) opens it LOADS times in a fresh
// context (cold cache) and times, from navigation start: DOMContentLoaded, the app interactive
// (performance mark "studio-interactive": shell rendered, navigation and wallet button live) and the
// first certified checkpoint on screen (data through /checkpoints). Then the same with a warm cache.
//
//   tsx scripts/bench/studio.ts          (BENCH_STUDIO_LOADS=7; BENCH_JSON=path writes the numbers)
//
// Goal (issue 20): interactive < 1 s on loopback.
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import type { Page } from "playwright-core";
import { chromiumOrSkipReason, launchChromium } from "../../test/helpers/browser.js";
import { KeeperCluster } from "../lib/keeper-cluster.js";

const LOADS = Number(process.env.BENCH_STUDIO_LOADS ?? 7);
const GOAL_MS = 1000;

export interface StudioBenchResult {
  loads: number;
  cold: Timing;
  warm: Timing;
  transferKiB: number;
  loadAverage: number[];
}

interface Timing {
  domContentLoadedMs: number;
  interactiveMs: number;
  firstCheckpointMs: number;
}

async function timeLoad(page: Page, url: string): Promise<{ timing: Timing; bytes: number }> {
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForSelector('[data-testid="checkpoints"] tbody tr[data-height]', { timeout: 30_000 });
  await page.evaluate('performance.mark("first-checkpoint")');
  return page.evaluate<{ timing: Timing; bytes: number }>(`(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const mark = (n) => performance.getEntriesByName(n)[0]?.startTime ?? NaN;
    const res = performance.getEntriesByType("resource");
    return {
      timing: {
        domContentLoadedMs: nav.domContentLoadedEventEnd,
        interactiveMs: mark("studio-interactive"),
        firstCheckpointMs: mark("first-checkpoint"),
      },
      bytes: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0),
    };
  })()`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const medianTiming = (ts: Timing[]): Timing => ({
  domContentLoadedMs: Math.round(median(ts.map((t) => t.domContentLoadedMs))),
  interactiveMs: Math.round(median(ts.map((t) => t.interactiveMs))),
  firstCheckpointMs: Math.round(median(ts.map((t) => t.firstCheckpointMs))),
});

async function main(): Promise<void> {
  const found = chromiumOrSkipReason();
  if ("skip" in found) throw new Error(found.skip);
  const [cluster, browser] = await Promise.all([KeeperCluster.start({ keepers: 1 }), launchChromium(found.path)]);
  try {
    const url = `http://127.0.0.1:${cluster.keepers[0]!.server.port}/studio/`;
    // wait until there is a checkpoint to show, so "first checkpoint" measures the page, not the chain
    while ((await cluster.deployed.checkpoints.latestHeight()) === 0n) await new Promise((r) => setTimeout(r, 200));
    const cold: Timing[] = [];
    const warm: Timing[] = [];
    let bytes = 0;
    for (let i = 0; i < LOADS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const first = await timeLoad(page, url);
      cold.push(first.timing);
      bytes = first.bytes;
      warm.push((await timeLoad(page, url + "?warm")).timing);
      await context.close();
    }
    const result: StudioBenchResult = {
      loads: LOADS,
      cold: medianTiming(cold),
      warm: medianTiming(warm),
      transferKiB: Math.round(bytes / 1024),
      loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
    };
    const line = (name: string, t: Timing) =>
      `${name.padEnd(5)} DOMContentLoaded ${t.domContentLoadedMs} ms · interactive ${t.interactiveMs} ms (goal < ${GOAL_MS}: ${t.interactiveMs < GOAL_MS ? "met" : "missed"}) · first checkpoint on screen ${t.firstCheckpointMs} ms`;
    console.log(`Xnode Studio page load on loopback, median of ${LOADS} loads (load average ${result.loadAverage.join(" ")})`);
    console.log(line("cold", result.cold));
    console.log(line("warm", result.warm));
    console.log(`transfer (cold): ${result.transferKiB} KiB`);
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(result, null, 2));
  } finally {
    await browser.close();
    await cluster.stop();
  }
}

await main();
