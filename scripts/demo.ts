// `npm run demo`: the whole OpenMesh lifecycle on this machine. A real local chain (hardhat
// node over JSON-RPC), the real deploy, then (as the protocol grows) keepers and their work.
//   npm run demo -- [--keepers N] [--keep-running]
import { parseArgs } from "node:util";
import { formatUnits, JsonRpcProvider } from "ethers";
import { deployProtocol } from "./lib/deploy.js";
import { deploymentPath, writeDeployment } from "./lib/deployment-file.js";
import { loadGenesisConfig } from "./lib/genesis-config.js";
import { LocalChain } from "./lib/local-chain.js";
import { join } from "node:path";
import { REPO_ROOT } from "./lib/deployment-file.js";

const { values } = parseArgs({
  options: {
    keepers: { type: "string", default: "4" },
    "keep-running": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log("usage: npm run demo -- [--keepers N (4..16)] [--keep-running]");
  process.exit(0);
}
const keepers = Number(values.keepers);
if (!Number.isInteger(keepers) || keepers < 4 || keepers > 16) {
  console.error(`--keepers must be an integer from 4 to 16, got "${values.keepers}"`);
  process.exit(2);
}

let stepNo = 0;
const step = (title: string) => console.log(`\n[${++stepNo}] ${title}`);
const info = (line: string) => console.log(`    ${line}`);

const chain = await LocalChain.start();
const cleanup = async () => {
  await chain.stop();
};
process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));

try {
  step(`local chain: hardhat node on ${chain.url}`);
  const provider = new JsonRpcProvider(chain.url, undefined, { staticNetwork: true });
  const accounts = (await provider.listAccounts()).map((a) => a.address);

  step("deploy: token, genesis allocation, vesting, governance");
  const cfg = loadGenesisConfig(join(REPO_ROOT, "deployments", "config", "localhost.json"));
  const deployed = await deployProtocol(await provider.getSigner(0), cfg, {
    localAccounts: accounts,
    log: (l) => info(l),
  });
  const out = deploymentPath("localhost");
  writeDeployment(out, deployed.file, true); // the demo owns its localhost deployment
  info(`wrote ${out}`);

  step("addresses");
  for (const [name, c] of Object.entries(deployed.file.contracts)) info(`${name.padEnd(20)} ${c.address}`);

  step("genesis allocation (1,000,000,000 OPEN)");
  info(`${"bucket".padEnd(16)} ${"holder".padEnd(42)} ${"OPEN".padStart(14)}  vesting`);
  for (const g of deployed.file.genesis) {
    const amount = Number(formatUnits(g.amountWei, 18)).toLocaleString("en-US");
    const vesting = g.vesting ? `cliff ${g.vesting.cliffSeconds}s, ${g.vesting.durationSeconds}s linear` : "-";
    info(`${g.bucket.padEnd(16)} ${g.holder.padEnd(42)} ${amount.padStart(14)}  ${vesting}`);
  }
  const supply = await deployed.token.totalSupply();
  info(`total supply: ${formatUnits(supply, 18)} OPEN`);

  step("summary");
  info(`chain id ${deployed.file.chainId}, ${Object.keys(deployed.file.contracts).length} contracts deployed`);
  provider.destroy();

  if (values["keep-running"]) {
    info(`chain keeps running at ${chain.url}; Ctrl-C to stop`);
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  }
} finally {
  await cleanup();
}
