// Property: every OPEN wei escrowed in the market is, exactly once, paid to a provider, refunded to a lease's
// owner, or taken as protocol fee, under random rents, extensions, terminations, NFT transfers and lending,
// epochs with random certified uptime, settlements, and a provider jailed and unjailed mid-lease. Checked after
// every step against the market's own accounts and against token balances, and exactly at the end once
// everything is settled.
import { expect } from "chai";
import { network } from "hardhat";
import { encodeBytes32String, type ContractTransactionResponse } from "ethers";
import { deployMarket, proven, type MarketFixture } from "../../helpers/market.js";

const { ethers, networkHelpers } = await network.create();

/** mulberry32: a small seeded PRNG, so a failing sequence replays from its seed. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

interface Ledger {
  escrowedIn: bigint;
  paid: bigint;
  refunded: bigint;
  fees: bigint;
  flushed: bigint;
}

/** Market errors a random step may legitimately hit (a full offer, a lease already over, ...). */
const EXPECTED = new Set([
  "MarketOfferFull",
  "MarketProviderNotActive",
  "MarketProviderFaulted",
  "MarketCapacityNotProven",
  "MarketOverCapacity",
  "MarketLeaseEnded",
  "MarketNothingToSettle",
  "MarketNoProviderFault",
  "DvmLeaseNotActive",
  "StakingJailPeriodNotOver",
  "StakingOperatorNotJailed",
]);

