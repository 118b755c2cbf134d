// OPEN as a Chainlink Cross-Chain Token: Chainlink's own LockReleaseTokenPool (home, OpenToken),
// BurnMintTokenPool + RemoteOpenToken (the "remote chain": a second deployment on the same Hardhat chain),
// TokenAdminRegistry, RegistryModuleOwnerCustom and RMNRemote, all real contracts.
// The CCIPLocalSimulator's router has no pools: its ccipSend only moves tokens from sender to receiver. So
// these tests play the ramps themselves, as the TOOLCHAIN notes allow: they IMPERSONATE the address the
// simulator router's getOnRamp returns (address(1234567890)) to call lockOrBurn, and an arbitrary off-ramp
// address (the simulator router's isOffRamp is always true) to call releaseOrMint, after moving the holder's
// tokens into the pool as a real router does.
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, ZeroAddress } from "ethers";
import { deployLocal } from "../../helpers/protocol.js";
import { asTimelock, OPEN } from "../../helpers/operators.js";
import { asRemoteExecutor } from "../../helpers/remote-governance.js";
import { deployTokenBridge } from "../../../scripts/lib/deploy-token-bridge.js";
import {
  bridgeBack as bridgeBackVia,
  bridgeOut as bridgeOutVia,
  SIMULATOR_ON_RAMP as ON_RAMP,
  supplies as suppliesOf,
  type Ramps,
} from "../../../scripts/lib/token-bridge-ramps.js";
import { MockCCIPRouter__factory } from "../../../types/ethers-contracts/index.js";

const { ethers, networkHelpers } = await network.create();
const abi = AbiCoder.defaultAbiCoder();
const TOTAL = 1_000_000_000n * OPEN;
/** any address is an off-ramp for the simulator router */
const OFF_RAMP = "0x000000000000000000000000000000000000ff01";
/** the local "remote chain"'s selector (the home side is the simulator's own selector) */
const REMOTE = 3478487238524512106n;

