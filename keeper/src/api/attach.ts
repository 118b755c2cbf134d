// Builds the workspace API for a keeper whose deployment has a DvmAccess contract: leases are
// read from that contract, only those served by this keeper's operator count, and the data lives
// under <dataDir>/workspace.
import { join } from "node:path";
import type { JsonRpcApiProvider } from "ethers";
import type { Logger } from "../observability/index.js";
import { ResourceMarket__factory, ValidatorSetManager__factory } from "../../../types/ethers-contracts/index.js";
import { ChainLeaseAccess } from "./lease-access.js";
import type { JobsConfig } from "./jobs/limits.js";
import { leaseUptimeReader } from "./lease-uptime.js";
import { WorkspaceApi } from "./workspace-api.js";

export interface WorkspaceDeps {
  config: {
    dataDir: string;
    metricsHost: string;
    workspace: {
      enabled: boolean;
      domains: string[];
      corsOrigins: string[];
      sessionTtlMs: number;
      nonceTtlMs: number;
      graceSeconds: number;
      storageUnitBytes: number;
      sweepIntervalMs: number;
      headMaxAgeMs: number;
      jobs: JobsConfig;
    };
  };
  chain:
    | {
        provider: JsonRpcApiProvider;
        chainId: bigint;
        dvmAccess: string | undefined;
        /** with both, lease status shows attested uptime per epoch */
        market?: string;
        validatorSets?: string;
      }
    | undefined;
  operator: string;
  /** the HTTP server's bound port, once it listens */
  port: () => number | undefined;
  logger: Logger;
}

export async function workspaceApiFor(deps: WorkspaceDeps): Promise<WorkspaceApi | undefined> {
  const cfg = deps.config.workspace;
  if (!cfg.enabled || !deps.chain?.dvmAccess) return undefined;
  const gate = new ChainLeaseAccess({
    provider: deps.chain.provider,
    dvmAccess: deps.chain.dvmAccess,
    operator: deps.operator,
    graceSeconds: cfg.graceSeconds,
    market: deps.chain.market,
    headMaxAgeMs: cfg.headMaxAgeMs,
  });
  const host = deps.config.metricsHost;
  return WorkspaceApi.init({
    dir: join(deps.config.dataDir, "workspace"),
    chainId: Number(deps.chain.chainId),
    gate,
    graceSeconds: cfg.graceSeconds,
    domains: () => {
      const port = deps.port();
      const bound =
        port === undefined ? [] : [`${host.includes(":") ? `[${host}]` : host}:${port}`, `localhost:${port}`];
      return [...cfg.domains, ...bound];
    },
    corsOrigins: cfg.corsOrigins,
    sessionTtlMs: cfg.sessionTtlMs,
    nonceTtlMs: cfg.nonceTtlMs,
    storageUnitBytes: cfg.storageUnitBytes,
    sweepIntervalMs: cfg.sweepIntervalMs,
    jobs: cfg.jobs,
    logger: deps.logger,
    uptime:
      deps.chain.market && deps.chain.validatorSets
        ? leaseUptimeReader(
            ResourceMarket__factory.connect(deps.chain.market, deps.chain.provider),
            ValidatorSetManager__factory.connect(deps.chain.validatorSets, deps.chain.provider),
          )
        : undefined,
  });
}
