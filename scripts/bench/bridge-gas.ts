// Gas per relayed checkpoint over CCIP, on both sides, on Chainlink's CCIPLocalSimulator (its router runs the
// destination's ccipReceive inside the relay transaction): the home side (CheckpointSender.relay with the
// router's send, minus the delivery), the remote side (the receiver's ccipReceive, as the router measured it
// with CallWithExactGas: what a lane's gas limit must cover), a duplicate delivery, and a proof on the receiver.
//   hardhat run scripts/bench/bridge-gas.ts   (BENCH_JSON=path writes JSON)
import { writeFileSync } from "node:fs";
import { network } from "hardhat";
import type { ContractTransactionReceipt } from "ethers";
import { proofOf, resourceLeaf, rootOf } from "../../keeper/src/checkpoint/leaves.js";
import { encodeBridgePayload } from "../../keeper/src/bridge/payload.js";
import { deployLocal } from "../../test/helpers/protocol.js";
import { advanceEpoch, asTimelock, registerOperators, OPEN } from "../../test/helpers/operators.js";
import { blsCertificate, headerHash, headerTuple, makeHeader } from "../../test/helpers/checkpoints.js";
import { LinkToken__factory, MockCCIPRouter__factory } from "../../types/ethers-contracts/index.js";
import type { Header } from "../../keeper/src/checkpoint/header.js";

const conn = await network.create();
const { ethers, networkHelpers } = conn;
const hardfork = (conn.networkConfig as { hardfork?: string }).hardfork ?? "unknown";

export interface BridgeGasRow {
  label: string;
  relayTx: number;
  remoteReceive: number;
  homeSide: number;
}

const signers = await ethers.getSigners();
const d = await deployLocal(ethers);
const owners = signers.slice(1, 5);
const ops = await registerOperators(d, owners, [40_000n, 30_000n, 20_000n, 10_000n].map((x) => x * OPEN));
const bySigner = new Map(ops.map((o) => [o.validator.signer, o.validator]));
await advanceEpoch(d, networkHelpers);
const { tree } = await advanceEpoch(d, networkHelpers);
const bridge = d.bridge!;
const sender = bridge.sender;
const receiver = bridge.receiver!;
const selector = BigInt(bridge.record.chainSelector);
const router = MockCCIPRouter__factory.connect(bridge.record.router, signers[0]!);

const operator = owners[0]!.address;
const resources = {
  cpuCores: 8n,
  bandwidthMbps: 1000n,
  memoryMiB: 16384n,
  storageGiB: 500n,
  latencyUs: 600n,
  uptimeBps: 9_900n,
};
const porLeaves = Array.from({ length: 100 }, (_, i) =>
  resourceLeaf(i === 0 ? operator : ethers.Wallet.createRandom().address, resources),
);
let parent = "0x" + "00".repeat(32);
let height = 0n;
async function certified(): Promise<Header> {
  height += 1n;
  const h = makeHeader({ epoch: 2n, height, parentHash: parent, porRoot: rootOf("resource", porLeaves) });
  await (await d.checkpoints.submitCheckpointBls(h, await blsCertificate(d, tree, bySigner, h, [0, 1, 2, 3]))).wait();
  parent = headerHash(h);
  return h;
}

/** The relay's total gas and the delivery's gas (MsgExecuted.gasUsed: the receiver's ccipReceive). */
async function measure(receipt: ContractTransactionReceipt | null): Promise<{ total: number; receive: number }> {
  let receive = NaN;
  for (const log of receipt!.logs) {
    if (log.address.toLowerCase() !== bridge.record.router.toLowerCase()) continue;
    const parsed = router.interface.parseLog(log);
    if (parsed?.name === "MsgExecuted") receive = Number(parsed.args.gasUsed);
  }
  return { total: Number(receipt!.gasUsed), receive };
}

