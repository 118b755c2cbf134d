import { expect } from "chai";
import { Wallet, keccak256, toUtf8Bytes, Signature, recoverAddress } from "ethers";
import { headerHash, ZERO_HASH, type Header } from "../../../keeper/src/checkpoint/header.js";
import { rootOf } from "../../../keeper/src/checkpoint/leaves.js";
import {
  advanceLiveness,
  counts,
  livenessLeaves,
  type LivenessEntry,
} from "../../../keeper/src/checkpoint/liveness.js";
import {
  buildPayload,
  PayloadError,
  validatePayload,
  type CheckpointPayload,
  type Commit,
  type HeightContext,
} from "../../../keeper/src/checkpoint/payload.js";
import type { CheckpointPart, FaultLeaf, PayloadView } from "../../../keeper/src/checkpoint/part.js";
import { z } from "zod";
import { checkpointParts, livenessOf, type RewardsSlice } from "../../../keeper/src/checkpoint/parts/index.js";
import { livenessMatchesHeader } from "../../../keeper/src/checkpoint/parts/liveness-part.js";
import { computeRewards } from "../../../keeper/src/checkpoint/rewards.js";

const parts = checkpointParts();
const build = (ctx: HeightContext, c: Commit | null, closing?: PayloadView) => buildPayload(parts, ctx, c, closing);
const check = (ctx: HeightContext, p: CheckpointPayload) => validatePayload(parts, ctx, p);
const rewardsOf = (p: CheckpointPayload) => p.slices.rewards as RewardsSlice;
/** a decided payload holding only the liveness part's slice, as a parent */
const withLiveness = (liveness: LivenessEntry[]): PayloadView => ({
  header: {} as Header,
  slices: { liveness },
});

const wallets = [0, 1, 2, 3].map((i) => new Wallet(keccak256(toUtf8Bytes(`payload-${i}`))));
const members = wallets.map((w) => w.address.toLowerCase());
const stake = new Map(members.map((m, i) => [m, BigInt(i + 1) * 100n]));
// The commit "digest" in these unit tests is a plain hash of the commit fields; the keeper uses the
// EIP-712 vote digest of the checkpoint store.
const digestOf = (c: Commit) => keccak256(toUtf8Bytes(`${c.epoch}/${c.height}/${c.round}/${c.valueHash}`));

function commitBy(indices: number[], height: bigint, valueHash: string): Commit {
  const c: Commit = { epoch: 1n, height, round: 0, valueHash, signatures: [] };
  c.signatures = indices.map((i) => ({
    signer: members[i]!,
    ecdsa: wallets[i]!.signingKey.sign(digestOf(c)).serialized,
    bls: "0x",
  }));
  return c;
}

function ctxAt(height: bigint, parentHash: string, previousLiveness: LivenessEntry[] | undefined): HeightContext {
  return {
    chainId: 31337n,
    epoch: 1n,
    height,
    epochStartHeight: 1n,
    parentHash,
    parent: previousLiveness && withLiveness(previousLiveness),
    previousMembers: members,
    previousStake: stake,
    members,
    livenessWindow: 8,
    verifyCommitSignature: (c, s) => recoverAddress(digestOf(c), Signature.from(s.ecdsa)).toLowerCase() === s.signer,
  };
}

