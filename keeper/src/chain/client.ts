// The keeper's view of the chain: one JSON-RPC provider pinned to the deployment's chain id
// (no network auto-detection loop when the RPC is down), the deployment's contracts and ABIs,
// and the error decoder over all of them.
import { Contract, JsonRpcProvider, Network, type ContractRunner } from "ethers";
import type { Logger } from "../observability/logger.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import { loadDeployment, type Deployment, type DeployedContractInfo } from "./deployment.js";
import { ErrorDecoder } from "./errors.js";

export class ChainConfigError extends Error {
  override name = "ChainConfigError";
}

export interface ChainClientModules {
  config: { rpcUrl: string; deploymentFile: string };
  logger: Logger;
  metrics: KeeperMetrics;
}

export class ChainClient {
  readonly decoder: ErrorDecoder;

  private constructor(
    readonly provider: JsonRpcProvider,
    readonly deployment: Deployment,
    private readonly logger: Logger,
  ) {
    this.decoder = new ErrorDecoder([...deployment.contracts.values()]);
  }

  /**
   * Loads the deployment and connects. A wrong chain id stops start-up; an unreachable RPC does
   * not (the watcher and sender retry), it is logged.
   */
  static async init({ config, logger }: ChainClientModules): Promise<ChainClient> {
    const deployment = loadDeployment(config.deploymentFile);
    const network = Network.from(deployment.chainId);
    const provider = new JsonRpcProvider(config.rpcUrl, network, { staticNetwork: network });
    const client = new ChainClient(provider, deployment, logger);
    try {
      const remote = BigInt(await provider.send("eth_chainId", []));
      if (remote !== deployment.chainId) {
        provider.destroy();
        throw new ChainConfigError(
          `RPC ${config.rpcUrl} serves chain ${remote}, but ${deployment.path} is for chain ${deployment.chainId}`,
        );
      }
      logger.info(
        { rpcUrl: config.rpcUrl, chainId: Number(remote), network: deployment.record.network },
        "chain connected",
      );
    } catch (err) {
      if (err instanceof ChainConfigError) throw err;
      logger.warn({ rpcUrl: config.rpcUrl, err: (err as Error).message }, "RPC unreachable at start-up; will retry");
    }
    return client;
  }

  get chainId(): bigint {
    return this.deployment.chainId;
  }

  info(name: string): DeployedContractInfo {
    const c = this.deployment.contracts.get(name);
    if (!c) {
      const known = [...this.deployment.contracts.keys()].join(", ");
      throw new ChainConfigError(`contract ${name} is not in ${this.deployment.path} (it has: ${known})`);
    }
    return c;
  }

  /** An ethers Contract from the deployment's ABI. */
  contract(name: string, runner: ContractRunner = this.provider): Contract {
    const c = this.info(name);
    return new Contract(c.address, c.abi, runner);
  }

  /** A typechain binding: `client.typed("OpenToken", OpenToken__factory)`. */
  typed<T>(
    name: string,
    factory: { connect(address: string, runner?: ContractRunner | null): T },
    runner?: ContractRunner,
  ): T {
    return factory.connect(this.info(name).address, runner ?? this.provider);
  }

  async stop(): Promise<void> {
    this.provider.destroy();
    this.logger.debug("chain client stopped");
  }
}
