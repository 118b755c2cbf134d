// A real local chain with the real DvmAccess lease NFT. The test's deployer holds the
// AccessManager's admin role, so it mints and ends leases the way the ResourceMarket does.
import type { JsonRpcProvider, Wallet } from "ethers";
import {
  DvmAccess__factory,
  OpenAccessManager__factory,
  type DvmAccess,
} from "../../../types/ethers-contracts/index.js";
import { fundedWallet, LocalChain, provider, rpc } from "../helpers/chain.js";

export interface LeaseChain {
  chain: LocalChain;
  provider: JsonRpcProvider;
  /** the deployer, acting as the market */
  market: Wallet;
  dvm: DvmAccess;
  now(): Promise<number>;
  /** mints a lease of `storageGiB` to `renter`, served by `providerAddr`, for `seconds` */
  mint(renter: string, providerAddr: string, storageGiB: number, seconds: number): Promise<bigint>;
  /** moves the chain's clock forward and mines a block */
  advance(seconds: number): Promise<void>;
  wallet(): Promise<Wallet>;
  stop(): Promise<void>;
}

export async function startLeaseChain(): Promise<LeaseChain> {
  const chain = await LocalChain.start();
  try {
    const p = provider(chain.url);
    const market = await fundedWallet(p);
    const manager = await (await new OpenAccessManager__factory(market).deploy(market.address)).waitForDeployment();
    const dvm = await (await new DvmAccess__factory(market).deploy(await manager.getAddress())).waitForDeployment();
    const now = async () => (await p.getBlock("latest"))!.timestamp;
    return {
      chain,
      provider: p,
      market,
      dvm,
      now,
      async mint(renter, providerAddr, storageGiB, seconds) {
        const start = await now();
        const lease = {
          provider: providerAddr,
          offerId: 1n,
          start,
          end: start + seconds,
          cpuCores: 1,
          memoryMiB: 1024n,
          storageGiB: BigInt(storageGiB),
          state: 1,
        };
        const receipt = await (await dvm.mint(renter, lease)).wait();
        const minted = receipt!.logs.map((l) => dvm.interface.parseLog(l)).find((e) => e?.name === "LeaseMinted");
        return minted!.args.tokenId as bigint;
      },
      async advance(seconds) {
        await rpc(chain.url, "evm_increaseTime", [seconds]);
        await rpc(chain.url, "evm_mine", []);
      },
      wallet: () => fundedWallet(p),
      stop: () => chain.stop(),
    };
  } catch (err) {
    await chain.stop();
    throw err;
  }
}
