import { expect } from "chai";
import { Wallet, keccak256, toUtf8Bytes } from "ethers";
import { headerHash, ZERO_HASH, type Header } from "../../../keeper/src/checkpoint/header.js";
import { resourceLeaf, rootOf } from "../../../keeper/src/checkpoint/leaves.js";
import { advanceLiveness, livenessLeaves } from "../../../keeper/src/checkpoint/liveness.js";
import {
  buildPayload,
  PayloadError,
  validatePayload,
  type HeightContext,
} from "../../../keeper/src/checkpoint/payload.js";
import { checkpointParts, type RewardsSlice } from "../../../keeper/src/checkpoint/parts/index.js";
import {
  capacityScore,
  computeRewards,
  type ProvenService,
  type RewardMember,
  type ServiceRewardParams,
} from "../../../keeper/src/checkpoint/rewards.js";

/** RewardsDistributor's defaults */
const PARAMS: ServiceRewardParams = {
  serviceShareBps: 5_000,
  cpuWeightBps: 3_000,
  memoryWeightBps: 2_000,
  storageWeightBps: 2_000,
  bandwidthWeightBps: 2_000,
  latencyWeightBps: 1_000,
  refCpuCores: 8n,
  refBandwidthMbps: 1_000n,
  refLatencyUs: 50_000n,
  refMemoryMiB: 16_384n,
  refStorageGiB: 1_024n,
};
const REFERENCE = { cpuCores: 8, bandwidthMbps: 1_000, memoryMiB: 16_384, storageGiB: 1_024, latencyUs: 50_000 };

let seed = 7;
const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
const addr = (i: number) => `0x${i.toString(16).padStart(40, "0")}`;

function randomCase() {
  const n = 1 + rand(20);
  const members: RewardMember[] = Array.from({ length: n }, (_, i) => ({
    operator: addr(i + 1),
    signer: addr(i + 1001),
    stake: BigInt(1 + rand(1_000_000)) * 10n ** 18n,
  }));
  const signed = new Map(members.map((m) => [m.signer, rand(101)]));
  const proven: ProvenService[] = members
    .filter(() => rand(3) > 0)
    .map((m) => ({
      operator: m.operator,
      cpuCores: rand(64),
      bandwidthMbps: rand(10_000),
      memoryMiB: rand(1 << 20),
      storageGiB: rand(1 << 14),
      latencyUs: rand(200_000),
      uptimeBps: rand(10_001),
    }));
  const params: ServiceRewardParams = { ...PARAMS, serviceShareBps: rand(8_001) };
  const budget = BigInt(rand(2 ** 31)) * BigInt(rand(2 ** 31)) * 10n ** 6n;
  return { members, signed, proven, params, budget };
}

