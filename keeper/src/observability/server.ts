// /metrics (Prometheus text) and /health (JSON) over node:http. Bound to metricsHost (loopback
// by default): metrics reveal peers and timings, expose them deliberately.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "./logger.js";
import type { KeeperMetrics } from "./metrics.js";

export interface HealthStatus {
  /** started and able to take part (p2p up, store open) */
  ready: boolean;
  peers: number;
  /** caught up with the chain head (event watcher within its confirmation depth) */
  synced: boolean;
  /** current epoch, when the consensus module knows it */
  epoch: number | null;
  /** seconds since the last certified checkpoint; null before the first one */
  lastCheckpointAgeSeconds: number | null;
  /** consensus progress (consensus/progress.ts); null on a keeper that runs no consensus */
  consensus?: { live: boolean; secondsSinceDecision: number | null; waitingFor: string | null } | null;
  /** why `ready` is false, when it is */
  notReadyReason?: string | null;
}

export interface ObservabilityServerModules {
  config: { metricsHost: string; metricsPort: number };
  logger: Logger;
  metrics: KeeperMetrics;
  health: () => HealthStatus;
  /** extra read-only JSON routes (e.g. /consensus, /rewards), answered with 404 when they return undefined */
  routes?: Map<string, () => unknown | Promise<unknown>>;
  /** handlers tried first, in order (e.g. the Studio under /studio); each resolves true when it answered */
  handlers?: HttpHandler[];
}

/** Answers a request it owns (resolves true) or leaves it to the next handler (false). */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> | boolean;

export class ObservabilityServer {
  private server?: Server;

  constructor(private readonly modules: ObservabilityServerModules) {}

  /** The bound port (useful with metricsPort 0). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  /** Mounts a handler after construction (for modules that need I/O to exist, e.g. the workspace API). */
  addHandler(handler: HttpHandler): void {
    (this.modules.handlers ??= []).push(handler);
  }

  async start(): Promise<void> {
    const { config, logger } = this.modules;
    const server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        logger.error({ err }, "observability request failed");
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    // A slow or idle scraper must not hold the process open at shutdown.
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.metricsPort, config.metricsHost, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    logger.info({ host: config.metricsHost, port: this.port }, "metrics and health server listening");
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    for (const handler of this.modules.handlers ?? []) if (await handler(req, res, path)) return;
    if (req.method !== "GET") {
      res.writeHead(405, { allow: "GET" }).end();
      return;
    }
    if (path === "/metrics") {
      const { registry } = this.modules.metrics;
      const body = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType }).end(body);
      return;
    }
    if (path === "/health") {
      const status = this.modules.health();
      res.writeHead(status.ready ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(status));
      return;
    }
    const route = this.modules.routes?.get(path);
    const body: unknown = await route?.();
    if (body !== undefined) {
      const json = JSON.stringify(body, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
      res.writeHead(200, { "content-type": "application/json" }).end(json);
      return;
    }
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
  }
}
