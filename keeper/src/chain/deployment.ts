// Reads deployments/<network>.json (written by scripts/deploy.ts, shape in
// scripts/lib/deployment-file.ts) and resolves each contract's ABI: inline, from abi/<Name>.json
// in the package, or from the Hardhat artifact named by `artifact` ("path/File.sol:Name").
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Interface, getAddress, type InterfaceAbi } from "ethers";
import { z } from "zod";
import type { DeployedContract, DeploymentFile } from "../../../scripts/lib/deployment-file.js";

/** The repository / package root, for ABI and artifact paths in deployment files. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export class DeploymentError extends Error {
  override name = "DeploymentError";
}

const ContractSchema = z.looseObject({
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected an address"),
  /** fully qualified artifact name: contracts/token/OpenToken.sol:OpenToken */
  artifact: z.string().optional(),
  /** a path (abi/<Name>.json) or the ABI itself */
  abi: z.union([z.string(), z.array(z.unknown())]).optional(),
});

/** Validates what the keeper relies on; other fields of the file pass through untouched. */
const DeploymentSchema = z.looseObject({
  network: z.string().min(1),
  chainId: z.int().positive(),
  deploymentBlock: z.int().nonnegative(),
  contracts: z.record(z.string(), ContractSchema),
});

/** The deployment record as the keeper reads it: `abi` may be inline and `artifact` absent. */
export type DeploymentRecord = Omit<DeploymentFile, "contracts" | "deployer" | "deployedAt" | "genesis"> &
  Partial<Pick<DeploymentFile, "deployer" | "deployedAt" | "genesis">> & {
    contracts: Record<string, Partial<DeployedContract> & { address: string; abi?: string | unknown[] }>;
  };

export interface DeployedContractInfo {
  name: string;
  address: string;
  abi: InterfaceAbi;
  iface: Interface;
}

export interface Deployment {
  path: string;
  record: DeploymentRecord;
  chainId: bigint;
  deploymentBlock: number;
  contracts: Map<string, DeployedContractInfo>;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new DeploymentError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

function resolveAbi(name: string, c: z.infer<typeof ContractSchema>, roots: string[]): InterfaceAbi {
  if (Array.isArray(c.abi)) return c.abi as InterfaceAbi;
  const candidates: string[] = [];
  if (typeof c.abi === "string") candidates.push(...roots.map((r) => join(r, c.abi as string)));
  if (c.artifact) {
    const [source, contract] = c.artifact.split(":");
    if (source && contract) candidates.push(...roots.map((r) => join(r, "artifacts", source, `${contract}.json`)));
  }
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const json = readJson(path);
    const abi = Array.isArray(json) ? json : (json as { abi?: unknown }).abi;
    if (Array.isArray(abi)) return abi as InterfaceAbi;
    throw new DeploymentError(`${path} holds no ABI for ${name}`);
  }
  throw new DeploymentError(
    `no ABI for contract ${name}: looked for ${candidates.join(", ") || "nothing (no abi or artifact field)"}; ` +
      "run `hardhat build` (artifacts) or scripts/export-abis.ts (abi/)",
  );
}

export function loadDeployment(path: string, opts: { packageRoot?: string } = {}): Deployment {
  if (!existsSync(path)) {
    throw new DeploymentError(`no deployment file at ${path}: deploy first (npm run deploy) or set deploymentFile`);
  }
  const parsed = DeploymentSchema.safeParse(readJson(path));
  if (!parsed.success) {
    throw new DeploymentError(`deployment file ${path} is malformed: ${z.prettifyError(parsed.error)}`);
  }
  // ABI paths are relative to the package the file belongs to (deployments/ sits in its root).
  const roots = [...new Set([resolve(dirname(path), ".."), opts.packageRoot ?? PACKAGE_ROOT])];
  const contracts = new Map<string, DeployedContractInfo>();
  for (const [name, c] of Object.entries(parsed.data.contracts)) {
    const abi = resolveAbi(name, c, roots);
    contracts.set(name, { name, address: getAddress(c.address), abi, iface: new Interface(abi) });
  }
  return {
    path,
    record: parsed.data as DeploymentRecord,
    chainId: BigInt(parsed.data.chainId),
    deploymentBlock: parsed.data.deploymentBlock,
    contracts,
  };
}