describe("checkpoint payload (roots recomputed from signed inputs)", () => {
  const parent = keccak256(toUtf8Bytes("parent"));
  const empty = advanceLiveness([], members, new Set(), 8, true).map((e) => ({ ...e, filled: 0, epochHeights: 0 }));

  it("a proposal built from a > 2/3 commit validates at every honest validator", () => {
    const ctx = ctxAt(2n, parent, empty);
    const p = build(ctx, commitBy([1, 2, 3], 1n, parent));
    expect(() => check(ctx, p)).to.not.throw();
    const missed = livenessOf(p).find((e) => e.signer === members[0])!;
    expect(counts(missed)).to.deep.equal({ signed: 0, missed: 1 });
    expect(p.header.livenessRoot).to.equal(rootOf("liveness", livenessLeaves(livenessOf(p))));
  });

  it("carries a snapshot of the previous commit: a late precommit joining it after the build changes nothing", () => {
    const ctx = ctxAt(2n, parent, empty);
    const decided = commitBy([1, 2, 3], 1n, parent);
    const p = build(ctx, decided);
    decided.signatures.push(commitBy([0], 1n, parent).signatures[0]!); // as recordVoteSig does
    expect(p.lastCommit!.signatures.map((s) => s.signer)).to.deep.equal([1, 2, 3].map((i) => members[i]));
    expect(() => check(ctx, p)).to.not.throw();
  });

  it("rejects a commit holding exactly 2/3 or less of the stake", () => {
    // stakes 100, 200, 300, 400: validators 0+3 hold 500 of 1000
    const ctx = ctxAt(2n, parent, empty);
    const p = build(ctx, commitBy([1, 2, 3], 1n, parent));
    p.lastCommit = commitBy([0, 3], 1n, parent);
    expect(() => check(ctx, p)).to.throw(PayloadError, "2/3");
  });

  it("a decided payload's liveness matches its header; an edited slice beside the signed header does not", () => {
    const ctx = ctxAt(2n, parent, empty);
    const p = build(ctx, commitBy([1, 2, 3], 1n, parent));
    expect(livenessMatchesHeader(p)).to.equal(true);
    // what a Byzantine peer could hand on with a real commit: the header (and its signatures) untouched
    const forged = livenessOf(p).map((e) => (e.signer === members[1] ? { ...e, bits: 0n } : e));
    expect(livenessMatchesHeader({ ...p, slices: { ...p.slices, liveness: forged } })).to.equal(false);
    expect(livenessMatchesHeader({ ...p, slices: { ...p.slices, liveness: [] } })).to.equal(false);
  });

  it("faultsRoot holds every part's fault leaves: two parts that find faults never overwrite each other", () => {
    const ctx = ctxAt(2n, parent, empty);
    const detail = (x: string) => keccak256(toUtf8Bytes(x));
    const faulty = (name: string, leaf: FaultLeaf): CheckpointPart<number, number> => ({
      name,
      roots: [],
      codec: { schema: z.number(), toJson: (x) => x, fromJson: (x) => x },
      propose: () => 0,
      validate: () => ({ faults: [leaf] }),
    });
    const a: FaultLeaf = [members[0]!, 1, detail("a")];
    const b: FaultLeaf = [members[1]!, 2, detail("b")];
    const both = [...parts, faulty("por-like", a), faulty("task-like", b)] as CheckpointPart[];
    const p = buildPayload(both, ctx, commitBy([1, 2, 3], 1n, parent));
    expect(p.header.faultsRoot).to.equal(rootOf("fault", [a, b]));
    expect(() => validatePayload(both, ctx, p)).to.not.throw();
    // a header carrying only one part's faults is refused
    const onlyA = { ...p, header: { ...p.header, faultsRoot: rootOf("fault", [a]) } };
    expect(() => validatePayload(both, ctx, onlyA)).to.throw(PayloadError, "faultsRoot");
  });

  it("rejects liveness the proposer edited (a validator shown as signing that did not)", () => {
    const ctx = ctxAt(2n, parent, empty);
    const p = build(ctx, commitBy([1, 2, 3], 1n, parent));
    const forged = livenessOf(p).map((e) => (e.signer === members[0] ? { ...e, bits: 1n } : e));
    expect(() => check(ctx, { ...p, slices: { ...p.slices, liveness: forged } })).to.throw(PayloadError, "liveness");
  });

  it("rejects a forged commit signature, a repeated signer and a wrong parent", () => {
    const ctx = ctxAt(2n, parent, empty);
    const good = build(ctx, commitBy([1, 2, 3], 1n, parent));
    const bad = structuredClone(good);
    bad.lastCommit!.signatures[0]!.ecdsa = wallets[0]!.signingKey.sign(parent).serialized;
    expect(() => check(ctx, bad)).to.throw(PayloadError, "signature");
    const dup = structuredClone(good);
    dup.lastCommit!.signatures.push(dup.lastCommit!.signatures[0]!);
    expect(() => check(ctx, dup)).to.throw(PayloadError, "repeats");
    const other = ctxAt(2n, keccak256("0x01"), empty);
    expect(() => check(other, good)).to.throw(PayloadError, "parentHash");
  });

  it("at an epoch start pays the finished epoch's rewards from the chain's closing liveness", () => {
    const closingLiveness = advanceLiveness(empty, members, new Set(members.slice(1)), 8, false);
    const closingHeader: Header = {
      chainId: 31337n,
      epoch: 1n,
      height: 9n,
      parentHash: ZERO_HASH,
      porRoot: ZERO_HASH,
      taskRoot: ZERO_HASH,
      livenessRoot: rootOf("liveness", livenessLeaves(closingLiveness)),
      rewardsRoot: ZERO_HASH,
      totalRewards: 0n,
      faultsRoot: ZERO_HASH,
    };
    const operators = members.map((_, i) => `0x${String(i + 1).padStart(40, "0")}`);
    const ctx: HeightContext = {
      ...ctxAt(10n, headerHash(closingHeader), []),
      epoch: 2n,
      epochStartHeight: 10n,
      parent: undefined,
      closingHeaderHash: headerHash(closingHeader),
      rewardsBudget: 1_000_000n,
      rewardMembers: members.map((signer, i) => ({ operator: operators[i]!, signer, stake: stake.get(signer)! })),
    };
    const p = build(ctx, null, { header: closingHeader, slices: { liveness: closingLiveness } });
    expect(() => check(ctx, p)).to.not.throw();
    expect(p.header.totalRewards).to.be.greaterThan(0n);
    expect(p.header.totalRewards).to.be.at.most(1_000_000n);
    expect(rewardsOf(p).leaves.map((r) => r.operator)).to.not.include(operators[0]); // it signed nothing
    // issue 15: a jailed or punished validator's window starts empty, because every window does at an
    // epoch start (jails are seen at epoch boundaries); the closing window is never provable again
    expect(livenessOf(p).map((e) => counts(e))).to.deep.equal(members.map(() => ({ signed: 0, missed: 0 })));
    expect(p.header.livenessRoot).to.not.equal(closingHeader.livenessRoot);
    const carried = structuredClone(p);
    carried.slices.liveness = structuredClone(closingLiveness);
    expect(() => check(ctx, carried)).to.throw(PayloadError, "liveness is not the expected update");
    const forged = structuredClone(p);
    rewardsOf(forged).closing!.liveness = advanceLiveness(empty, members, new Set(members), 8, false);
    expect(() => check(ctx, forged)).to.throw(PayloadError, "closing liveness");
  });
});

