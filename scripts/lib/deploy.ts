// Deploys the whole protocol from a validated GenesisConfig with one ethers signer, and
// hands every privilege to governance: the AccessManager's only admin is the timelock, the
// timelock's only proposer is the governor, and the deployer keeps nothing.
import { getAddress, isAddress, type ContractTransactionResponse, type Provider, type Signer } from "ethers";
import {
  OpenAccessManager__factory,
  OpenGovernor__factory,
  OpenTimelock__factory,
  OpenToken__factory,
  OpenVestingWallet__factory,
  type OpenAccessManager,
  type OpenGovernor,
  type OpenTimelock,
  type OpenToken,
} from "../../types/ethers-contracts/index.js";
import type { DeployedContract, DeploymentFile, GenesisGrantRecord } from "./deployment-file.js";
import { planGenesis, TOTAL_SUPPLY_WEI, type GenesisConfig } from "./genesis-config.js";

export interface DeployOptions {
  /** accounts of a local dev node, for "account:N" references; undefined refuses them */
  localAccounts?: string[];
  log?: (line: string) => void;
}

export interface Deployed {
  token: OpenToken;
  timelock: OpenTimelock;
  governor: OpenGovernor;
  accessManager: OpenAccessManager;
  file: DeploymentFile;
}

const OPEN = 10n ** 18n;

function contractRecord(address: string, source: string, name: string): DeployedContract {
  return { address, artifact: `${source}:${name}`, abi: `abi/${name}.json` };
}

/** Resolves "account:N" and checks literal addresses; "treasury" is resolved by the caller. */
function resolveRef(ref: string, treasury: string, opts: DeployOptions): string {
  if (ref === "treasury") return treasury;
  const m = /^account:(\d+)$/.exec(ref);
  if (m) {
    const accounts = opts.localAccounts;
    if (!accounts) throw new Error(`"${ref}" refers to a local dev-node account, not allowed on this network`);
    const a = accounts[Number(m[1])];
    if (!a) throw new Error(`"${ref}": the node has only ${accounts.length} accounts`);
    return getAddress(a);
  }
  if (!isAddress(ref)) throw new Error(`"${ref}" is not an address`);
  return getAddress(ref);
}

async function mined(tx: Promise<ContractTransactionResponse>): Promise<void> {
  const receipt = await (await tx).wait();
  if (receipt?.status !== 1) throw new Error(`transaction failed: ${receipt?.hash}`);
}

export async function deployProtocol(signer: Signer, cfg: GenesisConfig, opts: DeployOptions = {}): Promise<Deployed> {
  const log = opts.log ?? (() => {});
  const provider = signer.provider as Provider;
  const deployer = await signer.getAddress();
  const { chainId } = await provider.getNetwork();
  const startBlock = await provider.getBlockNumber();

  // Resolve every address before the first transaction, so a bad reference costs nothing.
  const plan = planGenesis(cfg);
  const probeTreasury = "0x0000000000000000000000000000000000000001";
  for (const g of plan) resolveRef(g.to, probeTreasury, opts);

  log("deploying AccessManager (deployer is admin during set-up only)");
  const accessManager = await new OpenAccessManager__factory(signer).deploy(deployer);
  await accessManager.waitForDeployment();

  log("deploying TimelockController (the DAO treasury)");
  const g = cfg.governance;
  const timelock = await new OpenTimelock__factory(signer).deploy(
    g.timelockDelaySeconds,
    [],
    ["0x0000000000000000000000000000000000000000"], // anyone may execute a queued proposal
    deployer,
  );
  await timelock.waitForDeployment();
  const treasury = await timelock.getAddress();

  const latest = await provider.getBlock("latest");
  const vestingStart = cfg.vestingStart === "deploy" ? Number(latest?.timestamp ?? 0) : cfg.vestingStart;

  const recipients: string[] = [];
  const amounts: bigint[] = [];
  const genesis: GenesisGrantRecord[] = [];
  for (const grant of plan) {
    const beneficiary = resolveRef(grant.to, treasury, opts);
    let holder = beneficiary;
    if (grant.vesting) {
      const wallet = await new OpenVestingWallet__factory(signer).deploy(
        beneficiary,
        vestingStart,
        grant.vesting.durationSeconds,
        grant.vesting.cliffSeconds,
      );
      await wallet.waitForDeployment();
      holder = await wallet.getAddress();
      log(`vesting wallet for ${grant.bucket} ${beneficiary}: ${holder}`);
    }
    recipients.push(holder);
    amounts.push(grant.amountWei);
    genesis.push({
      bucket: grant.bucket,
      beneficiary,
      holder,
      amountWei: grant.amountWei.toString(),
      vesting: grant.vesting && { start: vestingStart, ...grant.vesting },
    });
  }

  log(`deploying OpenToken: ${TOTAL_SUPPLY_WEI / OPEN} OPEN to ${recipients.length} genesis holders`);
  const token = await new OpenToken__factory(signer).deploy(recipients, amounts);
  await token.waitForDeployment();

  log("deploying OpenGovernor");
  const governor = await new OpenGovernor__factory(signer).deploy(
    await token.getAddress(),
    treasury,
    g.votingDelaySeconds,
    g.votingPeriodSeconds,
    BigInt(g.proposalThresholdOpen) * OPEN,
    g.quorumPercent,
  );
  await governor.waitForDeployment();
  const governorAddress = await governor.getAddress();

  log("handing control to governance");
  await mined(timelock.grantRole(await timelock.PROPOSER_ROLE(), governorAddress));
  await mined(timelock.grantRole(await timelock.CANCELLER_ROLE(), governorAddress));
  await mined(timelock.renounceRole(await timelock.DEFAULT_ADMIN_ROLE(), deployer));
  const ADMIN_ROLE = await accessManager.ADMIN_ROLE();
  await mined(accessManager.grantRole(ADMIN_ROLE, treasury, 0));
  await mined(accessManager.renounceRole(ADMIN_ROLE, deployer));

  const file: DeploymentFile = {
    network: cfg.network,
    chainId: Number(chainId),
    deployer,
    deploymentBlock: startBlock + 1,
    deployedAt: new Date().toISOString(),
    contracts: {
      OpenAccessManager: contractRecord(
        await accessManager.getAddress(),
        "contracts/governance/OpenAccessManager.sol",
        "OpenAccessManager",
      ),
      OpenTimelock: contractRecord(treasury, "contracts/governance/OpenTimelock.sol", "OpenTimelock"),
      OpenToken: contractRecord(await token.getAddress(), "contracts/token/OpenToken.sol", "OpenToken"),
      OpenGovernor: contractRecord(governorAddress, "contracts/governance/OpenGovernor.sol", "OpenGovernor"),
    },
    genesis,
  };
  return { token, timelock, governor, accessManager, file };
}
