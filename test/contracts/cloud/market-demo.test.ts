import { expect } from "chai";
import { network } from "hardhat";
import { deployMarket, proven } from "../../helpers/market.js";
import { runMarketDemo } from "../../../scripts/lib/market-demo.js";
import { certifiedHeaderAt, porLeafOf } from "../../../scripts/lib/por-leaf.js";

const { ethers, networkHelpers } = await network.create();

describe("market demo step (scripts/lib/market-demo.ts)", () => {
  it("lists from proven capacity (a leaf of a header read back from the chain), rents with a permit, shows the NFT and pays the provider for one attested epoch", async () => {
    const { d, provider, renters, por } = await deployMarket(ethers, networkHelpers);
    const lines: string[] = [];
    const result = await runMarketDemo(
      {
        market: d.market,
        dvm: d.dvm,
        token: d.token,
        validatorSets: d.validatorSets,
        provider,
        renter: renters[0]!,
        porLeaf: async (operator, epoch) => {
          while ((await por.currentEpoch()) < epoch) await por.advance();
          // a porRoot with other machines too; the header is read back from the chain, as the demo does
          const leaves = [
            { operator: ethers.Wallet.createRandom().address, resources: proven({ cpuCores: 2n }) },
            { operator, resources: proven({ uptimeBps: 9_500n }) },
            { operator: ethers.Wallet.createRandom().address, resources: proven({ cpuCores: 64n }) },
          ];
          const [certified] = await por.certify(leaves);
          const header = await certifiedHeaderAt(d.checkpoints, certified!.header.height);
          return porLeafOf(header, leaves, operator);
        },
        untilEpoch: async (epoch) => {
          while ((await por.currentEpoch()) < epoch) await por.advance();
        },
        log: (l) => lines.push(l),
      },
      { hours: 2, pricePerHourWei: 10n ** 18n },
    );
    expect(await d.dvm.ownerOf(result.tokenId)).to.equal(renters[0]!.address);
    expect(result.metadata.name).to.equal(`OpenMesh DVM lease #${result.tokenId}`);
    expect(result.uptimeBps).to.equal(9_500n);
    expect(result.paidToProviderWei).to.be.greaterThan(0n);
    // the epoch's escrow share splits 95% (less the 5% fee) to the provider and 5% back
    const gross = result.paidToProviderWei + result.feeWei;
    expect(result.feeWei).to.equal((gross * 500n) / 10_000n);
    expect(lines.length).to.equal(6);
  });
});