describe("checkpoint parts (no behaviour change from the pre-part payload)", () => {
  // header hashes the payload code built before liveness and rewards became parts (same inputs)
  it("yields the same header hashes as before for a mid-epoch height and an epoch start with rewards", () => {
    const parent = keccak256(toUtf8Bytes("parent"));
    const empty = advanceLiveness([], members, new Set(), 8, true).map((e) => ({ ...e, filled: 0, epochHeights: 0 }));
    const mid = build(
      { ...ctxAt(2n, parent, empty), verifyCommitSignature: () => true },
      commitBy([1, 2, 3], 1n, parent),
    );
    expect(headerHash(mid.header)).to.equal("0x2ec960c8ba037220367328f36c7da6ff5ec318ba12aa0c873db1edff4c954945");
    const closingLiveness = advanceLiveness(empty, members, new Set(members.slice(1)), 8, false);
    const closingHeader: Header = {
      ...mid.header,
      height: 9n,
      parentHash: ZERO_HASH,
      livenessRoot: rootOf("liveness", livenessLeaves(closingLiveness)),
    };
    const ctx: HeightContext = {
      ...ctxAt(10n, headerHash(closingHeader), undefined),
      epoch: 2n,
      epochStartHeight: 10n,
      closingHeaderHash: headerHash(closingHeader),
      rewardsBudget: 1_000_000n,
      rewardMembers: members.map((signer, i) => ({
        operator: `0x${String(i + 1).padStart(40, "0")}`,
        signer,
        stake: stake.get(signer)!,
      })),
    };
    const start = build(ctx, null, { header: closingHeader, slices: { liveness: closingLiveness } });
    expect(start.header.totalRewards).to.equal(999_999n);
    expect(headerHash(start.header)).to.equal("0x3208c43062962e2716f257f2f03dfbba02ff6586b83156eabe8f2f2122dc505f");
  });

  it("rejects a payload whose slices are not exactly this keeper's parts", () => {
    const parent = keccak256(toUtf8Bytes("parent"));
    const empty = advanceLiveness([], members, new Set(), 8, true).map((e) => ({ ...e, filled: 0, epochHeights: 0 }));
    const ctx = ctxAt(2n, parent, empty);
    const p = build(ctx, commitBy([1, 2, 3], 1n, parent));
    const { rewards: _dropped, ...withoutRewards } = p.slices;
    expect(() => check(ctx, { ...p, slices: withoutRewards })).to.throw(PayloadError, "parts");
    expect(() => check(ctx, { ...p, slices: { ...p.slices, extra: [] } })).to.throw(PayloadError, "parts");
  });

  it("rejects a header root no part yields (PoR, tasks, faults stay zero until their parts exist)", () => {
    const parent = keccak256(toUtf8Bytes("parent"));
    const empty = advanceLiveness([], members, new Set(), 8, true).map((e) => ({ ...e, filled: 0, epochHeights: 0 }));
    const ctx = ctxAt(2n, parent, empty);
    const p = build(ctx, commitBy([1, 2, 3], 1n, parent));
    expect(() => check(ctx, { ...p, header: { ...p.header, faultsRoot: parent } })).to.throw(
      PayloadError,
      "faultsRoot",
    );
  });
});

describe("rewards split (property)", () => {
  it("never pays more than the budget and pays in proportion to stake x signed heights", () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed);
    for (let run = 0; run < 500; run++) {
      const n = 1 + (rand() % 20);
      const budget = BigInt(rand()) * BigInt(rand());
      const ms = Array.from({ length: n }, (_, i) => ({
        operator: `0x${String(i + 1).padStart(40, "0")}`,
        signer: `0x${String(i + 100).padStart(40, "0")}`,
        stake: BigInt(1 + (rand() % 1_000_000)) * 10n ** 18n,
      }));
      const signed = new Map(ms.map((m) => [m.signer, rand() % 101]));
      const { leaves, total } = computeRewards(budget, ms, signed);
      expect(total <= budget, `run ${run}`).to.equal(true);
      expect(leaves.reduce((s, l) => s + l.amount, 0n)).to.equal(total);
      leaves.forEach((l, i) => expect(l.index).to.equal(i));
    }
  });
});
