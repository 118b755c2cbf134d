// Reads go through the keeper's read-only JSON-RPC window (/studio/rpc, same origin); writes go
// through the user's wallet (lib/wallet.ts). Contracts are the typed bindings of @openmesh/contracts.
import { JsonRpcProvider, Network, type ContractRunner } from "ethers";
import {
  CheckpointStore__factory,
  DvmAccess__factory,
  EvidenceHandler__factory,
  OpenGovernor__factory,
  OpenTimelock__factory,
  OpenToken__factory,
  ResourceMarket__factory,
  RewardsDistributor__factory,
  StakeVotes__factory,
  Staking__factory,
  TaskManager__factory,
  ValidatorSetManager__factory,
} from "@openmesh/contracts";
import type { StudioInfo } from "./keeper.js";

export function readProvider(info: StudioInfo): JsonRpcProvider {
  const network = Network.from(BigInt(info.chainId ?? "0"));
  // a local chain mines at once: poll often, never reuse a cached answer (nonces, receipts)
  return new JsonRpcProvider(new URL("rpc", location.href).href, network, {
    staticNetwork: network,
    pollingInterval: 500,
    cacheTimeout: -1,
    batchMaxCount: 20,
  });
}

function address(info: StudioInfo, name: string): string {
  const a = info.contracts[name];
  if (!a) throw new Error(`the keeper's deployment has no ${name}`);
  return a;
}

/** Every contract the Studio uses, connected to `runner` (the read provider or a wallet signer). */
export function contracts(info: StudioInfo, runner: ContractRunner) {
  return {
    token: OpenToken__factory.connect(address(info, "OpenToken"), runner),
    staking: Staking__factory.connect(address(info, "Staking"), runner),
    stakeVotes: StakeVotes__factory.connect(address(info, "StakeVotes"), runner),
    validatorSets: ValidatorSetManager__factory.connect(address(info, "ValidatorSetManager"), runner),
    checkpoints: CheckpointStore__factory.connect(address(info, "CheckpointStore"), runner),
    rewards: RewardsDistributor__factory.connect(address(info, "RewardsDistributor"), runner),
    evidence: EvidenceHandler__factory.connect(address(info, "EvidenceHandler"), runner),
    tasks: TaskManager__factory.connect(address(info, "TaskManager"), runner),
    governor: OpenGovernor__factory.connect(address(info, "OpenGovernor"), runner),
    timelock: OpenTimelock__factory.connect(address(info, "OpenTimelock"), runner),
    // the cloud market: absent from deployments made before it (the Rent page says so)
    market: info.contracts.ResourceMarket
      ? ResourceMarket__factory.connect(info.contracts.ResourceMarket, runner)
      : null,
    dvm: info.contracts.DvmAccess ? DvmAccess__factory.connect(info.contracts.DvmAccess, runner) : null,
  };
}

export type Contracts = ReturnType<typeof contracts>;
