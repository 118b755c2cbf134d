import { expect } from "chai";
import { Wallet } from "ethers";
import { ChainLeaseAccess } from "../../../keeper/src/api/lease-access.js";
import { ApiError } from "../../../keeper/src/api/errors.js";
import { ResourceMarket__factory, type ResourceMarket } from "../../../types/ethers-contracts/index.js";
import { startLeaseChain, type LeaseChain } from "./lease-chain.js";

const DAY = 24 * 3600;

describe("api: the workspace grace period is governance's (ResourceMarket.dataGraceSeconds, read at the request's block)", function () {
  this.timeout(60_000);
  let lc: LeaseChain;
  let market: ResourceMarket;

  before(async () => {
    lc = await startLeaseChain();
    // The real ResourceMarket under the lease chain's AccessManager (the deployer is its admin, as governance). Only
    // its grace setting is used here: the other contracts it would call are stand-in addresses.
    const unused = Wallet.createRandom().address;
    market = await (
      await new ResourceMarket__factory(lc.market).deploy(
        unused,
        unused,
        unused,
        unused,
        unused,
        await lc.dvm.getAddress(),
        await lc.dvm.authority(),
        500,
      )
    ).waitForDeployment();
  });
  after(async () => {
    await lc?.stop();
  });

  it("an ended lease is read-only until end + the market's grace; a governance change takes effect on the next request", async () => {
    const owner = await lc.wallet();
    const provider = await lc.wallet();
    const leaseId = await lc.mint(owner.address, provider.address, 1, 3600);
    const { end } = await lc.dvm.lease(leaseId);
    const gate = new ChainLeaseAccess({
      provider: lc.provider,
      dvmAccess: await lc.dvm.getAddress(),
      market: await market.getAddress(),
      graceSeconds: 1, // the keeper's config: unused when the market says otherwise
    });
    await lc.advance(3600 + 10); // past the lease's end
    const ended = await gate.check(leaseId, owner.address, false);
    expect(ended.mode).to.equal("read-only");
    expect(ended.deleteAfter).to.equal(Number(end) + 7 * DAY);

    await (await market.connect(lc.market).setDataGrace(60)).wait();
    const shorter = await gate.check(leaseId, owner.address, false);
    expect(shorter.deleteAfter).to.equal(Number(end) + 60);
    await lc.advance(60);
    const after = await gate.check(leaseId, owner.address, false).catch((e: unknown) => e);
    expect(after).to.be.instanceOf(ApiError);
    expect((after as ApiError).status).to.equal(403);
    expect((after as ApiError).message).to.match(/deleted after the grace period/);
  });

  it("without a market the configured grace applies", async () => {
    const owner = await lc.wallet();
    const leaseId = await lc.mint(owner.address, (await lc.wallet()).address, 1, 60);
    const { end } = await lc.dvm.lease(leaseId);
    const gate = new ChainLeaseAccess({
      provider: lc.provider,
      dvmAccess: await lc.dvm.getAddress(),
      graceSeconds: 3 * DAY,
    });
    await lc.advance(61);
    expect((await gate.check(leaseId, owner.address, false)).deleteAfter).to.equal(Number(end) + 3 * DAY);
  });
});