describe("rewards split between security and service (property)", () => {
  it("never pays more than the budget, loses at most rounding, and a pool nobody earns from goes to the other", () => {
    for (let run = 0; run < 400; run++) {
      const { members, signed, proven, params, budget } = randomCase();
      const r = computeRewards(budget, members, signed, { params, proven });
      const msg = `run ${run}`;
      expect(r.total <= budget, msg).to.equal(true);
      expect(
        r.leaves.reduce((s, l) => s + l.amount, 0n),
        msg,
      ).to.equal(r.total);
      r.leaves.forEach((l, i) => {
        expect(l.index, msg).to.equal(i);
        expect(l.service <= l.amount, msg).to.equal(true);
      });
      expect(r.securityPool + r.servicePool <= budget, msg).to.equal(true);
      // each pool loses less than 1 wei per member to flooring; a pool is only empty when nobody earns from it
      if (r.securityPool + r.servicePool > 0n) {
        expect(budget - r.total < 2n * BigInt(members.length), msg).to.equal(true);
        expect(r.securityPool + r.servicePool, msg).to.equal(budget);
      }
      const securityOnly = computeRewards(budget, members, signed);
      const noService = r.leaves.every((l) => l.service === 0n);
      if (r.servicePool === 0n) expect(r.leaves, msg).to.deep.equal(securityOnly.leaves);
      else
        expect(r.servicePool, msg).to.equal(
          securityOnly.total === 0n ? budget : (budget * BigInt(params.serviceShareBps)) / 10_000n,
        );
      // a member without a porRoot leaf gets only its security share
      const provenOps = new Set(proven.map((l) => l.operator));
      for (const l of r.leaves) if (!provenOps.has(l.operator)) expect(l.service, msg).to.equal(0n);
      if (noService) expect(r.servicePool, msg).to.equal(0n);
    }
  });

  it("is deterministic: the order of the proven leaves does not matter", () => {
    for (let run = 0; run < 100; run++) {
      const { members, signed, proven, params, budget } = randomCase();
      const a = computeRewards(budget, members, signed, { params, proven });
      const b = computeRewards(budget, members, signed, { params, proven: [...proven].reverse() });
      expect(a).to.deep.equal(b);
    }
  });

  it("more proven capacity or uptime never lowers a member's reward", () => {
    for (let run = 0; run < 200; run++) {
      const { members, signed, proven, params, budget } = randomCase();
      if (proven.length === 0) continue;
      const i = rand(proven.length);
      const more = proven.map((l, j) =>
        j === i
          ? { ...l, storageGiB: l.storageGiB + 1 + rand(1000), uptimeBps: Math.min(10_000, l.uptimeBps + rand(100)) }
          : l,
      );
      const op = proven[i]!.operator;
      const before = computeRewards(budget, members, signed, { params, proven }).leaves.find((l) => l.operator === op);
      const after = computeRewards(budget, members, signed, { params, proven: more }).leaves.find(
        (l) => l.operator === op,
      );
      expect((after?.amount ?? 0n) >= (before?.amount ?? 0n), `run ${run}`).to.equal(true);
    }
  });

  it("a capacity score is linear in capacity: one machine split into two identities scores what it scores whole", () => {
    const whole = {
      operator: addr(1),
      ...REFERENCE,
      cpuCores: 16,
      memoryMiB: 32_768,
      latencyUs: 20_000,
      uptimeBps: 10_000,
    };
    const half = { ...whole, cpuCores: 8, memoryMiB: 16_384, storageGiB: 512, bandwidthMbps: 500 };
    // capacities add up; latency is a quality, not a capacity: it counts once
    const capacities = capacityScore({ ...half, latencyUs: 0 }, PARAMS);
    const halves = 2n * capacities + (capacityScore(half, PARAMS) - capacities);
    expect(capacityScore({ ...whole, storageGiB: 1_024, bandwidthMbps: 1_000 }, PARAMS)).to.equal(halves);
    // the reference node scores 10,000 bps x 10^6; a slower link than the reference loses latency score
    expect(capacityScore({ operator: addr(1), ...REFERENCE, uptimeBps: 0 }, PARAMS)).to.equal(10_000n * 1_000_000n);
    expect(capacityScore({ operator: addr(1), ...REFERENCE, latencyUs: 100_000, uptimeBps: 0 }, PARAMS)).to.equal(
      9_500n * 1_000_000n,
    );
    expect(capacityScore({ operator: addr(1), ...REFERENCE, latencyUs: 0, uptimeBps: 0 }, PARAMS)).to.equal(
      9_000n * 1_000_000n,
    );
  });

  it("with equal stake and signatures, the member that proved the reference node out-earns one that proved nothing by the whole service pool", () => {
    const members = [1, 2].map((i) => ({ operator: addr(i), signer: addr(i + 1000), stake: 100n }));
    const signed = new Map(members.map((m) => [m.signer, 100]));
    const proven = [{ operator: addr(1), ...REFERENCE, uptimeBps: 9_000 }];
    const r = computeRewards(1_000_000n, members, signed, { params: PARAMS, proven });
    expect(r.leaves.map((l) => [l.amount, l.service])).to.deep.equal([
      [750_000n, 500_000n],
      [250_000n, 0n],
    ]);
  });
});

