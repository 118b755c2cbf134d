// The value validators agree on at each height: a checkpoint header, the commit of the previous
// height, and one slice per checkpoint part (part.ts) from which every validator recomputes the
// header's roots before prevoting:
//
//   liveness   <- previous decided liveness advanced by lastCommit (precommits of height - 1,
//                 ECDSA-verified, > 2/3 of that height's stake)
//   rewards    <- only at an epoch's first height: the previous epoch's budget split by
//                 stake x signed heights of the closing liveness, which must hash to the
//                 livenessRoot of the last header certified on chain in that epoch
//   porRoot, taskRoot, faultsRoot: zero until parts yield them (docs/checkpoints.md)
//
// The host here owns the header's chain fields and lastCommit; the parts own everything else.
import { ZERO_HASH, type Header } from "./header.js";
import { rootOf } from "./leaves.js";
import type { CheckpointPart, FaultLeaf, PartContext, PartRoots, PayloadView, RootField } from "./part.js";
import type { RewardMember, ServiceRewardParams } from "./rewards.js";

export interface CommitSignature {
  /** lowercase signer address */
  signer: string;
  /** 65-byte ECDSA signature over the precommit digest */
  ecdsa: string;
  /** 128-byte BLS signature over the same digest, hex */
  bls: string;
}

/** The precommits that decided a height: proof of who signed, for liveness. */
export interface Commit {
  epoch: bigint;
  height: bigint;
  round: number;
  valueHash: string;
  signatures: CommitSignature[];
}

export interface CheckpointPayload extends PayloadView {
  header: Header;
  lastCommit: Commit | null;
  /** each part's slice, by part name (decoded) */
  slices: Record<string, unknown>;
}

/** What a validator knows when it builds or checks the value of a height. */
export interface HeightContext {
  chainId: bigint;
  epoch: bigint;
  height: bigint;
  /** first height of the epoch (chain's latest certified height at the epoch start + 1) */
  epochStartHeight: bigint;
  /** hash of the decided header of height - 1 (at an epoch start: the latest certified on chain) */
  parentHash: string;
  /** decided payload of height - 1 in this epoch, if held */
  parent?: PayloadView;
  /** lowercase signers of height - 1's validator set (to check lastCommit) */
  previousMembers?: string[];
  /** lowercase signers of the previous epoch's validator set */
  previousEpochMembers?: readonly string[];
  /** stake of each previous member, for the lastCommit quorum */
  previousStake?: ReadonlyMap<string, bigint>;
  /** signers of this height's validator set, lowercase */
  members: string[];
  /** sliding liveness window */
  livenessWindow: number;
  /** at an epoch start: hash of the chain's last certified header (if any) */
  closingHeaderHash?: string;
  /** at an epoch start: the rewards budget and members of the epoch that just ended */
  rewardsBudget?: bigint;
  rewardMembers?: RewardMember[];
  /** at an epoch start: the governed security/service split of the rewards */
  serviceRewards?: ServiceRewardParams;
  /** verifies one ECDSA precommit signature of `commit` by `signer` */
  verifyCommitSignature(commit: Commit, sig: CommitSignature): boolean;
}

export class PayloadError extends Error {
  override name = "PayloadError";
}

const ROOT_FIELDS: ReadonlyArray<RootField | "faultsRoot"> = [
  "porRoot",
  "taskRoot",
  "livenessRoot",
  "rewardsRoot",
  "totalRewards",
  "faultsRoot",
];

function isEpochStart(ctx: HeightContext): boolean {
  return ctx.height === ctx.epochStartHeight;
}

function partContext(ctx: HeightContext, lastCommit: Commit | null, closing?: PayloadView): PartContext {
  return {
    chainId: ctx.chainId,
    epoch: ctx.epoch,
    height: ctx.height,
    epochStartHeight: ctx.epochStartHeight,
    isEpochStart: isEpochStart(ctx),
    parentHash: ctx.parentHash,
    members: ctx.members,
    previousMembers: ctx.previousMembers,
    previousEpochMembers: ctx.previousEpochMembers,
    parent: ctx.parent,
    lastCommit,
    closingHeaderHash: ctx.closingHeaderHash,
    closing,
    livenessWindow: ctx.livenessWindow,
    rewardsBudget: ctx.rewardsBudget,
    rewardMembers: ctx.rewardMembers,
    serviceRewards: ctx.serviceRewards,
  };
}

type HeaderRoots = Pick<Header, RootField | "faultsRoot">;

/**
 * Adds a part's roots to the header's: only the fields it declared; its fault leaves join the
 * others' (faultsRoot is computed once every part has run, by finishRoots).
 */
function addRoots(acc: { roots: HeaderRoots; faults: FaultLeaf[] }, part: CheckpointPart, yielded: PartRoots): void {
  const { faults, ...roots } = yielded;
  for (const k of Object.keys(roots)) {
    if (!part.roots.includes(k as RootField))
      throw new Error(`part ${part.name} yields ${k}, which it did not declare`);
  }
  Object.assign(acc.roots, roots);
  if (faults) acc.faults.push(...faults);
}

