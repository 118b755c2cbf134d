import { expect } from "chai";
import { network } from "hardhat";
import { encodeBytes32String } from "ethers";
import { deployMarket, proven } from "../../helpers/market.js";
import { leaseUptimeReader } from "../../../keeper/src/api/lease-uptime.js";
import type { Lease } from "../../../keeper/src/api/lease-access.js";
import type { DvmAccess } from "../../../types/ethers-contracts/index.js";

const { ethers, networkHelpers } = await network.create();

async function leaseOf(dvm: DvmAccess, id: bigint): Promise<Lease> {
  const l = await dvm.lease(id);
  return {
    leaseId: id,
    provider: l.provider,
    offerId: l.offerId,
    start: Number(l.start),
    end: Number(l.end),
    cpuCores: Number(l.cpuCores),
    memoryMiB: l.memoryMiB,
    storageGiB: l.storageGiB,
    state: Number(l.state),
  };
}

describe("workspace lease status: attested uptime per epoch (keeper/src/api/lease-uptime.ts)", () => {
  it("lists the lease's epochs newest first with the market's certified uptime, null where none was shown, and which are settled", async () => {
    const { d, provider, renters, por } = await deployMarket(ethers, networkHelpers);
    await por.prove(provider.address, proven());
    await por.advance(); // an epoch that ends before the lease: never listed
    const spec = { cpuCores: 4n, bandwidthMbps: 100n, memoryMiB: 4096n, storageGiB: 10n };
    await por.prove(provider.address, proven());
    await (await d.market.connect(provider).listOffer(spec, encodeBytes32String("local"), 10n ** 18n, 1)).wait();
    await (await d.token.connect(renters[0]!).approve(await d.market.getAddress(), 10n ** 18n)).wait();
    await (await d.market.connect(renters[0]!).rent(1n, 1)).wait();
    const e = await por.currentEpoch();
    await por.prove(provider.address, proven({ uptimeBps: 9_000n }));
    const read = leaseUptimeReader(d.market, d.validatorSets);
    const lease = await leaseOf(d.dvm, 1n);

    const first = await read(lease);
    expect(first.currentEpoch).to.equal(e.toString());
    expect(first.epochs).to.have.length(1);
    expect(first.epochs[0]).to.deep.include({ epoch: e.toString(), uptimeBps: 9_000, settled: false });
    expect(first.escrowWei).to.equal((10n ** 18n).toString());

    await por.advance(); // e + 1: nothing shown for the provider
    await por.advance(); // e + 2: epoch e can settle
    await (await d.market.settle(1n, 1)).wait();
    const later = await read(lease);
    expect(later.epochs.map((x) => [x.epoch, x.uptimeBps, x.settled])).to.deep.equal([
      [(e + 2n).toString(), null, false],
      [(e + 1n).toString(), null, false],
      [e.toString(), 9_000, true],
    ]);
    expect(BigInt(later.escrowWei)).to.equal((await d.market.leaseAccount(1n)).escrow);
    expect(BigInt(later.escrowWei)).to.be.lessThan(10n ** 18n);
    // bounded: a reader of at most 2 epochs shows the 2 newest
    expect((await leaseUptimeReader(d.market, d.validatorSets, 2)(lease)).epochs).to.have.length(2);
  });
});
