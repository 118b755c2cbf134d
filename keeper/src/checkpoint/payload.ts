// The value validators agree on at each height: a checkpoint header plus the signed inputs its
// roots are computed from, so that every validator recomputes the roots before prevoting.
//
//   liveness   <- previous decided liveness advanced by lastCommit (precommits of height - 1,
//                 ECDSA-verified, > 2/3 of that height's stake)
//   rewards    <- only at an epoch's first height: the previous epoch's budget split by
//                 stake x signed heights of the closing liveness, which must hash to the
//                 livenessRoot of the last header certified on chain in that epoch
//   porRoot, taskRoot, faultsRoot: zero until Proof-of-Resource, tasks and fault detection
//                 feed the keeper (docs/checkpoints.md)
import { headerHash, ZERO_HASH, type Header } from "./header.js";
import { rootOf } from "./leaves.js";
import { advanceLiveness, livenessLeaves, sameLiveness, type LivenessEntry } from "./liveness.js";
import { computeRewards, rewardLeafValues, type RewardLeaf, type RewardMember } from "./rewards.js";

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

export interface ClosingState {
  /** the last header certified on chain before this epoch started */
  header: Header;
  /** the liveness decided with that header */
  liveness: LivenessEntry[];
}

export interface CheckpointPayload {
  header: Header;
  liveness: LivenessEntry[];
  lastCommit: Commit | null;
  /** at an epoch's first height only */
  closing: ClosingState | null;
  rewards: RewardLeaf[];
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
  /** decided liveness of height - 1; at an epoch start, undefined (taken from `closing`) */
  previousLiveness?: LivenessEntry[];
  /** lowercase signers of height - 1's validator set (to check lastCommit) */
  previousMembers?: string[];
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
  /** verifies one ECDSA precommit signature of `commit` by `signer` */
  verifyCommitSignature(commit: Commit, sig: CommitSignature): boolean;
}

export class PayloadError extends Error {
  override name = "PayloadError";
}

function isEpochStart(ctx: HeightContext): boolean {
  return ctx.height === ctx.epochStartHeight;
}

/**
 * Liveness after `commit`; at an epoch start, every member's window starts empty.
 *
 * Jails and punishments are seen at epoch boundaries (docs/consensus.md, "When a jail is seen"):
 * a window never crosses into the next epoch, so a window of missed heights is provable in the
 * headers of one epoch only (the chain also refuses a window overlapping the last punished one),
 * and a validator that was jailed or punished starts its next epoch with an empty window. The
 * closing epoch's rewards read `closing.liveness`, not this.
 */
function expectedLiveness(ctx: HeightContext, commit: Commit | null): LivenessEntry[] {
  if (isEpochStart(ctx)) {
    return [...ctx.members]
      .map((s) => s.toLowerCase())
      .sort()
      .map((signer) => ({ signer, bits: 0n, filled: 0, epochSigned: 0, epochHeights: 0 }));
  }
  if (!ctx.previousLiveness || !ctx.previousMembers) throw new PayloadError("previous height not decided locally");
  const signers = new Set((commit?.signatures ?? []).map((s) => s.signer.toLowerCase()));
  return advanceLiveness(ctx.previousLiveness, ctx.previousMembers, signers, ctx.livenessWindow, false);
}

function expectedRewards(ctx: HeightContext, closing: ClosingState | null): { leaves: RewardLeaf[]; total: bigint } {
  if (!isEpochStart(ctx) || !closing || closing.header.epoch !== ctx.epoch - 1n) return { leaves: [], total: 0n };
  const signed = new Map(livenessLeaves(closing.liveness).map(([s, signedHeights]) => [s, Number(signedHeights)]));
  return computeRewards(ctx.rewardsBudget ?? 0n, ctx.rewardMembers ?? [], signed);
}

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
 * Builds this node's proposal for the height. At an epoch start, `closingState` is the decided
 * header (with its liveness) whose hash the chain holds as its latest checkpoint.
 */
