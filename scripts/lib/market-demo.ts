// The market step of the demo: an operator proves its capacity and lists an offer from it, a user rents a DVM with
// an ERC-2612 permit (one transaction), the lease NFT shows (owner, spec, on-chain metadata), and once the rent's
// epoch is settled the provider is paid for its attested uptime. Works on any deployment: where the certified
// porRoot leaves come from (the keepers' PoR, or a test that certifies headers itself) and how epochs advance are
// the caller's.
import { encodeBytes32String, formatUnits, type Signer } from "ethers";
import type { Header } from "../../keeper/src/checkpoint/header.js";
import type { ProvenResources } from "../../keeper/src/checkpoint/leaves.js";
import type { DvmAccess, OpenToken, ResourceMarket, ValidatorSetManager } from "../../types/ethers-contracts/index.js";
import { signPermit } from "./permit.js";

/** A porRoot leaf of a certified header with its proof. */
export interface PorLeafProof {
  header: Header;
  resources: ProvenResources;
  proof: string[];
}

export interface MarketDemoContext {
  market: ResourceMarket;
  dvm: DvmAccess;
  token: OpenToken;
  validatorSets: ValidatorSetManager;
  /** the operator's owner (the provider) */
  provider: Signer;
  /** the user who rents; holds OPEN, needs no allowance (it signs a permit) */
  renter: Signer;
  /** a certified porRoot leaf of `operator` in a header of epoch `epoch` */
  porLeaf: (operator: string, epoch: bigint) => Promise<PorLeafProof>;
  /** resolves once the chain's current epoch is at least `epoch` */
  untilEpoch: (epoch: bigint) => Promise<void>;
  log?: (line: string) => void;
}

export interface MarketDemoOptions {
  hours?: number;
  pricePerHourWei?: bigint;
}

export interface LeaseMetadataJson {
  name: string;
  description: string;
  attributes: Array<{ trait_type: string; value: string | number; display_type?: string }>;
}

export interface MarketDemoResult {
  offerId: bigint;
  tokenId: bigint;
  escrowWei: bigint;
  metadata: LeaseMetadataJson;
  settledEpoch: bigint;
  uptimeBps: bigint;
  paidToProviderWei: bigint;
  feeWei: bigint;
  refundedWei: bigint;
}

const OPEN = 10n ** 18n;

/** Decodes DvmAccess.tokenURI's base64 JSON data URI. */
export function decodeLeaseMetadata(uri: string): LeaseMetadataJson {
  const prefix = "data:application/json;base64,";
  if (!uri.startsWith(prefix)) throw new Error(`not a base64 JSON data URI: ${uri.slice(0, 40)}...`);
  return JSON.parse(Buffer.from(uri.slice(prefix.length), "base64").toString("utf8")) as LeaseMetadataJson;
}

