// Deploys the whole protocol from a validated GenesisConfig with one ethers signer, and
// hands every privilege to governance: the AccessManager's only admin is the timelock, the
// timelock's only proposer is the governor, and the deployer keeps nothing.
import {
  getAddress,
  getCreateAddress,
  isAddress,
  type BaseContract,
  type ContractTransactionResponse,
  type Provider,
  type Signer,
} from "ethers";
import {
  CheckpointStore__factory,
  DvmAccess__factory,
  EvidenceHandler__factory,
  OpenAccessManager__factory,
  OpenGovernor__factory,
  OpenTimelock__factory,
  OpenToken__factory,
  OpenVestingWallet__factory,
  ResourceMarket__factory,
  RewardsDistributor__factory,
  Staking__factory,
  TaskManager__factory,
  ValidatorSetManager__factory,
  type CheckpointStore,
  type DvmAccess,
  type EvidenceHandler,
  type OpenAccessManager,
  type OpenGovernor,
  type OpenTimelock,
  type OpenToken,
  type ResourceMarket,
  type RewardsDistributor,
  type Staking,
  type TaskManager,
  type ValidatorSetManager,
} from "../../types/ethers-contracts/index.js";
import type { DeployedContract, DeploymentFile, GenesisGrantRecord } from "./deployment-file.js";
import { planGenesis, TOTAL_SUPPLY_WEI, type GenesisConfig } from "./genesis-config.js";
import { accessRoles } from "../../packages/contracts/src/roles.js";
import { loadCcipConfig, type CcipConfig } from "./ccip-config.js";
import { deployBridge, type DeployedBridge } from "./deploy-bridge.js";

export interface DeployOptions {
  /** accounts of a local dev node, for "account:N" references; undefined refuses them */
  localAccounts?: string[];
  log?: (line: string) => void;
  /** CCIP networks and lanes (default: deployments/config/ccip-networks.json); false: no bridge */
  ccip?: CcipConfig | false;
}

/** Chains of local dev nodes: they get the CCIP simulator and the remote side of the bridge. */
export const LOCAL_CHAIN_IDS = new Set([31337, 1337]);

export interface Deployed {
  token: OpenToken;
  timelock: OpenTimelock;
  governor: OpenGovernor;
  accessManager: OpenAccessManager;
  staking: Staking;
  validatorSets: ValidatorSetManager;
  checkpoints: CheckpointStore;
  rewards: RewardsDistributor;
  evidence: EvidenceHandler;
  tasks: TaskManager;
  /** the cloud market and its lease NFT (docs/market.md) */
  market: ResourceMarket;
  dvm: DvmAccess;
  /** the checkpoint bridge (always on a local chain; elsewhere when ccip-networks.json has the chain) */
  bridge?: DeployedBridge;
  file: DeploymentFile;
}

/** AccessManager roles of the protocol's contracts (role 0, the admin, is the timelock). */
export const ROLES = accessRoles;

const OPEN = 10n ** 18n;

function contractRecord(address: string, source: string, name: string): DeployedContract {
  return { address, artifact: `${source}:${name}`, abi: `abi/${name}.json` };
}

interface NamedAddresses {
  treasury: string;
  rewards: string;
}