export function buildPayload(
  ctx: HeightContext,
  lastCommit: Commit | null,
  closingState?: ClosingState,
): CheckpointPayload {
  const start = isEpochStart(ctx);
  // a copy: late precommits keep joining the decided height's commit, and the proposal must carry
  // exactly the signers its liveness was computed from, whenever it is serialized
  const commit = start || !lastCommit ? null : { ...lastCommit, signatures: [...lastCommit.signatures] };
  if (!start && !commit) throw new PayloadError("cannot propose without the commit of the previous height");
  if (start && ctx.closingHeaderHash && !closingState) {
    throw new PayloadError("cannot propose an epoch start without the closing header");
  }
  const closing = start && ctx.closingHeaderHash && closingState ? closingState : null;
  const liveness = expectedLiveness(ctx, commit);
  const rewards = expectedRewards(ctx, closing);
  const header: Header = {
    chainId: ctx.chainId,
    epoch: ctx.epoch,
    height: ctx.height,
    parentHash: ctx.parentHash,
    porRoot: ZERO_HASH,
    taskRoot: ZERO_HASH,
    livenessRoot: rootOf("liveness", livenessLeaves(liveness)),
    rewardsRoot: rootOf("reward", rewardLeafValues(rewards.leaves)),
    totalRewards: rewards.total,
    faultsRoot: ZERO_HASH,
  };
  return { header, liveness, lastCommit: commit, closing, rewards: rewards.leaves };
}

/** Throws PayloadError with the reason when the payload is not the one this node would accept. */
export function validatePayload(ctx: HeightContext, p: CheckpointPayload): void {
  const h = p.header;
  if (h.chainId !== ctx.chainId) throw new PayloadError(`chainId ${h.chainId}`);
  if (h.epoch !== ctx.epoch) throw new PayloadError(`epoch ${h.epoch}, expected ${ctx.epoch}`);
  if (h.height !== ctx.height) throw new PayloadError(`height ${h.height}, expected ${ctx.height}`);
  if (h.parentHash !== ctx.parentHash) throw new PayloadError("parentHash does not link to the previous header");
  if (h.porRoot !== ZERO_HASH || h.taskRoot !== ZERO_HASH || h.faultsRoot !== ZERO_HASH) {
    throw new PayloadError("unexpected PoR, task or fault root");
  }
  const start = isEpochStart(ctx);
  if (start) {
    if (p.lastCommit !== null) throw new PayloadError("an epoch's first height carries no lastCommit");
    const wantClosing = ctx.closingHeaderHash;
    if (!wantClosing !== !p.closing) throw new PayloadError("closing state missing or unexpected");
    if (p.closing && wantClosing) {
      if (headerHash(p.closing.header) !== wantClosing) throw new PayloadError("closing header is not the chain's");
      if (rootOf("liveness", livenessLeaves(p.closing.liveness)) !== p.closing.header.livenessRoot) {
        throw new PayloadError("closing liveness does not match the certified livenessRoot");
      }
    }
  } else {
    if (!p.lastCommit) throw new PayloadError("lastCommit missing");
    if (p.closing !== null) throw new PayloadError("closing state outside an epoch start");
    checkCommit(ctx, p.lastCommit);
  }
  const liveness = expectedLiveness(ctx, p.lastCommit);
  if (!sameLiveness(liveness, p.liveness)) throw new PayloadError("liveness is not the expected update");
  if (h.livenessRoot !== rootOf("liveness", livenessLeaves(liveness))) throw new PayloadError("livenessRoot mismatch");
  const rewards = expectedRewards(ctx, p.closing);
  if (h.totalRewards !== rewards.total)
    throw new PayloadError(`totalRewards ${h.totalRewards}, expected ${rewards.total}`);
  if (h.rewardsRoot !== rootOf("reward", rewardLeafValues(rewards.leaves)))
    throw new PayloadError("rewardsRoot mismatch");
  if (JSON.stringify(p.rewards, big) !== JSON.stringify(rewards.leaves, big))
    throw new PayloadError("reward leaves mismatch");
}

function big(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}
