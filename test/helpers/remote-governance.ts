// Runs code as the remote chain's executor (what a home proposal's CCIP message does there), for tests
// of restricted paths on the remote side; the real message path is tested in cross-chain-governance.test.ts.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import type { Deployed } from "../../scripts/lib/deploy.js";

export async function asRemoteExecutor<T>(
  d: Deployed,
  ethers: HardhatEthers,
  networkHelpers: NetworkHelpers,
  fn: (executor: HardhatEthersSigner) => Promise<T>,
): Promise<T> {
  const address = await d.bridge!.executor!.getAddress();
  await networkHelpers.impersonateAccount(address);
  await networkHelpers.setBalance(address, 10n ** 20n);
  try {
    return await fn(await ethers.getSigner(address));
  } finally {
    await networkHelpers.stopImpersonatingAccount(address);
  }
}