/** Resolves "treasury", "rewards" and "account:N", and checks literal addresses. */
function resolveRef(ref: string, named: NamedAddresses, opts: DeployOptions): string {
  if (ref === "treasury") return named.treasury;
  if (ref === "rewards") return named.rewards;
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
  const probe = {
    treasury: "0x0000000000000000000000000000000000000001",
    rewards: "0x0000000000000000000000000000000000000002",
  };
  for (const g of plan) resolveRef(g.to, probe, opts);
  const p = cfg.protocol;

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

  // The token mints the node pool straight into the rewards distributor, deployed right after
  // it: predict that address from the deployer's nonce (checked once deployed).
  const vestingCount = plan.filter((x) => x.vesting).length;
  const nonceNow = await provider.getTransactionCount(deployer, "pending");
  // token, staking, validator sets, checkpoint store, then rewards
  const predictedRewards = getCreateAddress({ from: deployer, nonce: nonceNow + vestingCount + 4 });
  const named = { treasury, rewards: predictedRewards };

  const recipients: string[] = [];
  const amounts: bigint[] = [];
  const genesis: GenesisGrantRecord[] = [];
  for (const grant of plan) {
    const beneficiary = resolveRef(grant.to, named, opts);
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
  const token = await new OpenToken__factory(signer).deploy(recipients, amounts, treasury);
  await token.waitForDeployment();

  const tokenAddress = await token.getAddress();
  const manager = await accessManager.getAddress();

  log("deploying Staking (and its StakeVotes), ValidatorSetManager, CheckpointStore");
  const staking = await new Staking__factory(signer).deploy(manager, tokenAddress, treasury);
  await staking.waitForDeployment();
  const validatorSets = await new ValidatorSetManager__factory(signer).deploy(
    manager,
    await staking.getAddress(),
    p.epochLengthSeconds,
  );
  await validatorSets.waitForDeployment();
  const checkpoints = await new CheckpointStore__factory(signer).deploy(
    await validatorSets.getAddress(),
    manager,
    p.checkpointInterval,
  );
  await checkpoints.waitForDeployment();

  log("deploying RewardsDistributor (holds the node-operator pool), EvidenceHandler, TaskManager");
  const rewards = await new RewardsDistributor__factory(signer).deploy(
    tokenAddress,
    await staking.getAddress(),
    manager,
    BigInt(p.emissionPerEpochWad),
  );
  await rewards.waitForDeployment();
  if ((await rewards.getAddress()) !== predictedRewards) {
    throw new Error(`rewards distributor at ${await rewards.getAddress()}, predicted ${predictedRewards}: aborting`);
  }
  const evidence = await new EvidenceHandler__factory(signer).deploy(
    await staking.getAddress(),
    await validatorSets.getAddress(),
    await checkpoints.getAddress(),
    tokenAddress,
    manager,
  );
  await evidence.waitForDeployment();
  const tasks = await new TaskManager__factory(signer).deploy(
    tokenAddress,
    await checkpoints.getAddress(),
    await rewards.getAddress(),
    manager,
    p.taskProtocolFeeBps,
    p.taskGracePeriodSeconds,
    p.taskSpares,
  );
  await tasks.waitForDeployment();

  log("deploying DvmAccess (lease NFTs) and ResourceMarket");
  const dvm = await new DvmAccess__factory(signer).deploy(manager);
  await dvm.waitForDeployment();
  const market = await new ResourceMarket__factory(signer).deploy(
    tokenAddress,
    await staking.getAddress(),
    await validatorSets.getAddress(),
    await checkpoints.getAddress(),
    await rewards.getAddress(),
    await dvm.getAddress(),
    manager,
    p.marketProtocolFeeBps,
  );
  await market.waitForDeployment();

  log("deploying OpenGovernor (votes: liquid + staked OPEN)");
  const stakeVotes = await staking.stakeVotes();
  const governor = await new OpenGovernor__factory(signer).deploy(
    stakeVotes,
    treasury,
    g.votingDelaySeconds,
    g.votingPeriodSeconds,
    BigInt(g.proposalThresholdOpen) * OPEN,
    g.quorumPercent,
  );
  await governor.waitForDeployment();
  const governorAddress = await governor.getAddress();

  log("wiring roles and local parameters");
  await grantFunctionRole(accessManager, rewards, ["recordEpochRewards"], ROLES.REWARDS_RECORDER, checkpoints);
  await grantFunctionRole(accessManager, staking, ["distributeRewards"], ROLES.REWARDS_PAYER, rewards);
  await grantFunctionRole(accessManager, staking, ["slash", "jail", "tombstone"], ROLES.SLASHER, evidence);
  await grantFunctionRole(accessManager, dvm, ["mint", "updateLease"], ROLES.LEASE_MINTER, market);
  await mined(checkpoints.setRewardsLedger(await rewards.getAddress()));
  // unbonding requests are bucketed by epoch, so a slash reaches only stake that left after the infraction
  await mined(staking.setValidatorSets(await validatorSets.getAddress()));
  const st = p.staking;
  if (st.minStakeOpen !== undefined) await mined(staking.setMinStake(BigInt(st.minStakeOpen) * OPEN));
  if (st.unbondingPeriodSeconds !== undefined) await mined(staking.setUnbondingPeriod(st.unbondingPeriodSeconds));
  if (st.jailPeriodSeconds !== undefined) await mined(staking.setJailPeriod(st.jailPeriodSeconds));
  if (st.commissionIncreaseDelaySeconds !== undefined) {
    await mined(staking.setCommissionIncreaseDelay(st.commissionIncreaseDelaySeconds));
  }
  if (st.maxValidators !== undefined) await mined(staking.setMaxValidators(st.maxValidators));
  if (p.downtime) await mined(evidence.setDowntimeRule(p.downtime.window, p.downtime.minSignedPercent));

  const ccip = opts.ccip ?? loadCcipConfig();
  const bridge = ccip
    ? await deployBridge(signer, {
        checkpoints: await checkpoints.getAddress(),
        accessManager: manager,
        timelock: treasury,
        chainId: Number(chainId),
        homeNetwork: cfg.network,
        ccip,
        local: LOCAL_CHAIN_IDS.has(Number(chainId)),
        log,
      })
    : undefined;

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
      Staking: contractRecord(await staking.getAddress(), "contracts/staking/Staking.sol", "Staking"),
      StakeVotes: contractRecord(stakeVotes, "contracts/staking/StakeVotes.sol", "StakeVotes"),
      ValidatorSetManager: contractRecord(
        await validatorSets.getAddress(),
        "contracts/staking/ValidatorSetManager.sol",
        "ValidatorSetManager",
      ),
      CheckpointStore: contractRecord(
        await checkpoints.getAddress(),
        "contracts/consensus/CheckpointStore.sol",
        "CheckpointStore",
      ),
      RewardsDistributor: contractRecord(
        await rewards.getAddress(),
        "contracts/rewards/RewardsDistributor.sol",
        "RewardsDistributor",
      ),
      EvidenceHandler: contractRecord(
        await evidence.getAddress(),
        "contracts/consensus/EvidenceHandler.sol",
        "EvidenceHandler",
      ),
      TaskManager: contractRecord(await tasks.getAddress(), "contracts/tasks/TaskManager.sol", "TaskManager"),
      DvmAccess: contractRecord(await dvm.getAddress(), "contracts/cloud/DvmAccess.sol", "DvmAccess"),
      ResourceMarket: contractRecord(await market.getAddress(), "contracts/cloud/ResourceMarket.sol", "ResourceMarket"),
      ...bridge?.contracts,
    },
    genesis,
    ...(bridge && { ccip: bridge.record }),
  };
  return {
    token,
    timelock,
    governor,
    accessManager,
    staking,
    validatorSets,
    checkpoints,
    rewards,
    evidence,
    tasks,
    market,
    dvm,
    bridge,
    file,
  };
}

/** Restricts `functions` of `target` to `role` and grants the role to `holder` (no execution delay). */
async function grantFunctionRole(
  manager: OpenAccessManager,
  target: BaseContract,
  functions: string[],
  role: bigint,
  holder: BaseContract,
): Promise<void> {
  const selectors = functions.map((f) => {
    const fragment = target.interface.getFunction(f);
    if (!fragment) throw new Error(`no function ${f}`);
    return fragment.selector;
  });
  await mined(manager.setTargetFunctionRole(await target.getAddress(), selectors, role));
  await mined(manager.grantRole(role, await holder.getAddress(), 0));
}
