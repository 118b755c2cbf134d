// `openmesh-keeper status`: asks a running keeper's /health and prints it.
import type { Command } from "commander";
import { ConfigError } from "../../config/index.js";
import type { HealthStatus } from "../../observability/index.js";
import type { MeshView } from "../../observability/mesh-monitor.js";
import { loadOfflineConfig } from "../config.js";
import { CliUsageError } from "../errors.js";
import type { CliIo } from "../io.js";

function healthUrl(opts: { url?: string; config?: string }, io: CliIo): string {
  if (opts.url) return new URL("/health", opts.url).toString();
  try {
    const config = loadOfflineConfig(opts.config, io);
    const host = config.metricsHost === "0.0.0.0" ? "127.0.0.1" : config.metricsHost;
    return `http://${host.includes(":") ? `[${host}]` : host}:${config.metricsPort}/health`;
  } catch (err) {
    if (err instanceof ConfigError && !opts.config) {
      throw new CliUsageError("status needs --url http://host:port or --config <file> to find the keeper");
    }
    throw err;
  }
}

function age(seconds: number | null): string {
  if (seconds === null) return "none yet";
  if (seconds < 120) return `${seconds} s ago`;
  return `${Math.round(seconds / 60)} min ago`;
}

/** One line from /mesh, or null when the keeper has none (older keeper) or it cannot be read. */
async function meshLine(healthUrl: string): Promise<string | null> {
  try {
    const res = await fetch(new URL("/mesh", healthUrl), { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return null;
    const view = (await res.json()) as MeshView;
    const suspected = view.peers.filter((p) => p.suspected).map((p) => p.operator);
    const rtt = view.medianRttMs === null ? "no RTT yet" : `median RTT ${view.medianRttMs} ms`;
    return `${view.peers.length} operators watched, ${suspected.length} suspected${suspected.length ? ` (${suspected.join(", ")})` : ""}, ${rtt}`;
  } catch {
    return null;
  }
}

export function statusCommand(program: Command, io: CliIo): void {
  program
    .command("status")
    .description("print a running keeper's health: peers, sync, epoch, last checkpoint")
    .option("-c, --config <file>", "keeper config file (finds metricsHost / metricsPort)")
    .option("-u, --url <url>", "base URL of the keeper's metrics server, e.g. http://127.0.0.1:9464")
    .option("--json", "print the raw /health JSON")
    .action(async (opts: { config?: string; url?: string; json?: boolean }) => {
      const url = healthUrl(opts, io);
      let health: HealthStatus;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        health = (await res.json()) as HealthStatus;
      } catch (err) {
        throw new CliUsageError(`no keeper answered at ${url}: ${(err as Error).message}`);
      }
      if (opts.json) io.out(JSON.stringify(health));
      else {
        io.out(`ready:            ${health.ready ? "yes" : "no"}`);
        io.out(`peers:            ${health.peers}`);
        io.out(`chain synced:     ${health.synced ? "yes" : "no"}`);
        io.out(`epoch:            ${health.epoch ?? "unknown"}`);
        io.out(`last checkpoint:  ${age(health.lastCheckpointAgeSeconds)}`);
        if (health.consensus) io.out(`consensus:        ${health.consensus.waitingFor ?? "not started"}`);
        const mesh = await meshLine(url);
        if (mesh) io.out(`mesh:             ${mesh}`);
        if (health.notReadyReason) io.out(`not ready:        ${health.notReadyReason}`);
      }
      if (!health.ready) io.setExitCode(1);
    });
}
