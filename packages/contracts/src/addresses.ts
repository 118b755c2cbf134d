// Where OpenMesh is deployed, by chain id. The book is generated from the repository's deployments/
// (format: README.md "Address book"); a chain without a deployment has no entry.
import { addressBook } from "./generated/address-book.js";

/** One chain's deployment. */
export interface ChainDeployment {
  /** the deployment's network name, e.g. "localhost" */
  network: string;
  chainId: number;
  /** first block of the deployment: start event queries here */
  deploymentBlock: number;
  /** ISO-8601 time of the deploy */
  deployedAt: string;
  /** contract name (e.g. "Staking") -> address */
  contracts: Record<string, string>;
}

/** chain id (decimal string) -> deployment */
export type AddressBook = Record<string, ChainDeployment>;

export { addressBook };

/** Thrown when the book has no deployment for a chain. */
export class DeploymentNotFoundError extends Error {
  override name = "DeploymentNotFoundError";
}

/** The deployment on `chainId`; throws DeploymentNotFoundError naming the chains the book knows. */
export function getDeployment(chainId: bigint | number): ChainDeployment {
  const entry = (addressBook as AddressBook)[String(chainId)];
  if (!entry) {
    const known = Object.keys(addressBook);
    throw new DeploymentNotFoundError(
      `no OpenMesh deployment for chain ${chainId} in @openmesh/contracts (chains with one: ${known.length > 0 ? known.join(", ") : "none"})`,
    );
  }
  return entry;
}
