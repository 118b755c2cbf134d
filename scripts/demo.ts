// `npm run demo`: the OpenMesh lifecycle on this machine, with real parts only: a local chain
// (hardhat node over JSON-RPC), the real deploy, and N keeper processes started through the
// `openmesh-keeper` CLI over real loopback sockets.
//   npm run demo -- [--keepers N] [--keep-running] [--ecdsa]
import { rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  AbiCoder,
  formatUnits,
  HDNodeWallet,
  id,
  Wallet,
  JsonRpcProvider,
  JsonRpcSigner,
  Network,
  parseEther,
  parseUnits,
  type Result,
} from "ethers";
import { deployProtocol, type Deployed } from "./lib/deploy.js";
import { deploymentPath, REPO_ROOT, writeDeployment } from "./lib/deployment-file.js";
import { loadGenesisConfig } from "./lib/genesis-config.js";
import { freePort, LocalChain } from "./lib/local-chain.js";
import { KeeperProcess } from "./lib/demo/keeper-process.js";
import { DEMO_CLAIMS, DEMO_POR, runPorStep } from "./lib/demo/por-step.js";
import { keeperProvesResources, runCloudStep } from "./lib/demo/cloud-step.js";
import { killExecutorStep, oracleTaskStep } from "./lib/task-demo.js";
import { TaskSource } from "./lib/task-source.js";
import { deployTokenBridge } from "./lib/deploy-token-bridge.js";
import { describeRevert } from "./lib/describe-revert.js";
import { bridgeBack, bridgeOut, SIMULATOR_ON_RAMP, supplies } from "./lib/token-bridge-ramps.js";
import { MockCCIPRouter__factory } from "../types/ethers-contracts/index.js";
import type { ConsensusStatus, RewardsReport } from "../keeper/src/bft/service.js";

