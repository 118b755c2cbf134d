// Deploys OpenMesh to a JSON-RPC network from deployments/config/<network>.json and writes
// deployments/<network>.json.
//   npm run deploy -- --network localhost [--rpc URL] [--config FILE] [--force]
// The signer is DEPLOYER_PRIVATE_KEY, or on a local dev node its first unlocked account.
import { parseArgs } from "node:util";
import { JsonRpcProvider, Wallet, type Signer } from "ethers";
import { deployProtocol } from "./lib/deploy.js";
import { deploymentPath, REPO_ROOT, writeDeployment } from "./lib/deployment-file.js";
import { ConfigError, loadGenesisConfig } from "./lib/genesis-config.js";
import { existsSync } from "node:fs";
import { join } from "node:path";

const LOCAL_CHAIN_IDS = new Set([31337, 1337]);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      network: { type: "string", default: "localhost" },
      rpc: { type: "string" },
      config: { type: "string" },
      force: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log("usage: npm run deploy -- --network <name> [--rpc URL] [--config FILE] [--force]");
    return;
  }
  const network = values.network;
  const configPath = values.config ?? join(REPO_ROOT, "deployments", "config", `${network}.json`);
  const out = deploymentPath(network);
  if (existsSync(out) && !values.force) {
    throw new Error(`${out} already exists: refusing to overwrite a deployment (pass --force to replace it)`);
  }
  const cfg = loadGenesisConfig(configPath); // validated before any transaction
  const rpc = values.rpc ?? process.env.OPENMESH_RPC_URL ?? "http://127.0.0.1:8545";
  const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true });
  const chainId = Number((await provider.getNetwork()).chainId);
  const local = LOCAL_CHAIN_IDS.has(chainId);

  let signer: Signer;
  let localAccounts: string[] | undefined;
  if (process.env.DEPLOYER_PRIVATE_KEY) {
    signer = new Wallet(process.env.DEPLOYER_PRIVATE_KEY, provider);
  } else if (local) {
    signer = await provider.getSigner(0);
  } else {
    throw new Error(`chain ${chainId} is not a local dev node: set DEPLOYER_PRIVATE_KEY`);
  }
  if (local) localAccounts = (await provider.listAccounts()).map((a) => a.address);

  const deployed = await deployProtocol(signer, cfg, { localAccounts, log: (l) => console.log(`[deploy] ${l}`) });
  writeDeployment(out, deployed.file, values.force);
  console.log(`[deploy] wrote ${out}`);
  for (const [name, c] of Object.entries(deployed.file.contracts)) console.log(`  ${name.padEnd(20)} ${c.address}`);
  provider.destroy();
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `deploy failed: ${(err as Error).message}`);
  process.exit(1);
});
