// deployments/<network>.json: what a deploy produced. Keepers, the demo and integrators read
// it to find contracts; ABIs are referenced by contract name (abi/<Name>.json in the package).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeAddressBook } from "../package/address-book.js";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DEPLOYMENTS_DIR = join(REPO_ROOT, "deployments");

export interface DeployedContract {
  address: string;
  /** fully qualified artifact name, e.g. contracts/token/OpenToken.sol:OpenToken */
  artifact: string;
  /** ABI file in this package: abi/<Name>.json */
  abi: string;
}

export interface GenesisGrantRecord {
  bucket: string;
  beneficiary: string;
  /** where the tokens went: the beneficiary, or its vesting wallet */
  holder: string;
  amountWei: string;
  vesting?: { start: number; cliffSeconds: number; durationSeconds: number };
}

/** The checkpoint bridge's CCIP side of a deployment (docs/bridge.md). */
export interface CcipRecord {
  /** the ccip-networks.json entry of this chain ("simulator" locally) */
  network: string;
  /** this chain's CCIP selector (decimal uint64) */
  chainSelector: string;
  router: string;
  link: string;
  /** the CCIPLocalSimulator of a local deployment */
  simulator?: string;
  lanes: Array<{ to: string; destChainSelector: string; receiver: string; gasLimit: number; relayEvery: number }>;
}

export interface DeploymentFile {
  network: string;
  chainId: number;
  deployer: string;
  deploymentBlock: number;
  deployedAt: string;
  contracts: Record<string, DeployedContract>;
  genesis: GenesisGrantRecord[];
  /** the checkpoint bridge, when this chain has a CCIP router (always locally) */
  ccip?: CcipRecord;
}

export function deploymentPath(network: string): string {
  return join(DEPLOYMENTS_DIR, `${network}.json`);
}

export class DeploymentExistsError extends Error {
  override name = "DeploymentExistsError";
}

export function readDeployment(path: string): DeploymentFile {
  if (!existsSync(path)) throw new Error(`no deployment file at ${path}: run the deploy script first`);
  return JSON.parse(readFileSync(path, "utf8")) as DeploymentFile;
}

/** Writes the file; refuses to replace an existing deployment unless `overwrite` is set. */
export function writeDeployment(path: string, d: DeploymentFile, overwrite: boolean): void {
  if (existsSync(path) && !overwrite) {
    throw new DeploymentExistsError(
      `${path} already exists: refusing to overwrite a deployment (pass --force to replace it)`,
    );
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(d, null, 2) + "\n");
  // @openmesh/contracts' address book follows every deploy (a local one rewrites chain 31337)
  if (dirname(path) === DEPLOYMENTS_DIR) writeAddressBook(join(REPO_ROOT, "packages", "contracts"), DEPLOYMENTS_DIR);
}