const { values } = parseArgs({
  options: {
    keepers: { type: "string", default: "4" },
    "keep-running": { type: "boolean", default: false },
    ecdsa: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log("usage: npm run demo -- [--keepers N (4..16)] [--keep-running] [--ecdsa]");
  process.exit(0);
}
const N = Number(values.keepers);
if (!Number.isInteger(N) || N < 4 || N > 16) {
  console.error(`--keepers must be an integer from 4 to 16, got "${values.keepers}"`);
  process.exit(2);
}

const MNEMONIC = "test test test test test test test test test test test junk"; // hardhat node's accounts
const accountKey = (i: number) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;
const OPEN = 10n ** 18n;
const t0 = Date.now();
let stepNo = 0;
const step = (title: string) => console.log(`\n[${++stepNo}] ${title}  (+${((Date.now() - t0) / 1000).toFixed(1)}s)`);
const info = (line: string) => console.log(`    ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(300);
  }
}

interface Certified {
  height: bigint;
  epoch: bigint;
  round: bigint;
  kind: bigint;
  signedStake: bigint;
  gas: bigint;
}

const root = join(REPO_ROOT, ".demo");
rmSync(root, { recursive: true, force: true });
const chain = await LocalChain.start();
const network = Network.from(31337n);
const provider = new JsonRpcProvider(chain.url, network, { staticNetwork: network, cacheTimeout: -1 });
const keepers: KeeperProcess[] = [];
let exitCode = 0;

async function shutdown(): Promise<void> {
  await Promise.all(keepers.map((k) => k.stop()));
  provider.destroy();
  await chain.stop();
}
process.once("SIGINT", () => void shutdown().then(() => process.exit(130)));

const certified: Certified[] = [];
let scanned = 0;
async function scanCertified(d: Deployed, print: boolean): Promise<void> {
  const head = await provider.getBlockNumber();
  if (head <= scanned) return;
  const logs = await d.checkpoints.queryFilter(d.checkpoints.filters.CheckpointCertified(), scanned + 1, head);
  scanned = head;
  for (const l of logs) {
    const receipt = await provider.getTransactionReceipt(l.transactionHash);
    const c: Certified = {
      height: l.args.height,
      epoch: l.args.epoch,
      round: l.args.round,
      kind: l.args.kind,
      signedStake: l.args.signedStake,
      gas: receipt?.gasUsed ?? 0n,
    };
    certified.push(c);
    if (print) {
      info(
        `certified height ${c.height} (epoch ${c.epoch}, round ${c.round}): ${c.kind === 1n ? "BLS" : "ECDSA"} ` +
          `certificate, ${formatUnits(c.signedStake, 18)} OPEN signed, ${c.gas.toLocaleString("en-US")} gas`,
      );
    }
  }
}

/** Until restarted keeper `i` works at the height another keeper does: it decided every height it missed. */
async function untilCaughtUp(i: number): Promise<void> {
  const other = keepers[i === 0 ? 1 : 0]!;
  await waitFor(`keeper ${i} to catch up`, 90_000, async () => {
    const [mine, theirs] = await Promise.all([
      keepers[i]!.get<ConsensusStatus>("/consensus"),
      other.get<ConsensusStatus>("/consensus"),
    ]);
    return typeof mine?.height === "number" && typeof theirs?.height === "number" && mine.height >= theirs.height;
  });
}

async function untilCertified(d: Deployed, count: number, what: string, timeoutMs = 90_000): Promise<void> {
  const target = certified.length + count;
  await waitFor(what, timeoutMs, async () => {
    await scanCertified(d, true);
    return certified.length >= target;
  });
}

async function advanceEpoch(d: Deployed): Promise<bigint> {
  const next = await d.validatorSets.nextEpochTime();
  const block = await provider.getBlock("latest");
  const wait = Number(next) - block!.timestamp;
  if (wait > 0) await provider.send("evm_increaseTime", [wait + 1]);
  const signer = await provider.getSigner(0);
  await (await d.validatorSets.connect(signer).advanceEpoch()).wait();
  return d.validatorSets.currentEpoch();
}

/** any address is an off-ramp for the simulator's router (the demo plays it for the token pools) */
const OFF_RAMP = "0x000000000000000000000000000000000000ff01";

/** propose, vote (the deployer's delegated reserve), queue and execute one proposal */
async function passProposal(
  d: Deployed,
  targets: string[],
  values: bigint[],
  calldatas: string[],
  description: string,
) {
  const voter = await provider.getSigner(0);
  await (await d.governor.connect(voter).propose(targets, values, calldatas, description)).wait();
  const proposalId = await d.governor.hashProposal(targets, values, calldatas, id(description));
  await provider.send("evm_increaseTime", [Number(await d.governor.votingDelay()) + 1]);
  await provider.send("evm_mine", []);
  await (await d.governor.connect(voter).castVote(proposalId, 1)).wait();
  await provider.send("evm_increaseTime", [Number(await d.governor.votingPeriod()) + 1]);
  await provider.send("evm_mine", []);
  await (await d.governor.queue(targets, values, calldatas, id(description))).wait();
  await provider.send("evm_increaseTime", [Number(await d.timelock.getMinDelay()) + 1]);
  await provider.send("evm_mine", []);
  await (await d.governor.execute(targets, values, calldatas, id(description))).wait();
}

try {
  step(`local chain: hardhat node at ${chain.url}; deploy`);
  const cfg = loadGenesisConfig(join(REPO_ROOT, "deployments", "config", "localhost.json"));
  const accounts = (await provider.listAccounts()).map((a) => a.address);
  const d = await deployProtocol(await provider.getSigner(0), cfg, { localAccounts: accounts });
  const deploymentFile = deploymentPath("localhost");
  writeDeployment(deploymentFile, d.file, true); // the demo owns its localhost deployment
  for (const [name, c] of Object.entries(d.file.contracts)) info(`${name.padEnd(20)} ${c.address}`);
  info(`genesis: ${d.file.genesis.length} grants, total supply ${formatUnits(await d.token.totalSupply(), 18)} OPEN`);

  step(`${N} operators register with stake and a BLS proof of possession (openmesh-keeper init + register)`);
  const deployer = await provider.getSigner(0);
  const ports = await Promise.all(Array.from({ length: 2 * N }, () => freePort()));
  for (let i = 0; i < N; i++) {
    keepers.push(
      new KeeperProcess({
        index: i,
        root,
        rpcUrl: chain.url,
        deploymentFile,
        p2pPort: ports[2 * i]!,
        metricsPort: ports[2 * i + 1]!,
        bootstrap: [],
        certificate: values.ecdsa ? "ecdsa" : "bls",
        por: DEMO_POR,
      }),
    );
  }
  for (const [i, k] of keepers.entries()) {
    await k.init();
    const owner = accounts[i + 1]!;
    if ((await d.token.balanceOf(owner)) < 50_000n * OPEN) {
      await (await d.token.connect(deployer).transfer(owner, 50_000n * OPEN)).wait();
    }
    await (await deployer.sendTransaction({ to: k.signer, value: parseEther("10") })).wait(); // gas for submissions
    const stake = 20_000 + 1_000 * i;
    await k.register(accountKey(i + 1), stake, DEMO_CLAIMS);
    info(`keeper ${i}: operator ${owner}, signer ${k.signer}, peer ${k.peerId.slice(0, 16)}…, stake ${stake} OPEN`);
  }
  const holder = await provider.getSigner(18);
  const operator0 = accounts[1]!;
  await (await d.token.connect(deployer).transfer(holder.address, 5_000n * OPEN)).wait();
  await (await d.token.connect(holder).approve(await d.staking.getAddress(), 5_000n * OPEN)).wait();
  await (await d.staking.connect(holder).delegate(operator0, 5_000n * OPEN, 0n)).wait();
  const delegatedBefore = (await d.staking.positionOf(operator0, holder.address)).stake;
  info(`holder ${holder.address} delegated 5,000 OPEN to operator ${operator0}`);

  step("the epoch advances; keepers start and find each other through the DHT from one bootstrap peer");
  const epoch1 = await advanceEpoch(d);
  const set1 = await d.validatorSets.epochValidatorSet(epoch1);
  info(`epoch ${epoch1}: ${set1[3]} validators, ${formatUnits(set1[1], 18)} OPEN total stake`);
  keepers[0]!.start();
  await waitFor(
    "keeper 0 to be ready",
    60_000,
    async () => (await keepers[0]!.get<{ ready: boolean }>("/health"))?.ready,
  );
  for (const k of keepers.slice(1)) {
    k.opts.bootstrap = [keepers[0]!.multiaddr];
    k.start();
  }
  await waitFor("every keeper to connect to every other", 120_000, async () => {
    const peers = await Promise.all(keepers.map((k) => k.get<{ peers: number }>("/health")));
    return peers.every((p) => (p?.peers ?? 0) >= N - 1);
  });
  info(`all ${N} keepers connected to the ${N - 1} others (bootstrap: keeper 0 only)`);

  step(`keepers run BFT heights and certify checkpoints on chain (${values.ecdsa ? "ECDSA" : "BLS"} certificates)`);
  await untilCertified(d, 4, "4 certified checkpoints");

  step("Proof-of-Resource: each operator is challenged by 3 others; the certified porRoot shows what it proved");
  await runPorStep({
    checkpoints: d.checkpoints,
    keepers,
    operators: accounts.slice(1, N + 1),
    timeoutMs: 90_000,
    log: info,
  });

  step("rewards: the next epoch's first checkpoint carries the finished epoch's rewards; the keepers push them");
  const epoch2 = await advanceEpoch(d);
  info(`epoch ${epoch2} started`);
  const recorded = await waitFor(`rewards of epoch ${epoch1} recorded on chain`, 90_000, async () => {
    await scanCertified(d, true);
    const r = await d.rewards.epochRewards(epoch1);
    return r.recorded ? r : undefined;
  });
  info(`epoch ${epoch1}: ${formatUnits(recorded.total, 18)} OPEN of a ${formatUnits(recorded.budget, 18)} OPEN budget`);
  const report = await waitFor("the reward proofs from keeper 0's API", 30_000, async () => {
    const r = await keepers[0]!.get<RewardsReport>("/rewards");
    return r?.[epoch1.toString()];
  });
  const leaf = report.leaves.find((l) => l.operator.toLowerCase() === operator0.toLowerCase());
  if (!leaf) throw new Error(`operator ${operator0} has no reward leaf in epoch ${epoch1}`);
  // nobody claims by hand: keeper 0 claims its operator's leaf by Merkle proof and pushes it into the pool
  const [claimLog] = await waitFor(`keeper 0 to claim and push operator ${operator0}'s reward`, 60_000, async () => {
    const logs = await d.rewards.queryFilter(d.rewards.filters.RewardClaimed(epoch1, operator0));
    const credited = await d.rewards.credited(operator0, epoch1, epoch1);
    return logs.length > 0 && credited === 0n ? logs : undefined;
  });
  const claim = await provider.getTransactionReceipt(claimLog!.transactionHash);
  const pushLog = (await d.rewards.queryFilter(d.rewards.filters.RewardsPushed(operator0))).at(-1);
  const push = pushLog ? await provider.getTransactionReceipt(pushLog.transactionHash) : null;
  const delegatedAfter = (await d.staking.positionOf(operator0, holder.address)).stake;
  info(
    `keeper 0 claimed operator ${operator0}'s ${formatUnits(leaf.amount, 18)} OPEN by Merkle proof (${claim!.gasUsed} gas) ` +
      `and pushed it into its staking pool (${push?.gasUsed ?? "?"} gas), within epoch ${epoch2} as the contract requires`,
  );
  info(
    `split: ${formatUnits(BigInt(leaf.amount) - BigInt(leaf.service), 18)} OPEN for security (stake x heights signed), ` +
      `${formatUnits(leaf.service, 18)} OPEN for service (proven capacity x uptime; docs/checkpoints.md)`,
  );
  info(
    `its delegator's 5,000 OPEN position is now worth ${formatUnits(delegatedAfter, 18)} OPEN ` +
      `(+${formatUnits(delegatedAfter - delegatedBefore, 18)}, by share price)`,
  );

  step("bridge: keepers relay certified headers over Chainlink CCIP to the remote chain; a proof verifies there");
  const bridge = d.bridge!;
  const receiver = bridge.receiver!;
  const lane = BigInt(bridge.record.chainSelector);
  info(
    `lane: CheckpointSender -> CCIPLocalSimulator router ${bridge.record.router} -> CheckpointReceiver ` +
      `${await receiver.getAddress()} (selector ${lane}, gas limit ${(await bridge.sender.laneOf(lane)).gasLimit})`,
  );
  // the header that declared epoch 1's rewards: its relay transaction carries it in calldata
  // (rewards can be recorded by a header certified after the last scan: scan until it is listed)
  const { height: rewardsHeight } = await waitFor(`the first certified header of epoch ${epoch2}`, 30_000, async () => {
    await scanCertified(d, true);
    return certified.find((c) => c.epoch === epoch2);
  });
  const relayLog = await waitFor(`height ${rewardsHeight} relayed over CCIP`, 60_000, async () => {
    const logs = await bridge.sender.queryFilter(
      bridge.sender.filters.CheckpointRelayed(lane, undefined, rewardsHeight),
    );
    return logs[0];
  });
  const relayTx = await provider.getTransaction(relayLog.transactionHash);
  const relayReceipt = await provider.getTransactionReceipt(relayLog.transactionHash);
  const relayArgs = bridge.sender.interface.parseTransaction({ data: relayTx!.data })!.args;
  const bridged = (relayArgs[0] as Result).toObject() as Parameters<typeof receiver.verifyReward>[0];
  const allRelays = await bridge.sender.queryFilter(bridge.sender.filters.CheckpointRelayed());
  info(
    `${allRelays.length} certified headers relayed so far, one message each; height ${rewardsHeight}: message ` +
      `${relayLog.args.messageId.slice(0, 18)}…, fee ${formatUnits(relayLog.args.fee, 18)}, ` +
      `relay + delivery ${relayReceipt!.gasUsed.toLocaleString("en-US")} gas, paid by keeper signer ${relayLog.args.payer}`,
  );
  const [remoteEpoch, remoteHeight] = await receiver.latest();
  info(`remote receiver: latest bridged header epoch ${remoteEpoch}, height ${remoteHeight}`);
  const remoteOk = await receiver.verifyReward(bridged, leaf.index, leaf.operator, leaf.amount, leaf.proof);
  info(
    `on the remote side, operator ${leaf.operator}'s reward leaf (${formatUnits(leaf.amount, 18)} OPEN, epoch ${epoch1}) ` +
      `verifies against the bridged header: ${remoteOk}`,
  );
  if (!remoteOk) throw new Error("the reward proof did not verify on the remote receiver");

  step("tasks: an http-oracle task is posted; keepers execute it, agree on the median by BFT, finalize it on chain");
  const taskSource = await TaskSource.start();
  const taskCtx = { d, poster: deployer, keepers, source: taskSource, info, waitFor };
  await oracleTaskStep(taskCtx);
  step("tasks: an executor is killed with SIGKILL mid-task; a spare starts once the others' detectors suspect it");
  const reassigned = await killExecutorStep(taskCtx);
  const executor = keepers[reassigned.victim]!;
  executor.start();
  // the next step kills another keeper: with this one still catching up, 2 of 4 would be out
  await untilCaughtUp(reassigned.victim);
  info(`keeper ${reassigned.victim} restarted and caught up`);
  await taskSource.stop();

  step(`keeper ${N - 1} is killed with SIGKILL; the others keep certifying; it restarts and catches up`);
  const victim = keepers[N - 1]!;
  await scanCertified(d, true); // what was certified before the kill is shown before it
  await victim.kill();
  info(`keeper ${N - 1} killed`);
  await untilCertified(d, 3, "3 checkpoints without the killed keeper");
  victim.start();
  info(`keeper ${N - 1} restarted on the same keys and data`);
  await untilCaughtUp(N - 1);
  await untilCertified(d, 2, "2 more checkpoints with everyone back");
  // it signs again: the liveness keeper 0 decided counts its precommits
  const live = await waitFor(`keeper ${N - 1}'s precommits in decided commits`, 60_000, async () => {
    const status0 = await keepers[0]!.get<ConsensusStatus>("/consensus");
    const l = status0?.liveness.find((e) => e.signer.toLowerCase() === victim.signer.toLowerCase());
    return l !== undefined && l.signed > 0 ? l : undefined;
  });
  info(
    `keeper ${N - 1} caught up and signs again; liveness window: signed ${live.signed}, missed ${live.missed} heights`,
  );
  const doubleSigns = await d.evidence.queryFilter(d.evidence.filters.DoubleSignPunished());
  info(`double-sign evidence on chain: ${doubleSigns.length === 0 ? "none" : doubleSigns.length}`);

  step("governance: a proposal sets checkpointInterval to 2; the keepers follow");
  await (await d.token.connect(deployer).delegate(await deployer.getAddress())).wait(); // 12% reserve votes
  const target2 = await d.checkpoints.getAddress();
  const calldata = d.checkpoints.interface.encodeFunctionData("setCheckpointInterval", [2n]);
  const description = "Certify every second height";
  await (await d.governor.connect(deployer).propose([target2], [0n], [calldata], description)).wait();
  const proposalId = await d.governor.hashProposal([target2], [0n], [calldata], id(description));
  await provider.send("evm_increaseTime", [Number(await d.governor.votingDelay()) + 1]);
  await provider.send("evm_mine", []);
  await (await d.governor.connect(deployer).castVote(proposalId, 1)).wait();
  info(`proposal ${proposalId.toString().slice(0, 12)}… proposed and voted`);
  await provider.send("evm_increaseTime", [Number(await d.governor.votingPeriod()) + 1]);
  await provider.send("evm_mine", []);
  await (await d.governor.queue([target2], [0n], [calldata], id(description))).wait();
  await provider.send("evm_increaseTime", [cfg.governance.timelockDelaySeconds + 1]);
  await provider.send("evm_mine", []);
  await (await d.governor.execute([target2], [0n], [calldata], id(description))).wait();
  info(`executed through the timelock: checkpointInterval = ${await d.checkpoints.checkpointInterval()}`);
  await scanCertified(d, true);
  const before = certified.length;
  await untilCertified(d, 3, "3 checkpoints at the new interval");
  const after = certified.slice(before);
  // the first may have been decided under the old interval; the last ones follow the new one
  const even = after.slice(1).every((c) => c.height % 2n === 0n);
  info(`heights certified since: ${after.map((c) => c.height).join(", ")} ${even ? "(every second height)" : ""}`);
  if (!even) throw new Error("keepers did not follow the new checkpoint interval");

  step("OPEN over CCIP: one home proposal registers OPEN and its pools at home and, over CCIP, on the remote chain");
  const timelockAddress = await d.timelock.getAddress();
  const executorAddress = await bridge.executor!.getAddress();
  const REMOTE_SELECTOR = 3478487238524512106n; // the local "remote chain"'s label (Arbitrum Sepolia's selector)
  const tb = await deployTokenBridge(deployer, {
    homeToken: await d.token.getAddress(),
    router: bridge.record.router,
    homeSelector: lane,
    remoteSelector: REMOTE_SELECTOR,
    remoteAccessManager: await bridge.remoteAccessManager!.getAddress(),
    homeGovernance: timelockAddress,
    remoteGovernance: executorAddress,
    rateLimit: { capacityWei: 1_000_000n * OPEN, ratePerSecondWei: 1_000n * OPEN },
  });
  info(
    `Chainlink pools: LockReleaseTokenPool ${await tb.homePool.getAddress()} (home), BurnMintTokenPool ` +
      `${await tb.remotePool.getAddress()} for RemoteOpenToken ${await tb.remoteToken.getAddress()} (remote)`,
  );
  const homeActions = tb.governanceActions.filter((a) => a.side === "home");
  const remoteActions = tb.governanceActions
    .filter((a) => a.side === "remote")
    .map((a) => ({ target: a.target, value: 0n, data: a.data }));
  const gov = bridge.governanceSender;
  const govFee = await gov.quoteFee(lane, remoteActions);
  const tbTargets = [...homeActions.map((a) => a.target), await gov.getAddress()];
  const tbValues = [...homeActions.map(() => 0n), govFee];
  const tbCalldatas = [
    ...homeActions.map((a) => a.data),
    gov.interface.encodeFunctionData("sendActions", [lane, remoteActions]),
  ];
  const tbDescription = "Register OPEN as a Cross-Chain Token at home and on the remote chain";
  await passProposal(d, tbTargets, tbValues, tbCalldatas, tbDescription);
  const remoteRan = await bridge.executor!.queryFilter(bridge.executor!.filters.ActionsExecuted());
  info(
    `proposal executed: ${homeActions.length} actions at home, ${remoteActions.length} on the remote chain through ` +
      `the RemoteExecutor (${remoteRan.length} CCIP message run, fee ${formatUnits(govFee, 18)})`,
  );
  const registered =
    (await tb.registry.getPool(await d.token.getAddress())) === (await tb.homePool.getAddress()) &&
    (await tb.registry.getPool(await tb.remoteToken.getAddress())) === (await tb.remotePool.getAddress());
  info(
    `OPEN's CCIP admin (getCCIPAdmin): ${await d.token.getCCIPAdmin()} (the timelock); pools registered: ${registered}`,
  );
  if (!registered) throw new Error("the token pools were not registered");
  // the simulator's router calls no pool: the demo plays its on-ramp (the address getOnRamp returns) and an
  // off-ramp (isOffRamp is always true) on the local node
  for (const a of [SIMULATOR_ON_RAMP, OFF_RAMP]) {
    await provider.send("hardhat_impersonateAccount", [a]);
    await provider.send("hardhat_setBalance", [a, "0x56bc75e2d63100000"]);
  }
  const ramps = {
    tb,
    homeToken: d.token,
    homeSelector: lane,
    remoteSelector: REMOTE_SELECTOR,
    // impersonated accounts are not in eth_accounts: sign through the node without ethers' account check
    onRamp: new JsonRpcSigner(provider, SIMULATOR_ON_RAMP),
    offRamp: new JsonRpcSigner(provider, OFF_RAMP),
  };
  const traveller = await provider.getSigner(17);
  await (await d.token.connect(deployer).transfer(traveller.address, 10_000n * OPEN)).wait();
  const fmtOpen = (x: bigint) => Number(formatUnits(x, 18)).toLocaleString("en-US");
  const showSupply = async (when: string) => {
    const s = await supplies(ramps);
    info(
      `${when}: home supply ${fmtOpen(s.homeSupply)}, locked ${fmtOpen(s.locked)}, remote supply ` +
        `${fmtOpen(s.remoteSupply)}; across chains ${fmtOpen(s.circulating)} OPEN`,
    );
    if (s.circulating !== 1_000_000_000n * OPEN || s.remoteSupply !== s.locked) throw new Error("supply not conserved");
  };
  const tokenMessage = {
    receiver: AbiCoder.defaultAbiCoder().encode(["address"], [traveller.address]),
    data: "0x",
    tokenAmounts: [{ token: await d.token.getAddress(), amount: 4_000n * OPEN }],
    feeToken: "0x0000000000000000000000000000000000000000",
    extraArgs: "0x",
  };
  const router = MockCCIPRouter__factory.connect(bridge.record.router, provider);
  info(`fee shown up front (router.getFee): ${formatUnits(await router.getFee(REMOTE_SELECTOR, tokenMessage), 18)}`);
  await bridgeOut(ramps, traveller, 4_000n * OPEN);
  info(
    `holder ${traveller.address} bridged 4,000 OPEN out: ${fmtOpen(await tb.remoteToken.balanceOf(traveller.address))} remote OPEN`,
  );
  await showSupply("after bridging out");
  await bridgeBack(ramps, traveller, 4_000n * OPEN);
  info(`and back: ${fmtOpen(await d.token.balanceOf(traveller.address))} OPEN at home`);
  await showSupply("after bridging back");

  step(
    "cloud: a user rents a DVM with a permit, signs in with its wallet, stores and reads back a file over S3, runs a job",
  );
  if (await keeperProvesResources(keepers[0]!)) {
    const renter = new Wallet(accountKey(19), provider);
    await (await d.token.connect(deployer).transfer(renter.address, 100n * OPEN)).wait();
    await runCloudStep({
      d,
      keeper: keepers[0]!,
      providerOwner: await provider.getSigner(1),
      renter,
      untilEpoch: async (e) => {
        while ((await d.validatorSets.currentEpoch()) < e) await advanceEpoch(d);
      },
      info,
    });
  } else {
    info("skipped: the keepers run no Proof-of-Resource (/por off), so no capacity is proven for the market");
  }

  step("summary");
  const gas = certified.map((c) => Number(c.gas)).sort((a, b) => a - b);
  const latency = (await keepers[0]!.get<ConsensusStatus>("/consensus"))?.commitLatencyMs;
  const claimed = await d.rewards.epochRewards(epoch1);
  const rows: [string, string][] = [
    ["keepers", String(N)],
    ["certificates", values.ecdsa ? "ECDSA" : "BLS12-381 aggregate"],
    ["checkpoints certified", `${certified.length} (heights ${certified[0]?.height}..${certified.at(-1)?.height})`],
    ["gas per certificate (median)", gas[Math.floor(gas.length / 2)]!.toLocaleString("en-US")],
    [
      "rewards recorded / paid (epoch " + epoch1 + ")",
      `${formatUnits(claimed.total, 18)} / ${formatUnits(claimed.paid, 18)} OPEN`,
    ],
    ["commit latency p50 / p99 (keeper 0)", `${latency?.p50} / ${latency?.p99} ms over ${latency?.count} heights`],
    ["double-sign evidence", String(doubleSigns.length)],
    ["task reassignment (SIGKILL -> spare)", `${reassigned.ms} ms (1 s heartbeats)`],
  ];
  for (const [k, v] of rows) info(`${k.padEnd(38)} ${v}`);
  for (const [name, c] of Object.entries(d.file.contracts)) info(`${name.padEnd(38)} ${c.address}`);
  void parseUnits;

  if (values["keep-running"]) {
    step("keep running (Ctrl-C to stop)");
    for (const k of keepers)
      info(
        `keeper ${k.opts.index}: ${k.apiUrl}/studio/  ${k.apiUrl}/metrics  ${k.apiUrl}/health  ${k.apiUrl}/consensus`,
      );
    info(`chain: ${chain.url}`);
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  }
} catch (err) {
  exitCode = 1;
  console.error(`\ndemo failed: ${describeRevert(err)}`);
  console.error(`keeper logs: ${root}/keeper-*/keeper.log`);
} finally {
  await shutdown();
}
console.log(exitCode === 0 ? `\ndemo finished in ${((Date.now() - t0) / 1000).toFixed(0)}s` : "");
process.exit(exitCode);