describe("ResourceMarket escrow conservation (property)", () => {
  async function fixture(): Promise<MarketFixture> {
    const f = await deployMarket(ethers, networkHelpers);
    const market = await f.d.market.getAddress();
    for (const r of f.renters) await (await f.d.token.connect(r).approve(market, 2n ** 255n)).wait();
    const region = encodeBytes32String("local");
    const spec = { cpuCores: 4n, bandwidthMbps: 100n, memoryMiB: 4096n, storageGiB: 50n };
    for (const [i, price] of [
      [0, 3n * 10n ** 18n + 7n],
      [1, 10n ** 18n / 3n],
    ] as const) {
      const owner = f.ops[i]!.owner;
      await f.por.prove(owner.address, proven());
      await (await f.d.market.connect(owner).listOffer(spec, region, price, 3)).wait();
    }
    return f;
  }

  for (const seed of [1, 2]) {
    it(`escrowed in = paid to providers + refunded + fees, exactly (seed ${seed})`, async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const { d, ops, renters, por } = f;
      const rand = prng(seed);
      const providers = [ops[0]!.owner, ops[1]!.owner];
      const rewardsAddress = await d.rewards.getAddress();
      const marketAddress = await d.market.getAddress();
      const balances = async () => ({
        renters: (await Promise.all(renters.map((r) => d.token.balanceOf(r.address)))).reduce((a, b) => a + b, 0n),
        providers: (await Promise.all(providers.map((p) => d.token.balanceOf(p.address)))).reduce((a, b) => a + b),
        market: await d.token.balanceOf(marketAddress),
        rewards: await d.token.balanceOf(rewardsAddress),
      });
      const start = await balances();
      const ledger: Ledger = { escrowedIn: 0n, paid: 0n, refunded: 0n, fees: 0n, flushed: 0n };

      const record = async (tx: Promise<ContractTransactionResponse>): Promise<boolean> => {
        try {
          const receipt = await (await tx).wait();
          for (const log of receipt!.logs) {
            const ev = d.market.interface.parseLog(log);
            if (!ev) continue;
            const a = ev.args;
            if (ev.name === "LeaseRented") ledger.escrowedIn += a.escrow as bigint;
            else if (ev.name === "LeaseExtended") ledger.escrowedIn += a.amount as bigint;
            else if (ev.name === "LeaseTerminated" || ev.name === "LeaseFaulted") ledger.refunded += a.refund as bigint;
            else if (ev.name === "FeesFlushed") ledger.flushed += a.amount as bigint;
            else if (ev.name === "LeaseEpochSettled") {
              ledger.paid += a.paidToProvider as bigint;
              ledger.fees += a.fee as bigint;
              ledger.refunded += a.refunded as bigint;
            }
          }
          return true;
        } catch (err) {
          const data = (err as { data?: string }).data;
          const parsed =
            (data && (d.market.interface.parseError(data) ?? d.staking.interface.parseError(data))) ||
            (data && d.dvm.interface.parseError(data));
          if (!parsed || !EXPECTED.has(parsed.name)) throw err;
          return false;
        }
      };

      const check = async () => {
        const b = await balances();
        const leases = await d.dvm.totalLeases();
        let escrows = 0n;
        for (let id = 1n; id <= leases; id++) escrows += (await d.market.leaseAccount(id)).escrow;
        const accrued = await d.market.accruedFees();
        expect(b.market).to.equal(escrows + accrued, "market balance = escrows + accrued fees");
        expect(accrued).to.equal(ledger.fees - ledger.flushed, "accrued fees");
        expect(b.market).to.equal(ledger.escrowedIn - ledger.paid - ledger.refunded - ledger.flushed);
        expect(b.renters - start.renters).to.equal(ledger.refunded - ledger.escrowedIn, "renters' OPEN");
        expect(b.providers - start.providers).to.equal(ledger.paid, "providers' OPEN");
        expect(b.rewards - start.rewards).to.equal(ledger.flushed, "rewards pool");
      };

      const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)]!;
      const someLease = async (): Promise<bigint | undefined> => {
        const n = await d.dvm.totalLeases();
        return n === 0n ? undefined : BigInt(1 + rand(Number(n)));
      };
      let jailed = false;
      const evidence = await d.evidence.getAddress();

      for (let step = 0; step < 45; step++) {
        const action = rand(100);
        if (action < 25) {
          const renter = pick(renters);
          await record(d.market.connect(renter).rent(BigInt(1 + rand(2)), 1 + rand(3)));
        } else if (action < 33) {
          const id = await someLease();
          if (id === undefined) continue;
          const owner = await ethers.getSigner(await d.dvm.ownerOf(id));
          await record(d.market.connect(owner).extend(id, 1 + rand(2)));
        } else if (action < 41) {
          const id = await someLease();
          if (id === undefined) continue;
          const owner = await ethers.getSigner(await d.dvm.ownerOf(id));
          await record(d.market.connect(owner).terminate(id));
        } else if (action < 48) {
          const id = await someLease();
          if (id === undefined) continue;
          const owner = await ethers.getSigner(await d.dvm.ownerOf(id));
          const to = pick(renters.filter((r) => r.address !== owner.address));
          if (rand(2) === 0) await record(d.dvm.connect(owner).transferFrom(owner.address, to.address, id));
          else
            await record(
              d.dvm.connect(owner).setUser(id, to.address, BigInt(await networkHelpers.time.latest()) + 900n),
            );
        } else if (action < 66) {
          // headers of this epoch certify both providers' capacity and a random uptime, then the epoch ends
          const leaves = providers.map((p) => ({
            operator: p.address,
            resources: proven({ uptimeBps: BigInt(rand(10_001)) }),
          }));
          const proofs = await por.certify(leaves);
          for (const l of proofs) await record(d.market.proveResources(l.header, l.operator, l.resources, l.proof));
          await por.advance();
        } else if (action < 80) {
          const id = await someLease();
          if (id !== undefined) await record(d.market.settle(id, 1 + rand(4)));
        } else if (action < 85) {
          await networkHelpers.time.increase(60 + rand(5400));
        } else if (action < 90) {
          if (!jailed) {
            await networkHelpers.impersonateAccount(evidence);
            await networkHelpers.setBalance(evidence, 10n ** 20n);
            await d.staking.connect(await ethers.getSigner(evidence)).jail(providers[1]!.address);
            await networkHelpers.stopImpersonatingAccount(evidence);
            jailed = true;
          } else if (await record(d.staking.connect(providers[1]!).unjail())) jailed = false;
        } else if (action < 96) {
          const id = await someLease();
          if (id !== undefined) await record(d.market.claimFaultRefund(id));
        } else {
          await record(d.market.flushFees());
        }
        await check();
      }

      // Wind down: every lease ends, two more epochs pass, everything settles.
      await networkHelpers.time.increase(400 * 24 * 3600);
      await por.advance();
      await por.advance();
      const leases = await d.dvm.totalLeases();
      for (let id = 1n; id <= leases; id++) {
        for (;;) {
          const account = await d.market.leaseAccount(id);
          if (account.escrow === 0n && account.released) break;
          expect(await record(d.market.settle(id, 50)), `lease ${id} settles`).to.equal(true);
        }
      }
      await record(d.market.flushFees());
      await check();
      expect(ledger.escrowedIn).to.be.greaterThan(0n);
      expect(ledger.escrowedIn).to.equal(ledger.paid + ledger.refunded + ledger.fees);
      expect(await d.token.balanceOf(marketAddress)).to.equal(0n);
      // the run exercised the paths it claims to (a seed that never settled or refunded proves little)
      expect(ledger.paid).to.be.greaterThan(0n);
      expect(ledger.refunded).to.be.greaterThan(0n);
    });
  }
});
