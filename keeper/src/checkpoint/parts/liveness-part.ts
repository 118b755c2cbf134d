// The liveness part: who signed the commits of the last `window` heights (livenessRoot). Its slice
// is the whole liveness state, which every validator re-derives from the parent's decided state
// and the payload's lastCommit, so a proposer cannot edit it.
import { z } from "zod";
import { rootOf } from "../leaves.js";
import { advanceLiveness, livenessLeaves, sameLiveness, type LivenessEntry } from "../liveness.js";
import { PayloadError } from "../payload.js";
import type { CheckpointPart, PartContext, PayloadView } from "../part.js";

export const LIVENESS_PART = "liveness";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected an address");
const uint = z.string().regex(/^\d{1,78}$/, "expected a decimal integer string");

export const LivenessJson = z.strictObject({
  signer: address,
  bits: uint,
  filled: z.int().min(0).max(256),
  epochSigned: z.int().nonnegative(),
  epochHeights: z.int().nonnegative(),
});
const LivenessSliceJson = z.array(LivenessJson).max(256);
type LivenessJsonT = z.infer<typeof LivenessJson>;

export const livenessToJson = (e: LivenessEntry): LivenessJsonT => ({ ...e, bits: e.bits.toString() });
export const livenessFromJson = (e: LivenessJsonT): LivenessEntry => ({
  ...e,
  signer: e.signer.toLowerCase(),
  bits: BigInt(e.bits),
});

/** The liveness decided with a payload ([] when it carries none). */
export function livenessOf(p: PayloadView | undefined): LivenessEntry[] {
  return (p?.slices[LIVENESS_PART] as LivenessEntry[] | undefined) ?? [];
}

/**
 * Whether the payload's liveness slice is the one its header commits to (livenessRoot). A payload
 * that arrives with a commit, without this keeper having validated it, is checked with this before
 * its liveness feeds the proposer skip: the header is signed, the slice beside it is not.
 */
export function livenessMatchesHeader(p: PayloadView): boolean {
  return rootOf("liveness", livenessLeaves(livenessOf(p))) === p.header.livenessRoot;
}

/**
 * Liveness after the payload's lastCommit; at an epoch start, every member's window starts empty.
 *
 * Jails and punishments are seen at epoch boundaries (docs/consensus.md, "When a jail is seen"):
 * a window never crosses into the next epoch, so a window of missed heights is provable in the
 * headers of one epoch only (the chain also refuses a window overlapping the last punished one),
 * and a validator that was jailed or punished starts its next epoch with an empty window. The
 * closing epoch's rewards read the closing liveness (rewards part), not this.
 */
export function expectedLiveness(ctx: PartContext): LivenessEntry[] {
  if (ctx.isEpochStart) {
    return [...ctx.members]
      .map((s) => s.toLowerCase())
      .sort()
      .map((signer) => ({ signer, bits: 0n, filled: 0, epochSigned: 0, epochHeights: 0 }));
  }
  if (!ctx.parent || !ctx.previousMembers) throw new PayloadError("previous height not decided locally");
  const signers = new Set((ctx.lastCommit?.signatures ?? []).map((s) => s.signer.toLowerCase()));
  return advanceLiveness(livenessOf(ctx.parent), ctx.previousMembers, signers, ctx.livenessWindow, false);
}

export function livenessPart(): CheckpointPart<LivenessEntry[], LivenessJsonT[]> {
  return {
    name: LIVENESS_PART,
    roots: ["livenessRoot"],
    codec: {
      schema: LivenessSliceJson,
      toJson: (s) => s.map(livenessToJson),
      fromJson: (j) => j.map(livenessFromJson),
    },
    propose: (ctx) => expectedLiveness(ctx),
    validate(ctx, slice) {
      const expected = expectedLiveness(ctx);
      if (!sameLiveness(expected, slice)) throw new PayloadError("liveness is not the expected update");
      return { livenessRoot: rootOf("liveness", livenessLeaves(expected)) };
    },
  };
}
