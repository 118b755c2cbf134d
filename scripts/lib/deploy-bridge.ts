// The checkpoint bridge of a deployment: CheckpointSender on the home chain and, locally, the "remote
// chain" (its own AccessManager and a CheckpointReceiver) as a second deployment on the same chain,
// with Chainlink's CCIPLocalSimulator as the router. Called by deployProtocol while the deployer is
// still the AccessManager's admin; the remote AccessManager is handed to the timelock here.
import type { ContractTransactionResponse, Signer } from "ethers";
import {
  CCIPLocalSimulator__factory,
  CheckpointReceiver__factory,
  CheckpointSender__factory,
  GovernanceSender__factory,
  OpenAccessManager__factory,
  RemoteExecutor__factory,
  type CCIPLocalSimulator,
  type CheckpointReceiver,
  type CheckpointSender,
  type GovernanceSender,
  type OpenAccessManager,
  type RemoteExecutor,
} from "../../types/ethers-contracts/index.js";
import type { CcipConfig } from "./ccip-config.js";
import type { CcipRecord, DeployedContract } from "./deployment-file.js";

export interface BridgeInputs {
  checkpoints: string;
  accessManager: string;
  timelock: string;
  chainId: number;
  /** the deployment's network name: its lanes are ccip.lanes[homeNetwork] */
  homeNetwork: string;
  ccip: CcipConfig;
  /** a local dev chain: deploy the simulator and the remote side */
  local: boolean;
  log: (line: string) => void;
}

export interface DeployedBridge {
  sender: CheckpointSender;
  /** home: sends a passed proposal's actions to remote executors */
  governanceSender: GovernanceSender;
  /** local deploys only: the remote chain's executor, the only admin of its AccessManager */
  executor?: RemoteExecutor;
  /** local deploys only: the remote chain's receiver and its AccessManager */
  receiver?: CheckpointReceiver;
  remoteAccessManager?: OpenAccessManager;
  simulator?: CCIPLocalSimulator;
  record: CcipRecord;
  contracts: Record<string, DeployedContract>;
}

/** Gas a governance message may use on the remote chain (proposals change it with setRemote). */
const GOVERNANCE_GAS_LIMIT = 500_000;

async function mined(tx: Promise<ContractTransactionResponse>): Promise<void> {
  const receipt = await (await tx).wait();
  if (receipt?.status !== 1) throw new Error(`transaction failed: ${receipt?.hash}`);
}

const record = (address: string, source: string, name: string): DeployedContract => ({
  address,
  artifact: `${source}:${name}`,
  abi: `abi/${name}.json`,
});

/** Deploys the bridge; returns undefined (and logs why) on a chain with no CCIP router in the config. */
export async function deployBridge(signer: Signer, inp: BridgeInputs): Promise<DeployedBridge | undefined> {
  const deployer = await signer.getAddress();
  let router: string;
  let link: string;
  let chainSelector: bigint;
  let simulator: CCIPLocalSimulator | undefined;
  let networkName: string;
  if (inp.local) {
    inp.log("deploying Chainlink CCIPLocalSimulator (router, LINK) for the checkpoint bridge");
    simulator = await new CCIPLocalSimulator__factory(signer).deploy();
    await simulator.waitForDeployment();
    const c = await simulator.configuration();
    router = c.sourceRouter_;
    link = c.linkToken_;
    chainSelector = c.chainSelector_;
    networkName = "simulator";
  } else {
    const entry = Object.entries(inp.ccip.networks).find(
      ([, n]) => n.chainId === inp.chainId && n.router !== "deployed",
    );
    if (!entry) {
      inp.log(`no CCIP router for chain ${inp.chainId} in ccip-networks.json: no checkpoint bridge`);
      return undefined;
    }
    const [name, n] = entry;
    networkName = name;
    router = n.router;
    link = n.link;
    chainSelector = BigInt(n.chainSelector);
  }

  inp.log(`deploying CheckpointSender (router ${router}, fees in the native coin)`);
  const sender = await new CheckpointSender__factory(signer).deploy(
    router,
    inp.checkpoints,
    link,
    inp.accessManager,
    "0x0000000000000000000000000000000000000000",
  );
  await sender.waitForDeployment();
  const senderAddress = await sender.getAddress();
  const governanceSender = await new GovernanceSender__factory(signer).deploy(router, inp.accessManager);
  await governanceSender.waitForDeployment();
  const governanceSenderAddress = await governanceSender.getAddress();
  const out: DeployedBridge = {
    sender,
    governanceSender,
    simulator,
    record: { network: networkName, chainSelector: chainSelector.toString(), router, link, lanes: [] },
    contracts: {
      CheckpointSender: record(senderAddress, "contracts/bridge/CheckpointSender.sol", "CheckpointSender"),
      GovernanceSender: record(governanceSenderAddress, "contracts/bridge/GovernanceSender.sol", "GovernanceSender"),
    },
  };
  if (simulator) out.record.simulator = await simulator.getAddress();

  if (inp.local) {
    // The remote chain: its own AccessManager, whose only admin is the executor of home proposals, and the receiver.
    const remoteManager = await new OpenAccessManager__factory(signer).deploy(deployer);
    await remoteManager.waitForDeployment();
    const receiver = await new CheckpointReceiver__factory(signer).deploy(router, await remoteManager.getAddress());
    await receiver.waitForDeployment();
    const receiverAddress = await receiver.getAddress();
    await mined(receiver.setSource(chainSelector, { sender: senderAddress, homeChainId: inp.chainId }));
    const executor = await new RemoteExecutor__factory(signer).deploy(router, {
      chainSelector,
      sender: governanceSenderAddress,
    });
    await executor.waitForDeployment();
    const executorAddress = await executor.getAddress();
    await mined(
      governanceSender.setRemote(chainSelector, { executor: executorAddress, gasLimit: GOVERNANCE_GAS_LIMIT }),
    );
    const ADMIN = await remoteManager.ADMIN_ROLE();
    await mined(remoteManager.grantRole(ADMIN, executorAddress, 0));
    await mined(remoteManager.renounceRole(ADMIN, deployer));
    out.executor = executor;
    out.contracts.RemoteExecutor = record(executorAddress, "contracts/bridge/RemoteExecutor.sol", "RemoteExecutor");
    out.receiver = receiver;
    out.remoteAccessManager = remoteManager;
    out.contracts.CheckpointReceiver = record(
      receiverAddress,
      "contracts/bridge/CheckpointReceiver.sol",
      "CheckpointReceiver",
    );
    out.contracts.RemoteAccessManager = record(
      await remoteManager.getAddress(),
      "contracts/governance/OpenAccessManager.sol",
      "OpenAccessManager",
    );
    for (const lane of inp.ccip.lanes[inp.homeNetwork] ?? inp.ccip.lanes["localhost"] ?? []) {
      const dest = inp.ccip.networks[lane.to]!;
      // locally every lane ends at the simulator's selector, where the local receiver listens
      const selector = dest.router === "deployed" ? chainSelector : BigInt(dest.chainSelector);
      await mined(
        sender.setLane(selector, { receiver: receiverAddress, gasLimit: lane.gasLimit, relayEvery: lane.relayEvery }),
      );
      out.record.lanes.push({
        to: lane.to,
        destChainSelector: selector.toString(),
        receiver: receiverAddress,
        gasLimit: lane.gasLimit,
        relayEvery: lane.relayEvery,
      });
    }
  } else {
    inp.log("lanes: set by governance once the receivers on the destination chains are deployed (docs/bridge.md)");
  }
  return out;
}
