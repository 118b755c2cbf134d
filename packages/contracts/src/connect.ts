// Typed contracts of one deployment, connected to a runner (provider or signer).
import type { ContractRunner } from "ethers";
import type { ChainDeployment } from "./addresses.js";
import {
  CheckpointReceiver__factory,
  CheckpointSender__factory,
  CheckpointStore__factory,
  DvmAccess__factory,
  EvidenceHandler__factory,
  GovernanceSender__factory,
  OpenAccessManager__factory,
  OpenGovernor__factory,
  OpenTimelock__factory,
  OpenToken__factory,
  RemoteExecutor__factory,
  ResourceMarket__factory,
  RewardsDistributor__factory,
  StakeVotes__factory,
  Staking__factory,
  TaskManager__factory,
  ValidatorSetManager__factory,
} from "./generated/typechain/index.js";

/** The factories of the contracts a deployment holds, by their name in the address book. */
export const deployedFactories = {
  OpenAccessManager: OpenAccessManager__factory,
  OpenTimelock: OpenTimelock__factory,
  OpenToken: OpenToken__factory,
  OpenGovernor: OpenGovernor__factory,
  Staking: Staking__factory,
  StakeVotes: StakeVotes__factory,
  ValidatorSetManager: ValidatorSetManager__factory,
  CheckpointStore: CheckpointStore__factory,
  RewardsDistributor: RewardsDistributor__factory,
  EvidenceHandler: EvidenceHandler__factory,
  TaskManager: TaskManager__factory,
  DvmAccess: DvmAccess__factory,
  ResourceMarket: ResourceMarket__factory,
} as const;

export type DeployedContractName = keyof typeof deployedFactories;

/**
 * Contracts only some deployments hold: the Chainlink CCIP bridge's (docs/bridge.md). The home chain
 * has the senders where CCIP serves it; a destination chain has the receiver and the executor.
 */
export const optionalFactories = {
  CheckpointSender: CheckpointSender__factory,
  GovernanceSender: GovernanceSender__factory,
  CheckpointReceiver: CheckpointReceiver__factory,
  RemoteExecutor: RemoteExecutor__factory,
} as const;

export type OptionalContractName = keyof typeof optionalFactories;

/** Every contract of a deployment, typed; the optional ones are undefined where the deployment has none. */
export type OpenMeshContracts = {
  [K in DeployedContractName]: ReturnType<(typeof deployedFactories)[K]["connect"]>;
} & {
  [K in OptionalContractName]?: ReturnType<(typeof optionalFactories)[K]["connect"]>;
};

/** Connects every contract of `deployment` (see getDeployment) to `runner`. */
export function connectOpenMesh(deployment: ChainDeployment, runner: ContractRunner | null): OpenMeshContracts {
  const out: Partial<Record<DeployedContractName, unknown>> = {};
  for (const name of Object.keys(deployedFactories) as DeployedContractName[]) {
    const address = deployment.contracts[name];
    if (!address) throw new Error(`deployment on chain ${deployment.chainId} has no ${name}`);
    out[name] = deployedFactories[name].connect(address, runner);
  }
  const optional: Partial<Record<OptionalContractName, unknown>> = {};
  for (const name of Object.keys(optionalFactories) as OptionalContractName[]) {
    const address = deployment.contracts[name];
    if (address) optional[name] = optionalFactories[name].connect(address, runner);
  }
  return { ...out, ...optional } as OpenMeshContracts;
}
