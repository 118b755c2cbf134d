// The PoR checkpoint part on its own: two validators derive the same porRoot and faultsRoot from a
// proposal (one fetching the reports it lacks), malformed slices are invalid, and the below-claim
// fault needs the previous epoch's leaves. Chain reads come from an in-memory PorChain (the e2e
// test runs the part on a real chain); reports are really signed and checked by the pool.
import { expect } from "chai";
import { Wallet } from "ethers";
import { ZERO_HASH, checkpointDomain, headerHash, type Header } from "../../../keeper/src/checkpoint/header.js";
import { rootOf } from "../../../keeper/src/checkpoint/leaves.js";
import {
  PartUnavailable,
  type FaultLeaf,
  type PartContext,
  type PartHost,
} from "../../../keeper/src/checkpoint/part.js";
import { PayloadError } from "../../../keeper/src/checkpoint/payload.js";
import { verifiersOf } from "../../../keeper/src/por/assignment.js";
import { EpochBook, type PorChain } from "../../../keeper/src/por/epochs.js";
import { POR_FAULT } from "../../../keeper/src/por/faults.js";
import type { Claims } from "../../../keeper/src/por/params.js";
import type { ResourceLeaf } from "../../../keeper/src/por/aggregate.js";
import { leafOf, PorPart } from "../../../keeper/src/por/part.js";
import { ReportPool } from "../../../keeper/src/por/pool.js";
import { reportId, signReport, type PorReportBody } from "../../../keeper/src/por/report.js";
import { porReportTopic } from "../../../keeper/src/por/topics.js";

const domain = checkpointDomain(31337n, "0x" + "cc".repeat(20));
const signers = Array.from({ length: 4 }, () => Wallet.createRandom());
const operators = signers.map(() => Wallet.createRandom().address.toLowerCase());
const LIAR = operators[3]!;
const claims: Claims = { cpuCores: 2, memoryMiB: 64, storageGiB: 4, bandwidthMbps: 10 };
const seedOf = (epoch: number) => "0x" + String(epoch).padStart(2, "0").repeat(32);

const chain: PorChain = {
  currentEpoch: async () => 2n,
  epochStart: async (epoch) => ({
    parentHash: seedOf(Number(epoch)),
    set: {
      validators: operators.map((operator, i) => ({ operator, signer: signers[i]!.address })),
      blockNumber: Number(epoch),
    },
  }),
  claimsAt: async () => claims,
};

/** Every assigned verifier's signed report on every operator; the liar keeps a quarter of its storage. */
function reportsOf(epoch: number) {
  return operators.flatMap((operator) =>
    verifiersOf(seedOf(epoch), operator, operators, 3).map((verifier) => {
      const body: PorReportBody = {
        epoch,
        operator,
        verifier,
        seed: seedOf(epoch),
        ...claims,
        storageGiB: operator === LIAR ? 1 : claims.storageGiB,
        latencyUs: 800,
        failed: 0,
        missed: 0,
      };
      return signReport(domain, body, signers[operators.indexOf(verifier)]!.privateKey);
    }),
  );
}

/** what a keeper's store holds of PoR leaves (the service keeps them in LevelDB) */
type LeavesStore = Map<number, ResourceLeaf[]>;

function keeper(fetchFrom?: () => ReportPool, stored?: LeavesStore) {
  const book = new EpochBook(chain);
  const pool = new ReportPool(domain, 3, (e) => book.load(e));
  const part = new PorPart({
    pool,
    book,
    topic: porReportTopic(domain, {}),
    fetch: async (_from, ids) => {
      for (const id of ids) await pool.add(fetchFrom!().get(id)!, { named: true });
    },
    ...(stored && {
      leavesStore: {
        save: async (epoch, leaves) => void stored.set(epoch, structuredClone(leaves)),
        restore: async () => new Map(stored),
      },
    }),
  });
  return { book, pool, part };
}

/** the part's own start needs no mesh (PorPart.start only restores leaves when no service is wired) */
const NO_HOST = {} as PartHost;

const ctxOf = (epoch: number, height: bigint): PartContext => ({
  chainId: 31337n,
  epoch: BigInt(epoch),
  height,
  epochStartHeight: height,
  isEpochStart: true,
  parentHash: ZERO_HASH,
  members: signers.map((s) => s.address.toLowerCase()),
  lastCommit: null,
  livenessWindow: 64,
});