function finishRoots(acc: { roots: HeaderRoots; faults: FaultLeaf[] }): HeaderRoots {
  return { ...acc.roots, faultsRoot: rootOf("fault", acc.faults) };
}

/** The header fields every part leaves alone: zero. */
const ZERO_ROOTS: HeaderRoots = {
  porRoot: ZERO_HASH,
  taskRoot: ZERO_HASH,
  livenessRoot: ZERO_HASH,
  rewardsRoot: ZERO_HASH,
  totalRewards: 0n,
  faultsRoot: ZERO_HASH,
};

/** Checks a commit of height - 1: right height and value, valid signatures, > 2/3 of the stake, no repeats. */
export function checkCommit(ctx: HeightContext, commit: Commit): void {
  if (commit.height !== ctx.height - 1n) throw new PayloadError(`lastCommit is for height ${commit.height}`);
  if (commit.valueHash !== ctx.parentHash) throw new PayloadError("lastCommit is not for the parent header");
  const stake = ctx.previousStake ?? new Map<string, bigint>();
  const seen = new Set<string>();
  let signed = 0n;
  for (const sig of commit.signatures) {
    const signer = sig.signer.toLowerCase();
    if (seen.has(signer)) throw new PayloadError(`lastCommit repeats ${signer}`);
    seen.add(signer);
    const power = stake.get(signer);
    if (power === undefined) throw new PayloadError(`lastCommit signer ${signer} is not a validator`);
    if (!ctx.verifyCommitSignature(commit, sig)) throw new PayloadError(`bad lastCommit signature of ${signer}`);
    signed += power;
  }
  const total = [...stake.values()].reduce((s, p) => s + p, 0n);
  if (signed * 3n <= total * 2n) throw new PayloadError("lastCommit holds 2/3 of the stake or less");
}

/**
 * Builds this node's proposal for the height (PrepareProposal). At an epoch start, `closing` is the
 * decided payload whose header hash the chain holds as its latest checkpoint.
 */
export function buildPayload(
  parts: readonly CheckpointPart[],
  ctx: HeightContext,
  lastCommit: Commit | null,
  closing?: PayloadView,
): CheckpointPayload {
  const start = isEpochStart(ctx);
  // a copy: late precommits keep joining the decided height's commit, and the proposal must carry
  // exactly the signers its parts were computed from, whenever it is serialized
  const commit = start || !lastCommit ? null : { ...lastCommit, signatures: [...lastCommit.signatures] };
  if (!start && !commit) throw new PayloadError("cannot propose without the commit of the previous height");
  const pctx = partContext(ctx, commit, start ? closing : undefined);
  const slices: Record<string, unknown> = {};
  const acc = { roots: { ...ZERO_ROOTS }, faults: [] as FaultLeaf[] };
  for (const part of parts) {
    const slice = part.propose(pctx);
    slices[part.name] = slice;
    addRoots(acc, part, part.validate(pctx, slice));
  }
  const header: Header = {
    chainId: ctx.chainId,
    epoch: ctx.epoch,
    height: ctx.height,
    parentHash: ctx.parentHash,
    ...finishRoots(acc),
  };
  return { header, lastCommit: commit, slices };
}

/**
 * Throws PayloadError (or PartUnavailable) with the reason when the payload is not one this node
 * would accept (ProcessProposal): chain fields, lastCommit, then each part's slice and roots.
 */
export function validatePayload(parts: readonly CheckpointPart[], ctx: HeightContext, p: CheckpointPayload): void {
  const h = p.header;
  if (h.chainId !== ctx.chainId) throw new PayloadError(`chainId ${h.chainId}`);
  if (h.epoch !== ctx.epoch) throw new PayloadError(`epoch ${h.epoch}, expected ${ctx.epoch}`);
  if (h.height !== ctx.height) throw new PayloadError(`height ${h.height}, expected ${ctx.height}`);
  if (h.parentHash !== ctx.parentHash) throw new PayloadError("parentHash does not link to the previous header");
  if (isEpochStart(ctx)) {
    if (p.lastCommit !== null) throw new PayloadError("an epoch's first height carries no lastCommit");
  } else {
    if (!p.lastCommit) throw new PayloadError("lastCommit missing");
    checkCommit(ctx, p.lastCommit);
  }
  const names = Object.keys(p.slices);
  if (names.length !== parts.length || parts.some((part) => !(part.name in p.slices))) {
    throw new PayloadError(`slices ${names.join(",")} are not this keeper's parts`);
  }
  const pctx = partContext(ctx, p.lastCommit);
  const acc = { roots: { ...ZERO_ROOTS }, faults: [] as FaultLeaf[] };
  for (const part of parts) addRoots(acc, part, part.validate(pctx, p.slices[part.name]));
  const roots = finishRoots(acc);
  for (const field of ROOT_FIELDS) {
    if (h[field] !== roots[field])
      throw new PayloadError(`${field} ${String(h[field])}, expected ${String(roots[field])}`);
  }
}
