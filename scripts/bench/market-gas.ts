// Gas of the cloud market's calls (ResourceMarket + DvmAccess) on Hardhat's in-process chain at the configured
// hardfork, on the real local deploy with 4 staked operators and BLS-certified porRoot headers.
//   npx hardhat run scripts/bench/market-gas.ts   (BENCH_JSON=path also writes JSON)
import { writeFileSync } from "node:fs";
import { network } from "hardhat";
import { encodeBytes32String, type ContractTransactionResponse } from "ethers";
import { deployMarket, proven } from "../../test/helpers/market.js";
import { OPEN } from "../../test/helpers/operators.js";
import { signPermit } from "../lib/permit.js";

export interface MarketGasRow {
  label: string;
  gas: number;
}

const conn = await network.create();
const { ethers, networkHelpers } = conn;
const { d, ops, provider, renters, por } = await deployMarket(ethers, networkHelpers);
const market = d.market;
const marketAddress = await market.getAddress();
const rows: MarketGasRow[] = [];
async function measure(label: string, tx: Promise<ContractTransactionResponse>): Promise<void> {
  const receipt = await (await tx).wait();
  rows.push({ label, gas: Number(receipt!.gasUsed) });
}

// a 64-leaf porRoot: the provider and 63 other machines
const others = Array.from({ length: 63 }, (_, i) => ({
  operator: ethers.Wallet.createRandom().address,
  resources: proven({ cpuCores: BigInt(4 + i) }),
}));
const [leaf] = await por.certify([{ operator: provider.address, resources: proven({ uptimeBps: 9_900n }) }, ...others]);
await measure(
  "proveResources (64-leaf porRoot, first)",
  market.proveResources(leaf!.header, provider.address, leaf!.resources, leaf!.proof),
);
const [leaf2] = await por.certify([{ operator: provider.address, resources: proven({ uptimeBps: 9_950n }) }, ...others]);
await measure(
  "proveResources (later header)",
  market.proveResources(leaf2!.header, provider.address, leaf2!.resources, leaf2!.proof),
);

const spec = { cpuCores: 2n, bandwidthMbps: 100n, memoryMiB: 4096n, storageGiB: 50n };
const price = 3n * OPEN;
await measure("listOffer", market.connect(provider).listOffer(spec, encodeBytes32String("eu-west"), price, 5));

const [a, b, c] = renters as [(typeof renters)[0], (typeof renters)[0], (typeof renters)[0]];
await (await d.token.connect(a).approve(marketAddress, 2n ** 255n)).wait();
await measure("rent (approved, first lease of the offer)", market.connect(a).rent(1n, 24));
await measure("rent (approved, second lease)", market.connect(a).rent(1n, 24));
const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
const permit = await signPermit(d.token, b, marketAddress, price * 24n, deadline);
await measure(
  "rentWithPermit (one transaction)",
  market.connect(b).rentWithPermit(1n, 24, permit.deadline, permit.v, permit.r, permit.s),
);
await measure("extend", market.connect(a).extend(1n, 24));
await measure("DvmAccess.setUser", d.dvm.connect(a).setUser(1n, c.address, deadline));
await measure("DvmAccess.transferFrom (clears the user)", d.dvm.connect(a).transferFrom(a.address, c.address, 1n));
await measure("terminate (pro-rata refund)", market.connect(a).terminate(2n));

// settle: one epoch with attested uptime, then ten
await por.advance();
await por.advance();
await measure("settle (1 epoch, attested uptime)", market.settle(1n, 1));
for (let i = 0; i < 10; i++) {
  const [l] = await por.certify([{ operator: provider.address, resources: proven({ uptimeBps: 9_000n }) }]);
  await (await market.proveResources(l!.header, provider.address, l!.resources, l!.proof)).wait();
  await por.advance();
}
await por.advance();
await measure("settle (10 epochs)", market.settle(1n, 10));
await measure("flushFees (to the rewards pool)", market.flushFees());

// a provider fault: the slasher jails operator 0, a renter takes all unsettled escrow back
const evidence = await d.evidence.getAddress();
await networkHelpers.impersonateAccount(evidence);
await networkHelpers.setBalance(evidence, 10n ** 20n);
await (await d.staking.connect(await ethers.getSigner(evidence)).jail(ops[0]!.owner.address)).wait();
await measure("claimFaultRefund (provider jailed)", market.claimFaultRefund(3n));

const hardfork = (conn.networkConfig as { hardfork?: string }).hardfork ?? "unknown";
console.log(`\nGas, resource market (hardfork: ${hardfork})\n`);
console.log(`| call | gas |\n|---|---:|`);
for (const r of rows) console.log(`| ${r.label} | ${r.gas.toLocaleString("en-US")} |`);
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ hardfork, rows }, null, 2));
