// One shape for everything a checkpoint header certifies. Modelled on ABCI++: the proposer asks each
// part for its slice of the payload (PrepareProposal -> propose), every validator checks each slice
// and recomputes the header roots it yields (ProcessProposal -> validate), and every keeper applies
// the decided slices (FinalizeBlock -> onDecided). The host (bft/service.ts + payload.ts) owns the
// header, the lastCommit and the vote; a part owns its inputs, its slice and its roots. How to
// write one: docs/checkpoints.md, "Checkpoint parts".
import type { z } from "zod";
import type { Logger } from "pino";
import type { Header } from "./header.js";
import type { Commit, CommitSignature } from "./payload.js";
import type { RewardMember, ServiceRewardParams } from "./rewards.js";
import type { GossipHandler } from "../p2p/gossip.js";
import type { TopicSpec } from "../p2p/topics.js";

/** The header fields a part may yield. Each is yielded by at most one part; the rest stay zero. */
export type RootField = "porRoot" | "taskRoot" | "livenessRoot" | "rewardsRoot" | "totalRewards";
/** A faultsRoot leaf: (signer, kind, detailsHash) (docs/checkpoints.md). */
export type FaultLeaf = [signer: string, kind: number | bigint, detailsHash: string];
/**
 * What a part's validate yields: its root fields, and the fault leaves it found. Several parts find
 * faults (PoR, tasks), so faultsRoot is the host's: one tree over every part's leaves.
 */
export type PartRoots = Partial<Pick<Header, RootField>> & { faults?: FaultLeaf[] };

/** A decided (or carried) payload as parts see it: the header and every part's slice by name. */
export interface PayloadView {
  header: Header;
  slices: Readonly<Record<string, unknown>>;
}

/** What a part knows when it proposes or checks the slice of a height (same for every honest validator). */
export interface PartContext {
  chainId: bigint;
  epoch: bigint;
  height: bigint;
  /** first height of the epoch */
  epochStartHeight: bigint;
  /** height === epochStartHeight */
  isEpochStart: boolean;
  /** hash of the decided header of height - 1 (at an epoch start: the latest certified on chain) */
  parentHash: string;
  /** lowercase signers of this height's validator set */
  members: readonly string[];
  /** validator set of height - 1, lowercase signers (same epoch: same set) */
  previousMembers?: readonly string[];
  /** lowercase signers of the previous epoch's validator set, when the chain had one */
  previousEpochMembers?: readonly string[];
  /** the decided payload of height - 1 in this epoch; undefined at an epoch start or when not held locally */
  parent?: PayloadView;
  /**
   * The commit of height - 1 the payload carries, already checked by the host (> 2/3 of the stake,
   * every signature valid); null at an epoch start.
   */
  lastCommit: Commit | null;
  /** at an epoch start: hash of the chain's last certified header, if any */
  closingHeaderHash?: string;
  /** at an epoch start, when proposing: the decided payload with that hash, if held locally */
  closing?: PayloadView;
  /** sliding liveness window (chain's downtime window) */
  livenessWindow: number;
  /** at an epoch start: the rewards budget and members of the epoch that just ended */
  rewardsBudget?: bigint;
  rewardMembers?: readonly RewardMember[];
  /** at an epoch start: the governed security/service split, read at the epoch's start block */
  serviceRewards?: ServiceRewardParams;
}

/** JSON codec of a slice: what travels in proposals and what the store keeps. */
export interface SliceCodec<S, J> {
  /** validates the JSON of the slice (zod): size bounds here keep payloads small */
  schema: z.ZodType<J>;
  toJson(slice: S): J;
  fromJson(json: J): S;
}

/**
 * Narrow access a part gets to the mesh: its own gossip topics (declared in `topics`, so the node
 * subscribes to them) and its own request-response protocols, nothing of the consensus topics.
 */
export interface PartHost {
  /** this keeper's validator signer, lowercase */
  self: string;
  chainId: bigint;
  logger: Logger;
  /** ECDSA signature (65 bytes, hex) of a 32-byte digest by this keeper's signer: for signed inputs */
  sign(digest: string): string;
  subscribe<T>(topic: TopicSpec<T>, handler: GossipHandler<T>): () => void;
  publish<T>(topic: TopicSpec<T>, payload: T): Promise<void>;
}

/** Throw from `validate` when a slice names an input (by hash) this keeper does not hold: prevote nil. */
export class PartUnavailable extends Error {
  override name = "PartUnavailable";
}

export interface CheckpointPart<S = unknown, J = unknown> {
  /** key of the slice in the payload; lowercase, stable (it is part of the wire format) */
  readonly name: string;
  /** the header fields this part yields */
  readonly roots: readonly RootField[];
  readonly codec: SliceCodec<S, J>;
  /** gossip topics the part publishes or subscribes to (the node registers them) */
  readonly topics?: ReadonlyArray<TopicSpec<unknown>>;
  /** gather signed inputs: subscribe to the part's topics, start timers */
  start?(host: PartHost): Promise<void> | void;
  stop?(): Promise<void> | void;
  /**
   * The proposer's slice (PrepareProposal). Small: large input sets go by hash. Throws when this
   * keeper cannot build a valid slice (missing state); the host then proposes nothing valid.
   */
  propose(ctx: PartContext): S;
  /**
   * Checks a proposed slice deterministically and returns the roots it yields (ProcessProposal):
   * only from the slice, `ctx` and inputs fetched by hash. Throws PayloadError when the slice is
   * wrong, PartUnavailable when an input cannot be had; either way the validator prevotes nil.
   */
  validate(ctx: PartContext, slice: S): PartRoots;
  /**
   * Before a proposal reaches the engine (off the consensus queue): fetch inputs the slice names
   * by hash that this keeper lacks. Resolves when done or given up; validate then decides.
   * Undefined when there is nothing to fetch (the common case: no detour for the proposal).
   */
  prefetch?(ctx: { epoch: bigint; height: bigint; from: string }, slice: S): Promise<void> | undefined;
  /**
   * The decided slice of a height (FinalizeBlock): update the part's own state. Also replayed for
   * the heights a restarted keeper loads from its store and those it adopts from a peer's commit.
   */
  onDecided?(decided: { header: Header; commit: Commit; slices: Readonly<Record<string, unknown>> }, slice: S): void;
}

/** Signatures checked by the host for lastCommit; parts never verify them again. */
export type VerifyCommitSignature = (commit: Commit, sig: CommitSignature) => boolean;