describe("rewards part: the split from the closing header's certified porRoot", () => {
  const wallets = [0, 1, 2, 3].map((i) => new Wallet(keccak256(toUtf8Bytes(`split-${i}`))));
  const signers = wallets.map((w) => w.address.toLowerCase());
  const operators = signers.map((_, i) => addr(i + 1));
  const stake = new Map(signers.map((s) => [s, 100n]));
  const empty = advanceLiveness([], signers, new Set(), 8, true).map((e) => ({ ...e, filled: 0, epochHeights: 0 }));
  const closingLiveness = advanceLiveness(empty, signers, new Set(signers), 8, false);
  const proven: ProvenService[] = [
    { operator: operators[0]!, ...REFERENCE, uptimeBps: 10_000 },
    { operator: operators[1]!, ...REFERENCE, storageGiB: 0, uptimeBps: 5_000 },
  ];
  const leafValues = (ls: ProvenService[]) =>
    ls.map((l) =>
      resourceLeaf(l.operator, {
        cpuCores: BigInt(l.cpuCores),
        bandwidthMbps: BigInt(l.bandwidthMbps),
        memoryMiB: BigInt(l.memoryMiB),
        storageGiB: BigInt(l.storageGiB),
        latencyUs: BigInt(l.latencyUs),
        uptimeBps: BigInt(l.uptimeBps),
      }),
    );
  const closingWith = (porRoot: string): Header => ({
    chainId: 31337n,
    epoch: 1n,
    height: 9n,
    parentHash: ZERO_HASH,
    porRoot,
    taskRoot: ZERO_HASH,
    livenessRoot: rootOf("liveness", livenessLeaves(closingLiveness)),
    rewardsRoot: ZERO_HASH,
    totalRewards: 0n,
    faultsRoot: ZERO_HASH,
  });
  const ctxFor = (closing: Header, params: ServiceRewardParams | undefined): HeightContext => ({
    chainId: 31337n,
    epoch: 2n,
    height: 10n,
    epochStartHeight: 10n,
    parentHash: headerHash(closing),
    previousMembers: signers,
    previousStake: stake,
    members: signers,
    livenessWindow: 8,
    closingHeaderHash: headerHash(closing),
    rewardsBudget: 1_000_000n,
    rewardMembers: signers.map((signer, i) => ({ operator: operators[i]!, signer, stake: 100n })),
    serviceRewards: params,
    verifyCommitSignature: () => true,
  });
  const rewardsOf = (p: { slices: Record<string, unknown> }) => p.slices.rewards as RewardsSlice;

  it("pays the service pool by proven capacity x uptime; a validator with no PoR state checks it from the slice alone", () => {
    const closing = closingWith(rootOf("resource", leafValues(proven)));
    const ctx = ctxFor(closing, PARAMS);
    const proposer = checkpointParts({
      proven: (h) => (h === headerHash(closing) ? [...proven].reverse() : undefined),
    });
    const p = buildPayload(proposer, ctx, null, { header: closing, slices: { liveness: closingLiveness } });
    // 500,000 for security (equal stake, all signed: 125,000 each); service: scores 10,000 x 1 and 8,000 x 0.5
    expect(rewardsOf(p).leaves.map((l) => [l.operator, l.amount, l.service])).to.deep.equal([
      [operators[0], 125_000n + 357_142n, 357_142n],
      [operators[1], 125_000n + 142_857n, 142_857n],
      [operators[2], 125_000n, 0n],
      [operators[3], 125_000n, 0n],
    ]);
    expect(p.header.totalRewards).to.equal(999_999n);
    expect(() => validatePayload(checkpointParts(), ctx, structuredClone(p))).to.not.throw();
  });

  it("refuses forged or unordered closing leaves and an edited split; a proposer without the leaves proposes nothing", () => {
    const closing = closingWith(rootOf("resource", leafValues(proven)));
    const ctx = ctxFor(closing, PARAMS);
    const p = buildPayload(checkpointParts({ proven: () => proven }), ctx, null, {
      header: closing,
      slices: { liveness: closingLiveness },
    });
    const validator = checkpointParts();
    const inflated = structuredClone(p);
    rewardsOf(inflated).closing!.proven[1]!.storageGiB = 1_024;
    expect(() => validatePayload(validator, ctx, inflated)).to.throw(PayloadError, "porRoot");
    const dropped = structuredClone(p);
    rewardsOf(dropped).closing!.proven = [];
    expect(() => validatePayload(validator, ctx, dropped)).to.throw(PayloadError, "porRoot");
    const unordered = structuredClone(p);
    rewardsOf(unordered).closing!.proven.reverse();
    expect(() => validatePayload(validator, ctx, unordered)).to.throw(PayloadError, "ascending");
    const moved = structuredClone(p);
    rewardsOf(moved).leaves[0]!.service -= 1n;
    expect(() => validatePayload(validator, ctx, moved)).to.throw(PayloadError, "reward leaves");
    expect(() =>
      buildPayload(checkpointParts(), ctx, null, { header: closing, slices: { liveness: closingLiveness } }),
    ).to.throw(PayloadError, "porRoot leaves");
  });

  it("with PoR off (porRoot zero) the service pool is not lost: the whole budget pays security", () => {
    const closing = closingWith(ZERO_HASH);
    const ctx = ctxFor(closing, PARAMS);
    const p = buildPayload(checkpointParts(), ctx, null, { header: closing, slices: { liveness: closingLiveness } });
    expect(rewardsOf(p).leaves.map((l) => [l.amount, l.service])).to.deep.equal(operators.map(() => [250_000n, 0n]));
    expect(p.header.totalRewards).to.equal(1_000_000n);
  });
});
