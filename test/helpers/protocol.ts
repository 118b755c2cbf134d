// Fixture: the whole protocol deployed by the real deploy library on Hardhat's in-process chain.
import { join } from "node:path";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { deployProtocol, type Deployed } from "../../scripts/lib/deploy.js";
import { REPO_ROOT } from "../../scripts/lib/deployment-file.js";
import { loadGenesisConfig, type GenesisConfig } from "../../scripts/lib/genesis-config.js";

export const LOCAL_CONFIG_PATH = join(REPO_ROOT, "deployments", "config", "localhost.json");

export function localConfig(): GenesisConfig {
  return loadGenesisConfig(LOCAL_CONFIG_PATH);
}

export async function deployLocal(ethers: HardhatEthers, cfg: GenesisConfig = localConfig()): Promise<Deployed> {
  const signers = await ethers.getSigners();
  const [deployer] = signers;
  if (!deployer) throw new Error("no signer");
  return deployProtocol(deployer, cfg, { localAccounts: signers.map((s) => s.address) });
}