const headerOf = (ctx: PartContext, roots: { porRoot?: string; faults?: FaultLeaf[] }): Header => ({
  chainId: ctx.chainId,
  epoch: ctx.epoch,
  height: ctx.height,
  parentHash: ctx.parentHash,
  porRoot: roots.porRoot ?? ZERO_HASH,
  taskRoot: ZERO_HASH,
  livenessRoot: ZERO_HASH,
  rewardsRoot: ZERO_HASH,
  totalRewards: 0n,
  faultsRoot: rootOf("fault", roots.faults ?? []),
});

describe("PoR checkpoint part (porRoot and faultsRoot from the epoch's signed reports)", () => {
  it("two validators derive the same roots from a proposal; the one lacking the reports fetches them by id", async () => {
    const a = keeper();
    const b = keeper(() => a.pool);
    for (const r of reportsOf(1)) expect((await a.pool.add(r)).ok).to.equal(true);
    const ctx = ctxOf(1, 1n);
    const slice = a.part.propose(ctx);
    expect(slice.added).to.have.length(12);
    expect(() => b.part.validate(ctx, slice)).to.throw(PartUnavailable);
    await b.part.prefetch({ epoch: 1n, height: 1n, from: operators[0]! }, slice);
    await a.book.load(1);
    const roots = a.part.validate(ctx, slice);
    expect(b.part.validate(ctx, slice)).to.deep.equal(roots);
    expect(roots.porRoot).to.not.equal(ZERO_HASH);
    expect(roots.faults).to.deep.equal([]); // below claim in the first epoch only: no fault
    // once decided, the header's leaves are served for the next epoch's rewards (they hash to its porRoot)
    const header = headerOf(ctx, roots);
    expect(a.part.provenAt(headerHash(header))).to.equal(undefined);
    a.part.onDecided({ header }, slice);
    const proven = a.part.provenAt(headerHash(header))!;
    expect(proven.map((l) => l.operator)).to.have.members(operators);
    expect(rootOf("resource", proven.map(leafOf))).to.equal(roots.porRoot);
  });

  it("a slice with ids out of order, added twice, or of another epoch is invalid", async () => {
    const a = keeper();
    for (const r of reportsOf(1)) await a.pool.add(r);
    await a.book.load(1);
    const ctx = ctxOf(1, 1n);
    const { added } = a.part.propose(ctx);
    expect(() => a.part.validate(ctx, { epoch: 1, added: [...added].reverse() })).to.throw(PayloadError);
    expect(() => a.part.validate(ctx, { epoch: 1, added: [added[0]!, added[0]!] })).to.throw(PayloadError);
    expect(() => a.part.validate(ctx, { epoch: 2, added })).to.throw(PayloadError);
  });

  it("a verifier that equivocates splits no one out: the keeper that kept the other version first validates the certified one, never proposes it again, and a slice with both is invalid", async () => {
    const a = keeper();
    const b = keeper(() => a.pool);
    const reports = reportsOf(1);
    const certified = reports[0]!;
    const verifierKey = signers[operators.indexOf(certified.report.verifier)]!.privateKey;
    const other = signReport(domain, { ...certified.report, latencyUs: certified.report.latencyUs + 100 }, verifierKey);
    for (const r of reports) await a.pool.add(r);
    // b saw the other version first: gossip of the certified one is refused as equivocation
    expect((await b.pool.add(other)).ok).to.equal(true);
    for (const r of reports.slice(1)) await b.pool.add(r);
    const refused = await b.pool.add(certified);
    expect(refused).to.deep.include({ ok: false, equivocation: true });
    await a.book.load(1);
    await b.book.load(1);

    const ctx = ctxOf(1, 1n);
    const slice = a.part.propose(ctx);
    expect(slice.added).to.include(reportId(domain, certified));
    expect(() => b.part.validate(ctx, slice)).to.throw(PartUnavailable);
    await b.part.prefetch({ epoch: 1n, height: 1n, from: operators[0]! }, slice);
    const roots = a.part.validate(ctx, slice);
    expect(b.part.validate(ctx, slice)).to.deep.equal(roots);

    // both versions named in one epoch: invalid for everyone, whatever each pool holds
    await a.pool.add(other, { named: true });
    const both = { epoch: 1, added: [...slice.added, reportId(domain, other)].sort() };
    expect(() => a.part.validate(ctx, both)).to.throw(PayloadError, /one verifier/);
    expect(() => b.part.validate(ctx, both)).to.throw(PayloadError, /one verifier/);

    // after the certified version is decided, b's proposals never add its own first version
    const header = headerOf(ctx, roots);
    b.part.onDecided({ header }, slice);
    const next: PartContext = {
      ...ctxOf(1, 2n),
      epochStartHeight: 1n,
      isEpochStart: false,
      parentHash: headerHash(header),
    };
    expect(b.part.propose(next).added).to.deep.equal([]);
  });

  it("below claim two epochs in a row: the liar's storage fault is in faultsRoot; without epoch 1's leaves a keeper cannot check it, with the ones it stored before a restart it can", async () => {
    const stored: LeavesStore = new Map();
    const a = keeper(undefined, stored);
    for (const r of [...reportsOf(1), ...reportsOf(2)]) await a.pool.add(r);
    await a.book.load(1);
    await a.book.load(2);
    const ctx1 = ctxOf(1, 1n);
    const slice1 = a.part.propose(ctx1);
    a.part.onDecided({ header: headerOf(ctx1, a.part.validate(ctx1, slice1)) }, slice1);

    const ctx2 = ctxOf(2, 2n);
    const slice2 = a.part.propose(ctx2);
    const roots = a.part.validate(ctx2, slice2);
    a.part.onDecided({ header: headerOf(ctx2, roots) }, slice2);
    const decided = a.part.decided.get(2)!;
    expect(decided.faults.map((f) => [f.operator, f.kind, f.mask])).to.deep.equal([[LIAR, POR_FAULT.belowClaim, 4]]);
    expect(decided.faults[0]!.signer).to.equal(signers[3]!.address.toLowerCase());
    const leaves = decided.faults.map((f) => [f.signer, f.kind, f.detailsHash]);
    expect(roots.faults).to.deep.equal(leaves);
    expect(decided.faultsRoot).to.equal(rootOf("fault", leaves));

    // a keeper that starts in epoch 2 (no decided epoch 1) cannot tell whether the fault is due
    const fresh = keeper();
    for (const r of reportsOf(2)) await fresh.pool.add(r);
    await fresh.book.load(2);
    expect(() => fresh.part.validate(ctx2, slice2)).to.throw(PartUnavailable, /below-claim check/);

    // restarted: the same keeper's store still holds epoch 1's leaves
    expect([...stored.keys()]).to.deep.equal([1, 2]);
    const restarted = keeper(undefined, stored);
    await restarted.part.start(NO_HOST);
    for (const r of reportsOf(2)) await restarted.pool.add(r);
    await restarted.book.load(2);
    expect(restarted.part.validate(ctx2, slice2)).to.deep.equal(roots);
  });

  it("applies the governed rules read at the epoch's start block: a quorum of 3 leaves out an operator with 2 reports", async () => {
    const rulesAt = new Map<number, number>([
      [1, 2],
      [2, 3],
    ]);
    const governed: PorChain = {
      ...chain,
      porRulesAt: async (block) => ({ verifiers: 3, quorum: rulesAt.get(block)!, tolerancePct: 20 }),
    };
    const book = new EpochBook(governed, { verifiers: 3, quorum: 1, tolerancePct: 0 });
    const pool = new ReportPool(domain, 3, (e) => book.load(e));
    const part = new PorPart({ pool, book, topic: porReportTopic(domain, {}), fetch: async () => undefined });
    // operator 0 gets only 2 of its 3 reports in both epochs
    const dropped = (e: number) => reportsOf(e).filter((r) => r.report.operator === operators[0]!)[0]!.report.verifier;
    for (const e of [1, 2]) {
      const skip = dropped(e);
      for (const r of reportsOf(e))
        if (!(r.report.operator === operators[0] && r.report.verifier === skip)) await pool.add(r);
    }
    expect((await book.load(1))!.quorum).to.equal(2); // the chain's, not the fallback's 1
    await book.load(2);
    const ctx1 = ctxOf(1, 1n);
    const slice1 = part.propose(ctx1);
    const roots1 = part.validate(ctx1, slice1);
    part.onDecided({ header: headerOf(ctx1, roots1) }, slice1);
    expect(part.decided.get(1)!.leaves.map((l) => l.operator)).to.include(operators[0]);
    const ctx2 = ctxOf(2, 2n);
    const slice2 = part.propose(ctx2);
    part.onDecided({ header: headerOf(ctx2, part.validate(ctx2, slice2)) }, slice2);
    const leaves2 = part.decided.get(2)!.leaves.map((l) => l.operator);
    expect(leaves2).to.have.length(3);
    expect(leaves2).to.not.include(operators[0]);
  });
});