const rows: BridgeGasRow[] = [];
let lastRelayed: Header | undefined;
async function relayRow(label: string, opts: { value?: bigint } = {}): Promise<void> {
  const h = await certified();
  const r = await measure(await (await sender.relay(headerTuple(h), selector, opts)).wait());
  lastRelayed = h;
  rows.push({ label, relayTx: r.total, remoteReceive: r.receive, homeSide: r.total - r.receive });
}

await relayRow("first header (native fee, router fee 0)");
await relayRow("next header (native fee, router fee 0)");
await (await router.setFee(10n ** 15n)).wait();
await relayRow("native fee 0.001, excess refunded", { value: 2n * 10n ** 15n });
await asTimelock(d, ethers, networkHelpers, async (t) => {
  await (await sender.connect(t).setFeeToken(bridge.record.link)).wait();
});
const link = LinkToken__factory.connect(bridge.record.link, signers[0]!);
await (await bridge.simulator!.requestLinkFromFaucet(signers[0]!.address, 10n ** 18n)).wait();
await (await link.approve(await sender.getAddress(), 10n ** 18n)).wait();
await relayRow("LINK fee 0.001 (transferFrom + approve)");

// a duplicate of a stored header, delivered through the router as an off-ramp would: the receiver's no-op cost
const dup = await router.routeMessage(
  {
    messageId: ethers.keccak256("0x01"),
    sourceChainSelector: selector,
    sender: ethers.AbiCoder.defaultAbiCoder().encode(["address"], [await sender.getAddress()]),
    data: encodeBridgePayload(lastRelayed!),
    destTokenAmounts: [],
  },
  5_000,
  200_000,
  await receiver.getAddress(),
);
const duplicateReceive = (await measure(await dup.wait())).receive;

// proof views on the receiver (eth_estimateGas of the view as a transaction: what a contract calling it pays)
const h = await certified();
await (await sender.relay(headerTuple(h), selector)).wait();
const verifyResourceGas = Number(
  await receiver.verifyResource.estimateGas(headerTuple(h), operator, resources, proofOf("resource", porLeaves, 0)),
);

// a governance message: the timelock sends one action (the remote receiver's allowlisted source) to the executor
await (await router.setFee(0n)).wait();
const action = {
  target: await receiver.getAddress(),
  value: 0n,
  data: receiver.interface.encodeFunctionData("setSource", [
    selector,
    { sender: await sender.getAddress(), homeChainId: (await ethers.provider.getNetwork()).chainId },
  ]),
};
const governanceMessage = await asTimelock(d, ethers, networkHelpers, async (t) =>
  measure(await (await bridge.governanceSender.connect(t).sendActions(selector, [action])).wait()),
);
const governance = {
  sendTx: governanceMessage.total,
  homeSide: governanceMessage.total - governanceMessage.receive,
  remoteExecute: governanceMessage.receive,
};

console.log(`\nCheckpoint bridge over CCIP, gas per relayed checkpoint (hardfork: ${hardfork}; CCIPLocalSimulator)\n`);
console.log("| relay | relay tx (home + delivery) | home side | remote ccipReceive |");
console.log("|---|---:|---:|---:|");
const f = (x: number) => x.toLocaleString("en-US");
for (const r of rows) console.log(`| ${r.label} | ${f(r.relayTx)} | ${f(r.homeSide)} | ${f(r.remoteReceive)} |`);
console.log(`\nduplicate delivery (header already stored), remote ccipReceive: ${f(duplicateReceive)} gas`);
console.log(`\nreceiver.verifyResource (100-leaf porRoot, as a transaction): ${f(verifyResourceGas)} gas`);
console.log(
  `\ngovernance message (one action: the receiver's source), GovernanceSender.sendActions: ${f(governance.sendTx)} gas ` +
    `(home side ${f(governance.homeSide)}, remote RemoteExecutor ccipReceive ${f(governance.remoteExecute)})`,
);
if (process.env.BENCH_JSON) {
  writeFileSync(
    process.env.BENCH_JSON,
    JSON.stringify({ hardfork, rows, duplicateReceive, verifyResourceGas, governance }, null, 2),
  );
}