describe("OPEN over CCIP: lock-and-release at home, burn-and-mint remote", () => {
  async function fixture() {
    const d = await deployLocal(ethers);
    const signers = await ethers.getSigners();
    const bridge = d.bridge!;
    const home = BigInt(bridge.record.chainSelector);
    const tb = await deployTokenBridge(signers[0]!, {
      homeToken: await d.token.getAddress(),
      router: bridge.record.router,
      homeSelector: home,
      remoteSelector: REMOTE,
      remoteAccessManager: await bridge.remoteAccessManager!.getAddress(),
      homeGovernance: await d.timelock.getAddress(),
      remoteGovernance: await bridge.executor!.getAddress(),
      rateLimit: { capacityWei: 1_000_000n * OPEN, ratePerSecondWei: 100n * OPEN },
    });
    // the governance actions: at home as the timelock, remotely as the executor a home proposal's message reaches
    const run = (side: "home" | "remote") => async (g: { sendTransaction: (typeof signers)[0]["sendTransaction"] }) => {
      for (const a of tb.governanceActions.filter((x) => x.side === side)) {
        await (await g.sendTransaction({ to: a.target, data: a.data })).wait();
      }
    };
    await asTimelock(d, ethers, networkHelpers, run("home"));
    await asRemoteExecutor(d, ethers, networkHelpers, run("remote"));
    const holder = signers[1]!; // an early-validator allocation
    await networkHelpers.impersonateAccount(ON_RAMP);
    await networkHelpers.setBalance(ON_RAMP, 10n ** 20n);
    await networkHelpers.impersonateAccount(OFF_RAMP);
    await networkHelpers.setBalance(OFF_RAMP, 10n ** 20n);
    const onRamp = await ethers.getSigner(ON_RAMP);
    const offRamp = await ethers.getSigner(OFF_RAMP);
    const router = MockCCIPRouter__factory.connect(bridge.record.router, signers[0]!);
    return { d, tb, home, holder, onRamp, offRamp, router, stranger: signers[16]! };
  }

  type F = Awaited<ReturnType<typeof fixture>>;
  const ramps = (f: F): Ramps => ({
    tb: f.tb,
    homeToken: f.d.token,
    homeSelector: f.home,
    remoteSelector: REMOTE,
    onRamp: f.onRamp,
    offRamp: f.offRamp,
  });
  const bridgeOut = (f: F, amount: bigint) => bridgeOutVia(ramps(f), f.holder, amount);
  const bridgeBack = (f: F, amount: bigint) => bridgeBackVia(ramps(f), f.holder, amount);
  const supplies = (f: F) => suppliesOf(ramps(f));

  it("registers OPEN through getCCIPAdmin (governance: the timelock at home, the executor remotely) with its pools; nobody else can", async () => {
    const f = await networkHelpers.loadFixture(fixture);
    const timelock = await f.d.timelock.getAddress();
    const executor = await f.d.bridge!.executor!.getAddress();
    expect(await f.d.token.getCCIPAdmin()).to.equal(timelock);
    expect(await f.tb.remoteToken.getCCIPAdmin()).to.equal(executor);
    expect(await f.tb.registry.getPool(await f.d.token.getAddress())).to.equal(await f.tb.homePool.getAddress());
    expect(await f.tb.registry.getPool(await f.tb.remoteToken.getAddress())).to.equal(
      await f.tb.remotePool.getAddress(),
    );
    expect(await f.tb.homePool.owner()).to.equal(timelock);
    expect(await f.tb.remotePool.owner()).to.equal(executor);
    await expect(f.tb.module.connect(f.stranger).registerAdminViaGetCCIPAdmin(await f.d.token.getAddress()))
      .to.be.revertedWithCustomError(f.tb.module, "CanOnlySelfRegister")
      .withArgs(timelock, await f.d.token.getAddress());
    // only the remote pool mints RemoteOpenToken
    await expect(f.tb.remoteToken.connect(f.stranger).mint(f.stranger.address, 1n)).to.be.revertedWithCustomError(
      f.tb.remoteToken,
      "AccessManagedUnauthorized",
    );
  });

  it("a holder bridges OPEN out and back with the fee shown up front; total supply across chains stays exactly 1,000,000,000", async () => {
    const f = await networkHelpers.loadFixture(fixture);
    const amount = 12_345n * OPEN;
    // the fee a holder sees before sending: the router's getFee for the token message
    await f.router.setFee(10n ** 15n);
    const fee = await f.router.getFee(REMOTE, {
      receiver: abi.encode(["address"], [f.holder.address]),
      data: "0x",
      tokenAmounts: [{ token: await f.d.token.getAddress(), amount }],
      feeToken: ZeroAddress,
      extraArgs: "0x",
    });
    expect(fee).to.equal(10n ** 15n);
    const before = await f.d.token.balanceOf(f.holder.address);
    expect((await supplies(f)).circulating).to.equal(TOTAL);

    await bridgeOut(f, amount);
    let s = await supplies(f);
    expect(await f.tb.remoteToken.balanceOf(f.holder.address)).to.equal(amount);
    expect(s.locked).to.equal(amount);
    expect(s.remoteSupply).to.equal(s.locked); // remote supply == OPEN locked at home for it
    expect(s.homeSupply).to.equal(TOTAL);
    expect(s.circulating).to.equal(TOTAL);

    await bridgeBack(f, amount / 3n);
    s = await supplies(f);
    expect(s.remoteSupply).to.equal(amount - amount / 3n);
    expect(s.remoteSupply).to.equal(s.locked);
    expect(s.circulating).to.equal(TOTAL);

    await bridgeBack(f, amount - amount / 3n);
    s = await supplies(f);
    expect(s.remoteSupply).to.equal(0n);
    expect(s.locked).to.equal(0n);
    expect(s.circulating).to.equal(TOTAL);
    expect(await f.d.token.balanceOf(f.holder.address)).to.equal(before);
  });

  it("enforces per-lane rate limits that only governance sets", async () => {
    const f = await networkHelpers.loadFixture(fixture);
    const limit = { isEnabled: true, capacity: 1_000n * OPEN, rate: 1n * OPEN };
    await expect(f.tb.homePool.connect(f.stranger).setChainRateLimiterConfig(REMOTE, limit, limit))
      .to.be.revertedWithCustomError(f.tb.homePool, "Unauthorized")
      .withArgs(f.stranger.address);
    await asTimelock(f.d, ethers, networkHelpers, async (t) => {
      await f.tb.homePool.connect(t).setChainRateLimiterConfig(REMOTE, limit, limit);
    });
    expect((await f.tb.homePool.getCurrentOutboundRateLimiterState(REMOTE)).capacity).to.equal(1_000n * OPEN);
    await expect(bridgeOut(f, 1_001n * OPEN))
      .to.be.revertedWithCustomError(f.tb.homePool, "TokenMaxCapacityExceeded")
      .withArgs(1_000n * OPEN, 1_001n * OPEN, await f.d.token.getAddress());
    await bridgeOut(f, 600n * OPEN);
    await expect(bridgeOut(f, 600n * OPEN)).to.be.revertedWithCustomError(f.tb.homePool, "TokenRateLimitReached");
    expect((await supplies(f)).circulating).to.equal(TOTAL);
  });
});
