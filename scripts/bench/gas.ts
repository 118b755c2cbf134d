// Gas of the everyday token and governance calls, on Hardhat's in-process chain at the
// configured hardfork.   npm run bench:gas   (BENCH_JSON=path also writes JSON)
import { writeFileSync } from "node:fs";
import { network } from "hardhat";
import { id, type ContractTransactionResponse } from "ethers";
import { deployProtocol } from "../lib/deploy.js";
import { loadGenesisConfig } from "../lib/genesis-config.js";
import { join } from "node:path";
import { REPO_ROOT } from "../lib/deployment-file.js";

const conn = await network.create();
const { ethers, networkHelpers } = conn;
const signers = await ethers.getSigners();
const [deployer, alice, bob] = signers as [(typeof signers)[0], (typeof signers)[0], (typeof signers)[0]];
const cfg = loadGenesisConfig(join(REPO_ROOT, "deployments", "config", "localhost.json"));
const d = await deployProtocol(deployer, cfg, { localAccounts: signers.map((s) => s.address) });

const rows: [string, bigint][] = [];
async function measure(label: string, tx: Promise<ContractTransactionResponse>): Promise<void> {
  const receipt = await (await tx).wait();
  rows.push([label, receipt!.gasUsed]);
}

const amount = 1_000n * 10n ** 18n;
const fresh = ethers.Wallet.createRandom().address;
await measure("transfer (to a new holder)", d.token.connect(deployer).transfer(fresh, amount));
await measure("transfer (to an existing holder)", d.token.connect(deployer).transfer(alice.address, amount));
await measure("delegate (self, first time)", d.token.connect(deployer).delegate(deployer.address));
await measure("transfer (to self, delegated)", d.token.connect(deployer).transfer(deployer.address, amount));
await measure("delegate (to another account)", d.token.connect(alice).delegate(bob.address));
await networkHelpers.mine(1);

const target = await d.accessManager.getAddress();
const calldata = d.accessManager.interface.encodeFunctionData("setRoleGuardian", [7n, 3n]);
const description = "bench proposal";
await measure("propose", d.governor.connect(deployer).propose([target], [0n], [calldata], description));
const proposalId = await d.governor.hashProposal([target], [0n], [calldata], id(description));
await networkHelpers.time.increase((await d.governor.votingDelay()) + 1n);
await measure("castVote", d.governor.connect(deployer).castVote(proposalId, 1));
await networkHelpers.time.increase(await d.governor.votingPeriod());
await measure("queue", d.governor.queue([target], [0n], [calldata], id(description)));
await networkHelpers.time.increase(BigInt(cfg.governance.timelockDelaySeconds) + 1n);
await measure("execute", d.governor.execute([target], [0n], [calldata], id(description)));

const hardfork = (conn.networkConfig as { hardfork?: string }).hardfork ?? "unknown";
console.log(`\nGas, token and governance (hardfork: ${hardfork})\n`);
console.log(`| call | gas |\n|---|---:|`);
for (const [label, gas] of rows) console.log(`| ${label} | ${gas.toLocaleString("en-US")} |`);
if (process.env.BENCH_JSON) {
  const json = rows.map(([label, gas]) => ({ label, gas: Number(gas) }));
  writeFileSync(process.env.BENCH_JSON, JSON.stringify({ hardfork, rows: json }, null, 2));
}
