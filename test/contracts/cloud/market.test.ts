import { expect } from "chai";
import { network } from "hardhat";
import { encodeBytes32String } from "ethers";
import { deployMarket, HOUR, proven } from "../../helpers/market.js";
import { asTimelock, OPEN } from "../../helpers/operators.js";
import { makeHeader } from "../../helpers/checkpoints.js";
import { signPermit } from "../../../scripts/lib/permit.js";

const { ethers, networkHelpers } = await network.create();

const PRICE = 2n * OPEN; // per hour
const SPEC = { cpuCores: 4n, bandwidthMbps: 100n, memoryMiB: 8192n, storageGiB: 100n };
const REGION = encodeBytes32String("eu-west");

enum State {
  None,
  Active,
  Expired,
  Terminated,
  Faulted,
}

describe("ResourceMarket and DvmAccess", () => {
  async function fixture() {
    const f = await deployMarket(ethers, networkHelpers);
    const marketAddress = await f.d.market.getAddress();
    for (const r of f.renters) await (await f.d.token.connect(r).approve(marketAddress, 2n ** 255n)).wait();
    return f;
  }

  /** Operator 0 proves 16 cores / 32 GiB / 1000 GiB and lists SPEC x 2 leases. */
  async function listed() {
    const f = await networkHelpers.loadFixture(fixture);
    await f.por.prove(f.provider.address, proven());
    await (await f.d.market.connect(f.provider).listOffer(SPEC, REGION, PRICE, 2)).wait();
    return f;
  }

  async function now(): Promise<bigint> {
    return BigInt(await networkHelpers.time.latest());
  }

  describe("offers within proven capacity", () => {
    it("lists offers while open slots plus live leases fit the capacity proven in the latest certified porRoot leaf", async () => {
      const { d, provider, por } = await networkHelpers.loadFixture(fixture);
      await expect(d.market.connect(provider).listOffer(SPEC, REGION, PRICE, 1))
        .to.be.revertedWithCustomError(d.market, "MarketCapacityNotProven")
        .withArgs(provider.address, 0n, 1n);
      await por.prove(provider.address, proven());
      expect((await d.market.provenCapacity(provider.address)).capacity.cpuCores).to.equal(16n);
      await expect(d.market.connect(provider).listOffer(SPEC, REGION, PRICE, 3))
        .to.emit(d.market, "OfferListed")
        .withArgs(1n, provider.address, Object.values(SPEC), REGION, PRICE, 3);
      // 3 x 4 cores listed; 2 more leases of 4 cores would need 20 of the proven 16
      await expect(d.market.connect(provider).listOffer(SPEC, REGION, PRICE, 2))
        .to.be.revertedWithCustomError(d.market, "MarketOverCapacity")
        .withArgs(provider.address, 0, 20n, 16n);
      await expect(d.market.connect(provider).listOffer({ ...SPEC, cpuCores: 1n, storageGiB: 801n }, REGION, PRICE, 1))
        .to.be.revertedWithCustomError(d.market, "MarketOverCapacity")
        .withArgs(provider.address, 3, 1101n, 1000n);
      // delisting frees the open slots
      await expect(d.market.connect(provider).delistOffer(1n)).to.emit(d.market, "OfferDelisted").withArgs(1n);
      await d.market.connect(provider).listOffer(SPEC, REGION, PRICE, 4);
      const [listed] = await d.market.committed(provider.address);
      expect(listed.cpuCores).to.equal(16n);
      await expect(d.market.connect(provider).delistOffer(1n))
        .to.be.revertedWithCustomError(d.market, "MarketOfferClosed")
        .withArgs(1n);
    });

    it("refuses offers from an operator that is not Active, bad offers, and capacity older than the previous epoch", async () => {
      const { d, provider, renters, por } = await networkHelpers.loadFixture(fixture);
      await expect(d.market.connect(renters[0]!).listOffer(SPEC, REGION, PRICE, 1))
        .to.be.revertedWithCustomError(d.market, "MarketProviderNotActive")
        .withArgs(renters[0]!.address, 0);
      for (const [spec, price, max] of [
        [{ ...SPEC, cpuCores: 0n }, PRICE, 1],
        [{ ...SPEC, memoryMiB: 0n }, PRICE, 1],
        [SPEC, 0n, 1],
        [SPEC, PRICE, 0],
      ] as const) {
        await expect(d.market.connect(provider).listOffer(spec, REGION, price, max)).to.be.revertedWithCustomError(
          d.market,
          "MarketInvalidOffer",
        );
      }
      await por.prove(provider.address, proven());
      await por.advance(); // epoch 2: epoch 1's proof still counts
      await d.market.connect(provider).listOffer(SPEC, REGION, PRICE, 1);
      await por.advance(); // epoch 3: stale
      await expect(d.market.connect(provider).listOffer(SPEC, REGION, PRICE, 1))
        .to.be.revertedWithCustomError(d.market, "MarketCapacityNotProven")
        .withArgs(provider.address, 1n, 3n);
    });

    it("accepts only proofs of certified porRoot leaves; a later header sets the capacity, an older one cannot bring it back", async () => {
      const { d, provider, por } = await networkHelpers.loadFixture(fixture);
      const [leaf] = await por.certify([{ operator: provider.address, resources: proven() }]);
      const lied = proven({ cpuCores: 64n });
      await expect(d.market.proveResources(leaf!.header, provider.address, lied, leaf!.proof))
        .to.be.revertedWithCustomError(d.market, "MarketInvalidProof")
        .withArgs(provider.address, leaf!.header.height);
      const uncertified = makeHeader({ epoch: 1n, height: 99n, porRoot: leaf!.header.porRoot });
      await expect(
        d.market.proveResources(uncertified, provider.address, leaf!.resources, leaf!.proof),
      ).to.be.revertedWithCustomError(d.checkpoints, "CheckpointNotCertified");

      const smaller = proven({ cpuCores: 8n, uptimeBps: 9000n });
      const [later] = await por.certify([{ operator: provider.address, resources: smaller }]);
      await d.market.proveResources(later!.header, provider.address, smaller, later!.proof);
      await expect(d.market.proveResources(leaf!.header, provider.address, leaf!.resources, leaf!.proof)).not.to.emit(
        d.market,
        "ResourcesProven",
      );
      const p = await d.market.provenCapacity(provider.address);
      expect([p.capacity.cpuCores, p.height]).to.deep.equal([8n, later!.header.height]);
      expect(await d.market.attestedUptime(provider.address, 1n)).to.deep.equal([9000n, later!.header.height]);
    });
  });

  describe("renting", () => {
    it("rentWithPermit escrows price x hours in one transaction and mints a lease NFT the keeper can read", async () => {
      const { d, provider, renters } = await listed();
      const renter = renters[3]!; // no allowance: the permit is the only approval
      await d.token.connect(renter).approve(await d.market.getAddress(), 0n);
      const escrow = PRICE * 3n;
      const permit = await signPermit(d.token, renter, await d.market.getAddress(), escrow, (await now()) + 600n);
      const before = await d.token.balanceOf(renter.address);
      const tx = d.market.connect(renter).rentWithPermit(1n, 3, permit.deadline, permit.v, permit.r, permit.s);
      await expect(tx).to.emit(d.market, "LeaseRented").to.emit(d.dvm, "LeaseMinted");
      const start = await now();
      expect(await d.token.balanceOf(renter.address)).to.equal(before - escrow);
      expect(await d.dvm.ownerOf(1n)).to.equal(renter.address);
      const lease = await d.dvm.lease(1n);
      expect([...lease]).to.deep.equal([
        provider.address,
        1n,
        start,
        start + 3n * HOUR,
        SPEC.cpuCores,
        SPEC.memoryMiB,
        SPEC.storageGiB,
        BigInt(State.Active),
      ]);
      const account = await d.market.leaseAccount(1n);
      expect([account.escrow, account.offerId, account.settledUntil]).to.deep.equal([escrow, 1n, start]);
      expect(await d.dvm.canAccess(1n, renter.address)).to.equal(true);
      expect(await d.dvm.canAccess(1n, provider.address)).to.equal(false);

      const uri = await d.dvm.tokenURI(1n);
      expect(uri.startsWith("data:application/json;base64,")).to.equal(true);
      const json = JSON.parse(Buffer.from(uri.split(",")[1]!, "base64").toString("utf8")) as {
        name: string;
        attributes: Array<{ trait_type: string; value: string | number }>;
      };
      expect(json.name).to.equal("OpenMesh DVM lease #1");
      const attr = Object.fromEntries(json.attributes.map((a) => [a.trait_type, a.value]));
      expect(attr).to.deep.include({
        provider: provider.address,
        "cpu cores": 4,
        "memory MiB": 8192,
        "storage GiB": 100,
        expiry: Number(start + 3n * HOUR),
        state: "active",
      });
      // ERC-721 metadata + ERC-4907
      expect(await d.dvm.supportsInterface("0xad092b5c")).to.equal(true);
      expect(await d.dvm.supportsInterface("0x5b5e139f")).to.equal(true);

      // once over, nobody has access and the metadata says so
      await networkHelpers.time.increaseTo(start + 3n * HOUR);
      expect(await d.dvm.canAccess(1n, renter.address)).to.equal(false);
      expect((await d.dvm.lease(1n)).state).to.equal(BigInt(State.Expired));
    });

    it("refuses unknown, closed and full offers, zero hours and leases over a year", async () => {
      const { d, provider, renters } = await listed();
      const r = d.market.connect(renters[0]!);
      await expect(r.rent(9n, 1)).to.be.revertedWithCustomError(d.market, "MarketUnknownOffer").withArgs(9n);
      await expect(r.rent(1n, 0)).to.be.revertedWithCustomError(d.market, "MarketZeroHours");
      const at = (await now()) + 10n;
      await networkHelpers.time.setNextBlockTimestamp(at);
      await expect(r.rent(1n, 8785))
        .to.be.revertedWithCustomError(d.market, "MarketLeaseTooLong")
        .withArgs(at + 8785n * HOUR, at + 366n * 24n * HOUR);
      await r.rent(1n, 1);
      await r.rent(1n, 1);
      await expect(r.rent(1n, 1)).to.be.revertedWithCustomError(d.market, "MarketOfferFull").withArgs(1n, 2);
      await expect(r.delistOffer(1n))
        .to.be.revertedWithCustomError(d.market, "MarketNotProvider")
        .withArgs(1n, renters[0]!.address);
      await d.market.connect(provider).delistOffer(1n);
      await expect(r.rent(1n, 1)).to.be.revertedWithCustomError(d.market, "MarketOfferClosed").withArgs(1n);
      await expect(d.dvm.lease(9n)).to.be.revertedWithCustomError(d.dvm, "DvmUnknownLease").withArgs(9n);
      await expect(d.dvm.tokenURI(9n)).to.be.revertedWithCustomError(d.dvm, "ERC721NonexistentToken").withArgs(9n);
      expect(await d.dvm.canAccess(9n, renters[0]!.address)).to.equal(false);
      const lease = { provider: provider.address, offerId: 1n, start: 1n, end: 2n, cpuCores: 1n, memoryMiB: 1n };
      await expect(d.dvm.connect(renters[0]!).mint(renters[0]!.address, { ...lease, storageGiB: 1n, state: 1 }))
        .to.be.revertedWithCustomError(d.dvm, "AccessManagedUnauthorized")
        .withArgs(renters[0]!.address);
    });

    it("when proven capacity falls below what is leased, new rents fail and the existing lease continues", async () => {
      const { d, provider, renters, por } = await listed();
      await d.market.connect(renters[0]!).rent(1n, 2);
      await por.prove(provider.address, proven({ cpuCores: 6n }));
      // 4 leased + 4 more = 8 > 6
      await expect(d.market.connect(renters[1]!).rent(1n, 1))
        .to.be.revertedWithCustomError(d.market, "MarketOverCapacity")
        .withArgs(provider.address, 0, 8n, 6n);
      await por.prove(provider.address, proven({ cpuCores: 2n }));
      expect(await d.dvm.canAccess(1n, renters[0]!.address)).to.equal(true);
      await expect(d.market.connect(renters[0]!).extend(1n, 1)).to.emit(d.market, "LeaseExtended");
    });
  });

  describe("ERC-4907 users and transfers", () => {
    it("the owner lends use with setUser; a transfer moves the lease and clears the user", async () => {
      const { d, provider, renters } = await listed();
      const [owner, user, buyer, stranger] = renters as [
        (typeof renters)[0],
        (typeof renters)[0],
        (typeof renters)[0],
        (typeof renters)[0],
      ];
      await d.market.connect(owner).rent(1n, 2);
      const expires = (await now()) + HOUR;
      await expect(d.dvm.connect(stranger).setUser(1n, stranger.address, expires))
        .to.be.revertedWithCustomError(d.dvm, "DvmNotOwnerNorApproved")
        .withArgs(1n, stranger.address);
      await expect(d.dvm.connect(owner).setUser(1n, user.address, expires))
        .to.emit(d.dvm, "UpdateUser")
        .withArgs(1n, user.address, expires);
      expect(await d.dvm.userOf(1n)).to.equal(user.address);
      expect(await d.dvm.userExpires(1n)).to.equal(expires);
      expect(await d.dvm.canAccess(1n, user.address)).to.equal(true);
      expect(await d.dvm.canAccess(1n, owner.address)).to.equal(true);
      expect(await d.dvm.canAccess(1n, stranger.address)).to.equal(false);
      // the user may extend (it pays); only the owner may terminate
      await d.market.connect(user).extend(1n, 1);
      await expect(d.market.connect(user).terminate(1n))
        .to.be.revertedWithCustomError(d.market, "MarketNotLeaseOwner")
        .withArgs(1n, user.address);
      await expect(d.market.connect(stranger).extend(1n, 1))
        .to.be.revertedWithCustomError(d.market, "MarketNotOwnerNorUser")
        .withArgs(1n, stranger.address);

      await expect(d.dvm.connect(owner).transferFrom(owner.address, buyer.address, 1n))
        .to.emit(d.dvm, "UpdateUser")
        .withArgs(1n, ethers.ZeroAddress, 0n);
      expect(await d.dvm.userOf(1n)).to.equal(ethers.ZeroAddress);
      expect(await d.dvm.canAccess(1n, user.address)).to.equal(false);
      expect(await d.dvm.canAccess(1n, owner.address)).to.equal(false);
      expect(await d.dvm.canAccess(1n, buyer.address)).to.equal(true);
      // the lease's refund goes to its new owner
      const before = await d.token.balanceOf(buyer.address);
      await expect(d.market.connect(buyer).terminate(1n)).to.emit(d.market, "LeaseTerminated");
      expect(await d.token.balanceOf(buyer.address)).to.be.greaterThan(before);
      expect(await d.dvm.canAccess(1n, buyer.address)).to.equal(false);
      await expect(d.dvm.connect(buyer).setUser(1n, user.address, expires))
        .to.be.revertedWithCustomError(d.dvm, "DvmLeaseNotActive")
        .withArgs(1n);
      expect(await d.dvm.canAccess(1n, provider.address)).to.equal(false);
    });

    it("a user's right ends at its expiry", async () => {
      const { d, renters } = await listed();
      await d.market.connect(renters[0]!).rent(1n, 2);
      const expires = (await now()) + 600n;
      await d.dvm.connect(renters[0]!).setUser(1n, renters[1]!.address, expires);
      await networkHelpers.time.increaseTo(expires + 1n);
      expect(await d.dvm.userOf(1n)).to.equal(ethers.ZeroAddress);
      expect(await d.dvm.canAccess(1n, renters[1]!.address)).to.equal(false);
      expect(await d.dvm.canAccess(1n, renters[0]!.address)).to.equal(true);
    });
  });

  describe("extend and terminate", () => {
    it("extend escrows more at the lease's price; terminate refunds the unused time pro-rata at once and frees the slot", async () => {
      const { d, provider, renters } = await listed();
      const renter = renters[0]!;
      await d.market.connect(renter).rent(1n, 2);
      const start = await now();
      await expect(d.market.connect(renter).extend(1n, 0)).to.be.revertedWithCustomError(d.market, "MarketZeroHours");
      await expect(d.market.connect(renter).extend(1n, 2))
        .to.emit(d.market, "LeaseExtended")
        .withArgs(1n, renter.address, 2, 2n * PRICE, start + 4n * HOUR)
        .and.to.emit(d.dvm, "LeaseUpdated")
        .withArgs(1n, start + 4n * HOUR, State.Active);
      expect((await d.market.leaseAccount(1n)).escrow).to.equal(4n * PRICE);

      // terminate after one hour: 3 of the 4 hours come back
      await networkHelpers.time.setNextBlockTimestamp(start + HOUR);
      const before = await d.token.balanceOf(renter.address);
      await expect(d.market.connect(renter).terminate(1n))
        .to.emit(d.market, "LeaseTerminated")
        .withArgs(1n, renter.address, 3n * PRICE, start + HOUR)
        .and.to.emit(d.market, "LeaseReleased")
        .withArgs(1n);
      expect(await d.token.balanceOf(renter.address)).to.equal(before + 3n * PRICE);
      expect((await d.market.leaseAccount(1n)).escrow).to.equal(PRICE);
      expect((await d.dvm.lease(1n)).state).to.equal(BigInt(State.Terminated));
      const [listedNow, leased] = await d.market.committed(provider.address);
      expect([listedNow.cpuCores, leased.cpuCores]).to.deep.equal([8n, 0n]);
      await expect(d.market.connect(renter).terminate(1n))
        .to.be.revertedWithCustomError(d.market, "MarketLeaseEnded")
        .withArgs(1n, start + HOUR);
      await expect(d.market.connect(renter).extend(1n, 1))
        .to.be.revertedWithCustomError(d.market, "MarketLeaseEnded")
        .withArgs(1n, start + HOUR);
      await expect(d.market.terminate(7n)).to.be.revertedWithCustomError(d.market, "MarketUnknownLease").withArgs(7n);
    });
  });

  describe("settlement by attested uptime", () => {
    it("pays the provider each finished epoch's escrow times its certified uptime, less the fee; refunds the downtime share; fees reach the rewards budget", async () => {
      const { d, provider, renters, por } = await listed();
      const renter = renters[0]!;
      await d.market.connect(renter).rent(1n, 1);
      const { start, end } = await d.dvm.lease(1n);
      const e = await por.currentEpoch();
      // two headers of the lease's epoch: the later one's uptime is the epoch's
      await por.prove(provider.address, proven({ uptimeBps: 9000n }));
      await por.prove(provider.address, proven({ uptimeBps: 7500n }));
      expect((await d.market.attestedUptime(provider.address, e))[0]).to.equal(7500n);
      await expect(d.market.settle(1n, 10)).to.be.revertedWithCustomError(d.market, "MarketNothingToSettle");
      await por.advance(); // e + 1: epoch e's uptime can still be replaced
      await expect(d.market.settle(1n, 10)).to.be.revertedWithCustomError(d.market, "MarketNothingToSettle");
      await por.advance(); // e + 2: epoch e settles

      const boundary = (await d.validatorSets.epochInfo(e + 1n)).startTime;
      const escrow = PRICE;
      const amount = (escrow * (boundary - start)) / (end - start);
      const gross = (amount * 7500n) / 10_000n;
      const fee = (gross * 500n) / 10_000n;
      const providerBefore = await d.token.balanceOf(provider.address);
      const renterBefore = await d.token.balanceOf(renter.address);
      await expect(d.market.settle(1n, 10))
        .to.emit(d.market, "LeaseEpochSettled")
        .withArgs(1n, e, 7500n, gross - fee, fee, amount - gross);
      expect(await d.token.balanceOf(provider.address)).to.equal(providerBefore + gross - fee);
      expect(await d.token.balanceOf(renter.address)).to.equal(renterBefore + amount - gross);
      expect(await d.market.accruedFees()).to.equal(fee);
      // epoch e + 1 had no attested uptime for the provider: it pays nothing (once e + 3 begins)
      await por.advance();
      const left = escrow - amount;
      const amount2 = (left * ((await d.validatorSets.epochInfo(e + 2n)).startTime - boundary)) / (end - boundary);
      await expect(d.market.settle(1n, 1))
        .to.emit(d.market, "LeaseEpochSettled")
        .withArgs(1n, e + 1n, 0n, 0n, 0n, amount2);

      const budget = await d.rewards.nextEpochBudget();
      await expect(d.market.flushFees()).to.emit(d.market, "FeesFlushed").withArgs(fee);
      expect(await d.rewards.nextEpochBudget()).to.equal(budget + fee);
      expect(await d.market.accruedFees()).to.equal(0n);
    });

    it("an epoch's uptime is final once the epoch after it is over", async () => {
      const { d, provider, por } = await networkHelpers.loadFixture(fixture);
      const e = await por.currentEpoch();
      const [leaf] = await por.certify([{ operator: provider.address, resources: proven({ uptimeBps: 5000n }) }]);
      await por.advance();
      await por.advance();
      await d.market.proveResources(leaf!.header, provider.address, leaf!.resources, leaf!.proof);
      expect((await d.market.attestedUptime(provider.address, e))[1]).to.equal(0n);
    });
  });

  describe("provider faults", () => {
    it("a provider jailed mid-lease makes all unsettled escrow refundable at once, even after it is unjailed", async () => {
      const { d, provider, renters } = await listed();
      await d.market.connect(renters[0]!).rent(1n, 2);
      await d.market.connect(renters[1]!).rent(1n, 2);
      await expect(d.market.claimFaultRefund(1n))
        .to.be.revertedWithCustomError(d.market, "MarketNoProviderFault")
        .withArgs(1n, provider.address);
      await expect(d.market.recordProviderFault(provider.address))
        .to.be.revertedWithCustomError(d.market, "MarketNoProviderFault")
        .withArgs(0n, provider.address);

      // the evidence handler (the slasher) jails the provider
      const evidence = await d.evidence.getAddress();
      await networkHelpers.impersonateAccount(evidence);
      await networkHelpers.setBalance(evidence, 10n ** 20n);
      await d.staking.connect(await ethers.getSigner(evidence)).jail(provider.address);
      await networkHelpers.stopImpersonatingAccount(evidence);

      await expect(d.market.connect(provider).listOffer(SPEC, REGION, PRICE, 1))
        .to.be.revertedWithCustomError(d.market, "MarketProviderNotActive")
        .withArgs(provider.address, 3);
      const before = await d.token.balanceOf(renters[0]!.address);
      await expect(d.market.connect(renters[3]!).claimFaultRefund(1n))
        .to.emit(d.market, "LeaseFaulted")
        .withArgs(1n, provider.address, renters[0]!.address, 2n * PRICE);
      expect(await d.token.balanceOf(renters[0]!.address)).to.equal(before + 2n * PRICE);
      expect((await d.dvm.lease(1n)).state).to.equal(BigInt(State.Faulted));
      expect(await d.dvm.canAccess(1n, renters[0]!.address)).to.equal(false);
      await expect(d.market.claimFaultRefund(1n)).to.be.revertedWithCustomError(d.market, "MarketLeaseEnded");

      // unjailed later: lease 2 began before the recorded fault and stays refundable
      await networkHelpers.time.increase(await d.staking.jailPeriod());
      await d.staking.connect(provider).unjail();
      const before2 = await d.token.balanceOf(renters[1]!.address);
      await d.market.claimFaultRefund(2n);
      expect(await d.token.balanceOf(renters[1]!.address)).to.equal(before2 + 2n * PRICE);
      expect((await d.market.leaseAccount(2n)).escrow).to.equal(0n);
    });
  });

  describe("governance", () => {
    it("only the timelock sets the protocol fee, at most 20%", async () => {
      const { d, renters } = await networkHelpers.loadFixture(fixture);
      await expect(d.market.connect(renters[0]!).setProtocolFee(100))
        .to.be.revertedWithCustomError(d.market, "AccessManagedUnauthorized")
        .withArgs(renters[0]!.address);
      await asTimelock(d, ethers, networkHelpers, async (timelock) => {
        await expect(d.market.connect(timelock).setProtocolFee(2001))
          .to.be.revertedWithCustomError(d.market, "MarketFeeTooHigh")
          .withArgs(2001, 2000);
        await expect(d.market.connect(timelock).setProtocolFee(100)).to.emit(d.market, "ProtocolFeeSet").withArgs(100);
      });
      expect(await d.market.protocolFeeBps()).to.equal(100n);
    });
  });
});
