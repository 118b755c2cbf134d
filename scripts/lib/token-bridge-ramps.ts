// Plays CCIP's on-ramp and off-ramp for OPEN's token pools where the router cannot: Chainlink's
// CCIPLocalSimulator router calls no pool (its ccipSend only moves tokens from sender to receiver). The
// caller passes signers for the simulator router's on-ramp address (getOnRamp returns address(1234567890))
// and for any off-ramp (its isOffRamp is always true), impersonated by the test or demo that uses this.
// The pools, tokens and rate limits are Chainlink's real contracts.
import { AbiCoder, type Signer } from "ethers";
import type { TokenBridge } from "./deploy-token-bridge.js";
import type { OpenToken } from "../../types/ethers-contracts/index.js";

/** the simulator router's on-ramp for every destination: address(1234567890) */
export const SIMULATOR_ON_RAMP = "0x00000000000000000000000000000000499602d2";

export interface Ramps {
  tb: TokenBridge;
  homeToken: OpenToken;
  homeSelector: bigint;
  remoteSelector: bigint;
  onRamp: Signer;
  offRamp: Signer;
}

const abi = AbiCoder.defaultAbiCoder();
const word = (a: string) => abi.encode(["address"], [a]);

/**
 * home -> remote: the holder's OPEN moves into the home pool (the router's job), the on-ramp locks it, the
 * off-ramp mints as much on the remote side. A real router moves and locks in one transaction; a dry run of
 * lockOrBurn first keeps a refused send (rate limit) from moving anything, as on a real chain.
 */
export async function bridgeOut(r: Ramps, holder: Signer, amount: bigint): Promise<void> {
  const who = await holder.getAddress();
  const input = {
    receiver: word(who),
    remoteChainSelector: r.remoteSelector,
    originalSender: who,
    amount,
    localToken: await r.homeToken.getAddress(),
  };
  const pool = r.tb.homePool.connect(r.onRamp);
  const out = await pool.lockOrBurn.staticCall(input);
  await (await r.homeToken.connect(holder).transfer(await r.tb.homePool.getAddress(), amount)).wait();
  await (await pool.lockOrBurn(input)).wait();
  await (
    await r.tb.remotePool.connect(r.offRamp).releaseOrMint({
      originalSender: word(who),
      remoteChainSelector: r.homeSelector,
      receiver: who,
      sourceDenominatedAmount: amount,
      localToken: await r.tb.remoteToken.getAddress(),
      sourcePoolAddress: word(await r.tb.homePool.getAddress()),
      sourcePoolData: out.destPoolData,
      offchainTokenData: "0x",
    })
  ).wait();
}

/** remote -> home: the remote OPEN moves into the remote pool, which burns it; the home pool releases as much. */
export async function bridgeBack(r: Ramps, holder: Signer, amount: bigint): Promise<void> {
  const who = await holder.getAddress();
  const input = {
    receiver: word(who),
    remoteChainSelector: r.homeSelector,
    originalSender: who,
    amount,
    localToken: await r.tb.remoteToken.getAddress(),
  };
  const pool = r.tb.remotePool.connect(r.onRamp);
  // a burn pool burns what it holds: the tokens must be there before even a dry run
  await (await r.tb.remoteToken.connect(holder).transfer(await r.tb.remotePool.getAddress(), amount)).wait();
  const out = await pool.lockOrBurn.staticCall(input);
  await (await pool.lockOrBurn(input)).wait();
  await (
    await r.tb.homePool.connect(r.offRamp).releaseOrMint({
      originalSender: word(who),
      remoteChainSelector: r.remoteSelector,
      receiver: who,
      sourceDenominatedAmount: amount,
      localToken: await r.homeToken.getAddress(),
      sourcePoolAddress: word(await r.tb.remotePool.getAddress()),
      sourcePoolData: out.destPoolData,
      offchainTokenData: "0x",
    })
  ).wait();
}

/** OPEN across both chains: home supply minus what the home pool holds locked, plus the remote supply. */
export async function supplies(r: Ramps) {
  const homeSupply = await r.homeToken.totalSupply();
  const locked = await r.homeToken.balanceOf(await r.tb.homePool.getAddress());
  const remoteSupply = await r.tb.remoteToken.totalSupply();
  return { homeSupply, locked, remoteSupply, circulating: homeSupply - locked + remoteSupply };
}