export async function runMarketDemo(ctx: MarketDemoContext, opts: MarketDemoOptions = {}): Promise<MarketDemoResult> {
  const log = ctx.log ?? (() => {});
  const hours = opts.hours ?? 2;
  const price = opts.pricePerHourWei ?? OPEN;
  const { market, dvm, token } = ctx;
  const operator = await ctx.provider.getAddress();
  const renter = await ctx.renter.getAddress();
  const marketAddress = await market.getAddress();

  // 1. proven capacity, from a certified porRoot leaf
  const epoch = await ctx.validatorSets.currentEpoch();
  const leaf = await ctx.porLeaf(operator, epoch);
  await (await market.proveResources(leaf.header, operator, leaf.resources, leaf.proof)).wait();
  const proven = (await market.provenCapacity(operator)).capacity;
  log(
    `operator ${operator} proved ${proven.cpuCores} cores, ${proven.memoryMiB} MiB, ${proven.storageGiB} GiB, ` +
      `${proven.bandwidthMbps} Mbps (header ${leaf.header.height}, epoch ${leaf.header.epoch})`,
  );

  // 2. an offer from it: two leases of a quarter of the machine each
  const quarter = (x: bigint) => (x / 4n > 0n ? x / 4n : 1n);
  const spec = {
    cpuCores: quarter(proven.cpuCores),
    bandwidthMbps: quarter(proven.bandwidthMbps),
    memoryMiB: quarter(proven.memoryMiB),
    storageGiB: quarter(proven.storageGiB),
  };
  const listReceipt = await (
    await market.connect(ctx.provider).listOffer(spec, encodeBytes32String("local"), price, 2)
  ).wait();
  const listed = listReceipt!.logs.map((l) => market.interface.parseLog(l)).find((e) => e?.name === "OfferListed");
  const offerId = listed!.args.offerId as bigint;
  log(
    `offer #${offerId}: ${spec.cpuCores} cores, ${spec.memoryMiB} MiB, ${spec.storageGiB} GiB at ${formatUnits(price)} OPEN/hour`,
  );

  // 3. rent with a permit: one transaction, no approve
  const escrow = price * BigInt(hours);
  const latest = await ctx.provider.provider!.getBlock("latest");
  const permit = await signPermit(token, ctx.renter, marketAddress, escrow, BigInt(latest!.timestamp) + 3600n);
  const rentReceipt = await (
    await market.connect(ctx.renter).rentWithPermit(offerId, hours, permit.deadline, permit.v, permit.r, permit.s)
  ).wait();
  const rented = rentReceipt!.logs.map((l) => market.interface.parseLog(l)).find((e) => e?.name === "LeaseRented");
  const tokenId = rented!.args.tokenId as bigint;
  log(`${renter} rented lease #${tokenId} for ${hours} h with a permit: ${formatUnits(escrow)} OPEN in escrow`);

  // 4. the lease NFT
  const owner = await dvm.ownerOf(tokenId);
  const metadata = decodeLeaseMetadata(await dvm.tokenURI(tokenId));
  const attrs = Object.fromEntries(metadata.attributes.map((a) => [a.trait_type, a.value]));
  log(
    `NFT #${tokenId} owned by ${owner}: "${metadata.name}", provider ${attrs.provider}, expiry ` +
      `${new Date(Number(attrs.expiry) * 1000).toISOString()}, canAccess(renter) = ${await dvm.canAccess(tokenId, renter)}`,
  );

  // 5. the rent's epoch: its uptime attested, then settled once the epoch after it is over
  const rentEpoch = (await market.leaseAccount(tokenId)).nextEpoch;
  const [recorded] = await market.attestedUptime(operator, rentEpoch);
  if (recorded === 0n || leaf.header.epoch !== rentEpoch) {
    const attested = await ctx.porLeaf(operator, rentEpoch);
    await (await market.proveResources(attested.header, operator, attested.resources, attested.proof)).wait();
  }
  const [uptimeBps] = await market.attestedUptime(operator, rentEpoch);
  log(`epoch ${rentEpoch}: uptime ${Number(uptimeBps) / 100}% attested; waiting for epoch ${rentEpoch + 2n} to settle`);
  await ctx.untilEpoch(rentEpoch + 2n);
  const before = await token.balanceOf(operator);
  const settleReceipt = await (await market.settle(tokenId, 1)).wait();
  const settled = settleReceipt!.logs
    .map((l) => market.interface.parseLog(l))
    .find((e) => e?.name === "LeaseEpochSettled");
  if (!settled) throw new Error(`lease #${tokenId}: epoch ${rentEpoch} did not settle`);
  const paid = settled.args.paidToProvider as bigint;
  const gained = (await token.balanceOf(operator)) - before;
  if (gained !== paid) throw new Error(`provider received ${gained} wei, the settlement says ${paid}`);
  log(
    `epoch ${rentEpoch} settled: provider paid ${formatUnits(paid)} OPEN, fee ${formatUnits(settled.args.fee as bigint)} ` +
      `OPEN to the rewards pool (once flushed), ${formatUnits(settled.args.refunded as bigint)} OPEN back to the renter`,
  );
  return {
    offerId,
    tokenId,
    escrowWei: escrow,
    metadata,
    settledEpoch: rentEpoch,
    uptimeBps,
    paidToProviderWei: paid,
    feeWei: settled.args.fee as bigint,
    refundedWei: settled.args.refunded as bigint,
  };
}
