// The consensus host: runs the pure BFT engine (consensus/) for the current epoch over the DSMP
// gossip, with checkpoint payloads (checkpoint/) as values. It signs only after the signing
// state is durable, keeps every decided height (value + precommits) in the store, gossips
// commits so peers that fell behind catch up, and hands decided checkpoints to the submitter.
import type { TypedDataDomain } from "ethers";
import type { Logger } from "pino";
import { headerHash, ZERO_HASH } from "../checkpoint/header.js";
import { counts } from "../checkpoint/liveness.js";
import {
  buildPayload,
  PayloadError,
  validatePayload,
  type CheckpointPayload,
  type Commit,
  type CommitSignature,
  type HeightContext,
} from "../checkpoint/payload.js";
import { PartUnavailable, type CheckpointPart, type PayloadView } from "../checkpoint/part.js";
import { PartRunner } from "./part-runner.js";
import { checkpointParts, livenessOf, RewardsPart, type RewardsReport } from "../checkpoint/parts/index.js";
import { livenessMatchesHeader } from "../checkpoint/parts/liveness-part.js";
import { ConsensusEngine } from "../consensus/engine.js";
import { DEFAULT_REBROADCAST, Rebroadcaster, type RebroadcastOptions } from "../consensus/rebroadcast.js";
import { describeHave, missingFor } from "../consensus/vote-sync.js";
import { consensusProgress, describeWait, type ConsensusProgress } from "../consensus/progress.js";
import { DEFAULT_TIMEOUTS } from "../consensus/timeouts.js";
import { SKIP_LAG, skippedByLiveness, SkippingSchedule } from "../consensus/proposer-skip.js";
import { ProposerRotation } from "../consensus/proposer.js";
import { SigningGuard, type SigningStateStore } from "../consensus/signing-guard.js";
import type {
  ConsensusApp,
  Input,
  Output,
  SigningState,
  Timeouts,
  Value,
  ValidatorSet,
  Vote,
} from "../consensus/types.js";
import type { Gossip } from "../p2p/gossip.js";
import type { GossipMessage } from "../p2p/topics.js";
import type { Bucket } from "../store/bucket.js";
import type { ChainView, EpochStart } from "./chain-view.js";
import { commitFromJson, commitToJson, payloadFromJson, payloadToJson, type PayloadJsonT } from "./codec.js";
import {
  commitTopic,
  proposalTopic,
  voteBundleTopic,
  voteTopic,
  type CommitMsg,
  type FullCommitMsg,
  type ProposalMsg,
  type VoteBundleMsg,
  type VoteMsg,
} from "./topics.js";
import { VoteRelay, type VoteBundle } from "./vote-relay.js";
import {
  VoteSetSyncer,
  voteMsgOf,
  type VoteSetReply,
  type VoteSetRequest,
  type VoteSetTransport,
} from "./vote-set-sync.js";
import { buildDoubleSignEvidence, type DoubleSignEvidenceStruct } from "./evidence.js";
import { recoverVoteSigner, signVote, type VoteKeys } from "./votes.js";

export interface DecidedHeight {
  payload: CheckpointPayload;
  commit: Commit;
}

/** Receives decided heights and double-sign evidence that should go on chain (see submitter.ts). */
export interface DecisionSink {
  onDecided(decided: DecidedHeight, ctx: { start: EpochStart; proposer: string; self: string }): void;
  onEvidence?(evidence: DoubleSignEvidenceStruct, ctx: { start: EpochStart; self: string }): void;
  /** a height decided without this keeper, adopted from a peer's commit (it had fallen behind) */
  onAdopted?(decided: DecidedHeight, ctx: { start: EpochStart; self: string }): void;
}

/** Where an inbound consensus message came from (for fault injection in tests). */
export type InboundKind = "proposal" | "vote" | "bundle" | "commit" | "vote-set";

export interface ConsensusServiceModules {
  gossip: Gossip;
  chain: ChainView;
  keys: VoteKeys;
  /** checkpoint store EIP-712 domain: votes are signed over it */
  domain: TypedDataDomain;
  chainId: bigint;
  /** decided heights and signing states (durable buckets) */
  decidedStore: Bucket<unknown>;
  signingStore: Bucket<unknown>;
  sink: DecisionSink;
  logger: Logger;
  timeouts?: Timeouts;
  /** pause between a decision and the next height (Tendermint's timeout_commit) */
  heightIntervalMs?: number;
  /** how often the chain is polled for a new epoch */
  epochPollMs?: number;
  /** observers (metrics, demo output) */
  onEvent?: (e: ConsensusEvent) => void;
  /** direct requests between keepers (catch-up of a missed decision); gossip alone without it */
  catchUp?: CatchUpTransport;
  /**
   * A height still undecided this long after it started (and every as long after) asks one peer
   * for its commit, peers seen at or past it first (default 2 s; only with `catchUp`).
   */
  catchUpPollMs?: number;
  /** votes sent straight to a round's proposer, which gossips them in bundles (vote-relay.ts) */
  voteRelay?: VoteRelayTransport;
  /** send own round-0 votes for a value through the proposer, and bundle as one (default true with `voteRelay`) */
  relayVotes?: boolean;
  /** a relayed vote whose height is still undecided this long after it was sent is gossiped as well (default 1 s) */
  relayFallbackMs?: number;
  /** own votes of the current height pushed again to every validator with this backoff (needs `voteRelay`) */
  rebroadcast?: RebroadcastOptions;
  /** vote-set requests to peers while this keeper's position does not move (vote-set-sync.ts) */
  voteSetSync?: VoteSetTransport;
  /** how often the position is checked, and a request sent if it did not move (default 1 s) */
  voteSetSyncMs?: number;
  /** fault injection for tests: inbound consensus messages for which this returns true are dropped */
  dropInbound?: (kind: InboundKind) => boolean;
  /** inbound messages waiting for the engine beyond this are dropped (default 4096): never an unbounded queue */
  maxInboundQueue?: number;
  /** called for each inbound message dropped because the queue was full (a metric) */
  onInboundDropped?: () => void;
  /** the checkpoint parts (default checkpointParts()); their gossip topics must be registered on the mesh */
  parts?: CheckpointPart[];
  /** how long a proposal waits for its parts to fetch inputs it names by hash (default 1 s) */
  prefetchMs?: number;
}

/** How votes reach a round's proposer directly (a p2p/push.ts channel in the keeper). */
export interface VoteRelayTransport {
  serve(handler: (vote: VoteMsg, peerId: string) => void): Promise<void>;
  /** delivers a vote to the keeper of `operator`; rejects when it could not */
  send(operator: string, vote: VoteMsg): Promise<void>;
}

/** How the service serves and fetches decided heights peer to peer (p2p/reqresp in the keeper). */
export interface CatchUpTransport {
  serve(handler: (epoch: bigint, height: bigint) => Promise<FullCommitMsg | null>): Promise<void>;
  fetch(peerId: string, epoch: bigint, height: bigint): Promise<FullCommitMsg | null>;
}

/** What /consensus reports. */
export interface ConsensusStatus {
  epoch: string | null;
  height: number | null;
  lastDecided: { height: string; round: number; headerHash: string; signers: number } | null;
  commitLatencyMs: { p50: number | null; p99: number | null; count: number };
  /** signed / missed heights over the liveness window, per validator signer */
  liveness: Array<{ signer: string; signed: number; missed: number }>;
}

export type { RewardsReport };

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export type ConsensusEvent =
  | { type: "epoch"; epoch: bigint; startHeight: bigint; validators: number }
  | { type: "decided"; epoch: bigint; height: bigint; round: number; signers: number; latencyMs: number }
  | { type: "evidence"; description: string };

interface StoredDecided {
  payload: PayloadJsonT;
  commit: ReturnType<typeof commitToJson>;
}

/** A signing-state store inside the keeper's LevelDB, one key per epoch (heights restart per epoch). */
class BucketSigningStore implements SigningStateStore {
  constructor(
    private readonly bucket: Bucket<unknown>,
    private readonly key: string,
  ) {}
  async load(): Promise<SigningState | undefined> {
    return (await this.bucket.get(this.key)) as SigningState | undefined;
  }
  async save(state: SigningState): Promise<void> {
    await this.bucket.put(this.key, state);
  }
}

/**
 * commits of later heights held while catching up: a bounded few (a payload may be 512 KiB); a
 * keeper further behind gets the later ones again when it asks
 */
const MAX_AHEAD_COMMITS = 32;

const votePart = (v: Pick<Vote, "height" | "round" | "type" | "valueHash">) =>
  `${v.height}/${v.round}/${v.type}/${v.valueHash ?? "nil"}`;

export class ConsensusService implements ConsensusApp {
  private readonly log: Logger;
  private readonly self: string;
  private stopped = true;
  private epochTimer?: NodeJS.Timeout;
  private readonly timers = new Set<NodeJS.Timeout>();
  private unsubscribe: Array<() => void> = [];

  private epoch?: bigint;
  private epochStart?: EpochStart;
  private set?: ValidatorSet;
  private stake = new Map<string, bigint>();
  private engine?: ConsensusEngine;
  private guard?: SigningGuard;
  /** inputs are applied one at a time (the engine is not re-entrant; signing is async) */
  private queue: Promise<void> = Promise.resolve();

  private readonly payloads = new Map<string, CheckpointPayload>();
  /** payload objects validValue accepted (a certificate for one needs no second validation) */
  private readonly validPayloads = new WeakSet<CheckpointPayload>();
  /**
   * payloads that came with a commit of > 2/3 of the stake (signatures checked): valid even when
   * this keeper lacks some of their inputs (a keeper catching up after a restart holds no PoR
   * reports of the heights it missed; the certificate is what the chain itself accepts)
   */
  private readonly certifiedPayloads = new WeakSet<CheckpointPayload>();
  /** votes collected as the proposer of round 0 (per epoch) */
  private relay?: VoteRelay;
  /** round-0 proposers by height, from their own rotation (the engine's is asked in its own order) */
  private roundZeroProposers = new Map<number, string>();
  private rotation?: ProposerRotation;
  /** this epoch's validators: lowercase signer -> operator (where a relayed vote goes) */
  private operatorOf = new Map<string, string>();
  /** the decided payload the chain certified last before this epoch */
  private closing?: PayloadView;
  /** signers of the previous epoch's set (read once per epoch), for parts that certify a closed epoch */
  private previousEpochMembers?: string[];
  /** messages of the next epoch that arrived before this keeper saw it start (replayed then) */
  private early: Array<() => void> = [];
  /** signatures of votes seen, by vote position, then signer */
  private readonly voteSigs = new Map<string, Map<string, { ecdsa: string; bls: string }>>();
  /** signed proposal envelopes by "epoch/height/round", served to peers whose vote-set request lacks one */
  private readonly proposalEnvelopes = new Map<string, Uint8Array>();
  private readonly decided = new Map<bigint, DecidedHeight>();
  private heightStartedAt = new Map<number, number>();
  /** commit latencies of recent heights (ms), for /consensus */
  private readonly latencies: number[] = [];
  /** this keeper's own votes of the current height, re-sent until it advances */
  private rebroadcast?: Rebroadcaster<VoteMsg>;
  private syncer?: VoteSetSyncer;
  /** when a height was last decided or adopted here (or consensus first started) */
  private lastProgressAtMs: number | null = null;

  /** what each header certifies besides its chain fields (checkpoint/part.ts) */
  readonly parts: readonly CheckpointPart[];
  private readonly partRunner: PartRunner;

  constructor(private readonly m: ConsensusServiceModules) {
    this.log = m.logger.child({ module: "consensus" });
    this.self = m.keys.signer.address.toLowerCase();
    this.parts = m.parts ?? checkpointParts();
    this.partRunner = new PartRunner(this.parts, { ...m, self: this.self, logger: this.log });
  }

  get currentEpoch(): bigint | undefined {
    return this.epoch;
  }

  get height(): number | undefined {
    return this.engine?.snapshot().height;
  }

  /** The last message this keeper signed (persisted signing state) in the current epoch. */
  get signingState(): SigningState | undefined {
    return this.guard?.last;
  }

  /** Last decided height in this process. */
  get lastDecided(): DecidedHeight | undefined {
    let best: DecidedHeight | undefined;
    for (const d of this.decided.values()) if (!best || d.commit.height > best.commit.height) best = d;
    return best;
  }

  async start(): Promise<void> {
    this.stopped = false;
    const g = this.m.gossip;
    this.unsubscribe = [
      g.subscribe(proposalTopic, (msg) => this.inbound("proposal", () => this.onProposal(msg))),
      g.subscribe(voteTopic, (msg) => this.inbound("vote", () => this.onVote(msg))),
      g.subscribe(voteBundleTopic, (msg) => this.inbound("bundle", () => this.onVoteBundle(msg))),
      g.subscribe(commitTopic, (msg) => this.inbound("commit", () => this.onCommit(msg.payload, msg.sender.peerId))),
    ];
    await this.partRunner.start();
    await this.m.catchUp?.serve((epoch, height) => this.decidedAt(epoch, height));
    await this.m.voteRelay?.serve((vote, peerId) => this.inbound("vote", () => this.onDirectVote(vote, peerId)));
    if (this.m.voteSetSync) {
      await this.m.voteSetSync.serve(async (req) => this.answerVoteSet(req));
      this.syncer = new VoteSetSyncer(this.m.voteSetSync, this.syncHost(), this.log, {
        intervalMs: this.m.voteSetSyncMs,
      });
      this.syncer.start();
    }
    await this.pollEpoch();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.syncer?.stop();
    this.rebroadcast?.stop();
    if (this.epochTimer) clearTimeout(this.epochTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    await this.queue;
    await this.partRunner.stop();
  }

  /** an inbound consensus message (dropped here only by injected faults, in tests) */
  private inbound(kind: InboundKind, task: () => Promise<void> | void): void {
    if (this.m.dropInbound?.(kind) === true) return;
    this.enqueueInbound(task);
  }

  private enqueue(task: () => Promise<void> | void): void {
    this.queue = this.queue
      .then(async () => {
        if (!this.stopped) await task();
      })
      .catch((err: unknown) => this.log.error({ err }, "consensus task failed"));
  }

  private inboundPending = 0;

  /** A message from the network: queued like any task, unless too many already wait (then dropped, counted). */
  private enqueueInbound(task: () => Promise<void> | void): void {
    if (this.inboundPending >= (this.m.maxInboundQueue ?? 4096)) {
      this.m.onInboundDropped?.();
      return;
    }
    this.inboundPending++;
    this.enqueue(() => {
      this.inboundPending--;
      return task();
    });
  }

  private later(ms: number, task: () => Promise<void> | void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.enqueue(task);
    }, ms);
    this.timers.add(t);
  }

  // ---- epochs ----

  private async pollEpoch(): Promise<void> {
    if (this.stopped) return;
    try {
      const current = await this.m.chain.currentEpoch();
      if (this.epoch === undefined || current > this.epoch) {
        await new Promise<void>((resolve) => this.enqueue(async () => resolve(await this.enterEpoch(current))));
      }
    } catch (err) {
      if (!this.stopped) this.log.warn({ err: (err as Error).message }, "epoch poll failed; retrying");
    }
    if (!this.stopped) this.epochTimer = setTimeout(() => void this.pollEpoch(), this.m.epochPollMs ?? 1000);
  }

  private async enterEpoch(epoch: bigint): Promise<void> {
    this.peerHeights.clear();
    this.aheadCommits.clear();
    if (epoch === 0n) {
      this.epoch = epoch;
      return;
    }
    let start: EpochStart;
    try {
      start = await this.m.chain.epochStart(epoch);
    } catch (err) {
      this.log.warn({ epoch: String(epoch), err: (err as Error).message }, "no validator set for the epoch");
      this.epoch = epoch;
      return;
    }
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.epoch = epoch;
    this.epochStart = start;
    this.stake = new Map(start.set.validators.map((v) => [v.signer.toLowerCase(), v.stake]));
    this.set = {
      firstHeight: Number(start.startHeight),
      validators: start.set.validators.map((v) => ({ id: v.signer.toLowerCase(), power: v.stake })),
    };
    this.previousEpochMembers = await this.m.chain
      .epochStart(epoch - 1n)
      .then((prev) => prev.set.validators.map((v) => v.signer.toLowerCase()))
      .catch(() => undefined);
    const member = this.stake.has(this.self);
    this.relay = new VoteRelay(this.stake);
    this.rotation = new ProposerRotation(this.set);
    this.roundZeroProposers.clear();
    this.operatorOf = new Map(start.set.validators.map((v) => [v.signer.toLowerCase(), v.operator]));
    this.guard = await SigningGuard.open(new BucketSigningStore(this.m.signingStore, `epoch/${epoch}`));
    this.rebroadcast?.stop();
    this.rebroadcast = this.m.voteRelay
      ? new Rebroadcaster(
          this.m.rebroadcast ?? DEFAULT_REBROADCAST,
          (ms, fn) => this.laterCancellable(ms, fn),
          (votes) => this.resendVotes(votes),
        )
      : undefined;
    this.engine = new ConsensusEngine({
      self: member ? this.self : undefined,
      app: this,
      timeouts: this.m.timeouts,
      signingState: this.guard.last,
    });
    await this.loadDecided(epoch);
    this.closing = await this.findClosing(start.parentHash);
    // heights restart per epoch: forget other epochs' decisions so they never shadow this one's
    for (const [h, d] of this.decided) if (d.commit.epoch !== epoch) this.decided.delete(h);
    const resumeAt = this.lastDecidedIn(epoch);
    const first = resumeAt ? resumeAt.commit.height + 1n : start.startHeight;
    this.log.info(
      { epoch: String(epoch), startHeight: String(start.startHeight), resumeAt: String(first), member },
      "entering epoch",
    );
    this.lastProgressAtMs ??= Date.now();
    this.m.onEvent?.({ type: "epoch", epoch, startHeight: start.startHeight, validators: this.set.validators.length });
    this.apply({ type: "startHeight", height: Number(first) });
    this.resendSigned(this.engine, Number(first));
  }

  private lastDecidedIn(epoch: bigint): DecidedHeight | undefined {
    let best: DecidedHeight | undefined;
    for (const d of this.decided.values()) {
      if (d.commit.epoch === epoch && (!best || d.commit.height > best.commit.height)) best = d;
    }
    return best;
  }

  private async loadDecided(epoch: bigint): Promise<void> {
    for await (const [, value] of this.m.decidedStore.entries({ gte: `e/${epoch}/`, lt: `e/${epoch}/~` })) {
      const v = value as StoredDecided;
      const d = { payload: payloadFromJson(this.parts, v.payload), commit: commitFromJson(v.commit) };
      this.decided.set(d.commit.height, d);
      this.partRunner.decided(d.payload, d.commit);
    }
  }

  // ---- ConsensusApp ----

  validatorSet(height: number): ValidatorSet | undefined {
    if (!this.set || height < this.set.firstHeight) return undefined;
    return this.set;
  }

  /**
   * Proposer skip (docs/consensus.md): validators absent from the last commits recorded in the
   * liveness decided SKIP_LAG heights ago. Decided data only, so every keeper skips the same ones.
   */
  skippedProposers(height: number): ReadonlySet<string> {
    const from = this.decided.get(BigInt(height - SKIP_LAG));
    if (!from || from.commit.epoch !== this.epoch || !this.set || height - SKIP_LAG < this.set.firstHeight) {
      return new Set();
    }
    return skippedByLiveness(livenessOf(from.payload));
  }

  private context(height: number): HeightContext {
    const start = this.epochStart!;
    const h = BigInt(height);
    const isStart = h === start.startHeight;
    const prev = isStart ? undefined : this.decided.get(h - 1n);
    const members = [...this.stake.keys()];
    return {
      chainId: this.m.chainId,
      epoch: this.epoch!,
      height: h,
      epochStartHeight: start.startHeight,
      parentHash: isStart ? start.parentHash : prev ? headerHash(prev.payload.header) : ZERO_HASH,
      parent: prev?.payload,
      previousMembers: members,
      previousStake: this.stake,
      previousEpochMembers: this.previousEpochMembers,
      members,
      livenessWindow: start.livenessWindow,
      closingHeaderHash: isStart && start.parentHash !== ZERO_HASH ? start.parentHash : undefined,
      rewardsBudget: start.rewardsBudget,
      serviceRewards: start.serviceRewards,
      rewardMembers: [],
      verifyCommitSignature: (commit, sig) => {
        const vote: Vote = {
          type: "precommit",
          height: Number(commit.height),
          round: commit.round,
          valueHash: commit.valueHash,
          validator: sig.signer,
        };
        return this.signerOf(commit.epoch, vote, sig.ecdsa) === sig.signer.toLowerCase();
      },
    };
  }

  /** Rewards go to the previous epoch's members; their set is read from the chain. */
  private async withRewardMembers(ctx: HeightContext): Promise<HeightContext> {
    if (ctx.height !== ctx.epochStartHeight || ctx.epoch <= 1n) return ctx;
    try {
      const prev = await this.m.chain.epochStart(ctx.epoch - 1n);
      return {
        ...ctx,
        rewardMembers: prev.set.validators.map((v) => ({ operator: v.operator, signer: v.signer, stake: v.stake })),
      };
    } catch {
      return ctx;
    }
  }

  /** The decided payload with this header hash (in memory, else in the store): the closing state of an epoch. */
  private async findClosing(hash: string): Promise<PayloadView | undefined> {
    if (hash === ZERO_HASH) return undefined;
    for (const d of this.decided.values()) if (headerHash(d.payload.header) === hash) return d.payload;
    for await (const [, value] of this.m.decidedStore.entries({ gte: "e/", lt: "e/~" })) {
      const p = payloadFromJson(this.parts, (value as StoredDecided).payload);
      if (headerHash(p.header) === hash) return p;
    }
    return undefined;
  }

  // The engine calls these synchronously: epoch-start contexts are prepared before the height starts.
  private prepared = new Map<number, HeightContext>();

  getValue(height: number, _round: number): Value {
    const ctx = this.prepared.get(height) ?? this.context(height);
    const prev = this.decided.get(BigInt(height) - 1n);
    let payload: CheckpointPayload;
    try {
      payload = buildPayload(this.parts, ctx, prev?.commit ?? null, this.closing);
    } catch (err) {
      // Cannot build a valid value (state missing after a restart): propose the bare header; honest
      // validators reject it and the next round's proposer takes over.
      this.log.warn({ height, err: (err as Error).message }, "proposing without full state");
      payload = buildPayload(this.parts, { ...ctx, epochStartHeight: ctx.height, closingHeaderHash: undefined }, null);
    }
    const hash = headerHash(payload.header);
    this.payloads.set(hash, payload);
    return { hash, payload };
  }

  validValue(height: number, value: Value): boolean {
    const payload = (value.payload as CheckpointPayload | undefined) ?? this.payloads.get(value.hash);
    if (!payload) return false;
    if (headerHash(payload.header) !== value.hash) return false;
    if (this.validPayloads.has(payload) && payload.header.height === BigInt(height)) return true;
    try {
      validatePayload(this.parts, this.prepared.get(height) ?? this.context(height), payload);
      this.validPayloads.add(payload);
      return true;
    } catch (err) {
      const reason = err instanceof PayloadError ? err.message : String(err);
      const unavailable = err instanceof PartUnavailable;
      if (unavailable && this.certifiedPayloads.has(payload)) {
        this.log.info({ height, reason }, "decided on its certificate with inputs unavailable here");
        this.validPayloads.add(payload);
        return true;
      }
      this.log.info(
        { height, reason, unavailable },
        unavailable ? "proposal inputs unavailable" : "rejecting proposal",
      );
      return false;
    }
  }

  // ---- engine I/O ----

  private apply(input: Input): void {
    const engine = this.engine;
    if (!engine) return;
    if (input.type === "startHeight") {
      this.rebroadcast?.advance(input.height);
      this.heightStartedAt.set(input.height, Date.now());
      this.later(this.m.catchUpPollMs ?? 2_000, () => this.pollCommit(engine, input.height));
      // epoch-start contexts need chain reads (rewards members): prepare before the engine asks
      const ctx = this.context(input.height);
      void this.withRewardMembers(ctx).then((full) => {
        this.prepared.set(input.height, full);
        this.enqueue(() => {
          this.run(engine, input);
          const early = this.early;
          this.early = [];
          for (const replay of early) replay();
          this.adoptAhead(input.height);
        });
      });
      return;
    }
    this.run(engine, input);
  }

  private run(engine: ConsensusEngine, input: Input): void {
    if (engine !== this.engine) return; // an input for an engine of a past epoch
    if ((input.type === "proposal" || input.type === "vote") && engine.snapshot().status === "idle") {
      // the epoch's first height is still being prepared: keep the message for when it starts
      if (this.early.length < 4096) this.early.push(() => this.run(engine, input));
      return;
    }
    const outputs = engine.handle(input);
    for (const out of outputs) this.enqueue(() => this.perform(engine, out));
  }

  private async perform(engine: ConsensusEngine, out: Output): Promise<void> {
    if (engine !== this.engine) return;
    const epoch = this.epoch!;
    switch (out.type) {
      case "broadcastProposal": {
        if (!(await this.guard!.authorize(out.signingState))) return;
        const payload = this.payloads.get(out.proposal.value.hash);
        if (!payload) return;
        const msg: ProposalMsg = {
          epoch: String(epoch),
          height: String(out.proposal.height),
          round: out.proposal.round,
          validRound: out.proposal.validRound,
          valueHash: out.proposal.value.hash,
          payload: payloadToJson(this.parts, payload),
        };
        const sealed = this.m.gossip.seal(proposalTopic, msg);
        this.keepProposalEnvelope(msg, sealed);
        await this.publish(() => this.m.gossip.publishSealed(proposalTopic, sealed));
        return;
      }
      case "broadcastVote": {
        if (!(await this.guard!.authorize(out.signingState))) return;
        const parts = signVote(this.m.domain, epoch, out.vote, this.m.keys);
        this.recordVoteSig(out.vote, this.self, parts);
        this.relayIfProposer(out.vote, this.self, parts);
        const msg: VoteMsg = {
          epoch: String(epoch),
          height: String(out.vote.height),
          round: out.vote.round,
          type: out.vote.type,
          valueHash: out.vote.valueHash,
          ecdsa: parts.ecdsa,
          bls: parts.bls,
        };
        this.rebroadcast?.signed(out.vote.height, out.vote.type, msg);
        await this.sendVote(engine, out.vote, msg);
        return;
      }
      case "scheduleTimeout":
        this.later(out.delayMs, () =>
          this.run(engine, { type: "timeout", height: out.height, round: out.round, step: out.step }),
        );
        return;
      case "decide":
        // decided here: peers still at this height get its commit (catch-up), not our votes again
        this.rebroadcast?.advance(out.decision.height + 1);
        await this.onDecide(
          epoch,
          out.decision.height,
          out.decision.round,
          out.decision.value,
          out.decision.precommits,
        );
        return;
      case "evidence": {
        const ev = out.evidence;
        const offender = ev.kind === "duplicateVote" ? ev.first.validator : ev.first.proposer;
        this.log.warn({ kind: ev.kind, offender }, "equivocation seen");
        this.m.onEvent?.({ type: "evidence", description: `${ev.kind} by ${offender}` });
        if (ev.kind !== "duplicateVote") return; // conflicting proposals are not slashable on chain
        const sigOf = (v: Vote) => this.voteSigs.get(votePart(v))?.get(v.validator)?.ecdsa;
        const a = sigOf(ev.first);
        const b = sigOf(ev.second);
        if (!a || !b) return;
        const evidence = buildDoubleSignEvidence(
          this.epochStart!.tree,
          epoch,
          { vote: ev.first, signature: a },
          { vote: ev.second, signature: b },
        );
        if (evidence) this.m.sink.onEvidence?.(evidence, { start: this.epochStart!, self: this.self });
        return;
      }
    }
  }

  // ---- eventual delivery: rebroadcast, restart re-send, vote-set sync ----

  private laterCancellable(ms: number, task: () => void): () => void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.enqueue(task);
    }, ms);
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }

  /** Own votes again, straight to every other validator's keeper (gossip would drop them as seen). */
  private resendVotes(votes: VoteMsg[]): void {
    for (const [signer, operator] of this.operatorOf) {
      if (signer === this.self) continue;
      for (const vote of votes) {
        this.m
          .voteRelay!.send(operator, vote)
          .catch((err: unknown) =>
            this.log.debug({ to: operator, height: vote.height, err: (err as Error).message }, "vote re-send failed"),
          );
      }
    }
  }

  /**
   * After a restart mid-height: the vote the signing state says this keeper signed may have died
   * with the process. Re-sign it (the guard allows the same message) and send it again; the
   * engine counts it too. A proposal cannot be rebuilt from the state (only its hash is kept).
   */
  private resendSigned(engine: ConsensusEngine, height: number): void {
    const last = this.guard?.last;
    if (last === undefined || last.height !== height || last.step === "propose") return;
    const step = last.step;
    this.enqueue(async () => {
      if (engine !== this.engine || !(await this.guard!.authorize(last))) return;
      const vote: Vote = { type: step, height, round: last.round, valueHash: last.valueHash, validator: this.self };
      const parts = signVote(this.m.domain, this.epoch!, vote, this.m.keys);
      this.recordVoteSig(vote, this.self, parts);
      const msg = voteMsgOf(this.epoch!, vote, parts);
      this.log.info({ height, round: last.round, type: step }, "re-sending the vote signed before the restart");
      this.run(engine, { type: "vote", vote });
      this.rebroadcast?.signed(height, step, msg);
      await this.publish(() => this.m.gossip.publish(voteTopic, msg));
    });
  }

  private syncHost() {
    return {
      position: () => {
        const engine = this.engine;
        if (!engine || this.epoch === undefined || !this.set) return undefined;
        return { snapshot: engine.snapshot(), syncRound: engine.syncRound(), epoch: this.epoch };
      },
      have: (height: number, round: number) => describeHave(this.set!, this.engine!.knownMessages(), height, round),
      peers: () => [...this.operatorOf].filter(([signer]) => signer !== this.self).map(([, operator]) => operator),
      onReply: (reply: VoteSetReply, peerId: string, asked: VoteSetRequest) =>
        this.inbound("vote-set", () => this.onVoteSetReply(reply, peerId, asked)),
    };
  }

  /** Keeps the first proposal envelope seen per (epoch, height, round) of the current height and above. */
  private keepProposalEnvelope(p: Pick<ProposalMsg, "epoch" | "height" | "round">, envelope: Uint8Array): void {
    const key = `${p.epoch}/${p.height}/${p.round}`;
    if (this.proposalEnvelopes.has(key) || this.proposalEnvelopes.size >= 64) return;
    this.proposalEnvelopes.set(key, envelope);
  }

  /** A peer's vote-set request: the signed votes it lacks at its (height, round), or "decided". */
  private answerVoteSet(req: VoteSetRequest): VoteSetReply {
    const none: VoteSetReply = { decided: false, votes: [] };
    const engine = this.engine;
    if (!engine || !this.set || !this.inEpoch(req.epoch)) return none;
    const height = Number(req.height);
    if (this.isDecided(height)) return { decided: true, votes: [] };
    if (engine.snapshot().height !== height) return none;
    const missing = missingFor(this.set, engine.knownMessages(), { ...req, height });
    const votes: VoteMsg[] = [];
    for (const v of missing.votes) {
      const sig = this.voteSigs.get(votePart(v))?.get(v.validator);
      if (sig) votes.push(voteMsgOf(this.epoch!, v, sig));
    }
    // a lost proposal is never published again (gossip drops repeats): hand on the signed original
    const envelope = req.proposal ? undefined : this.proposalEnvelopes.get(`${req.epoch}/${req.height}/${req.round}`);
    return envelope
      ? { decided: false, votes, proposal: new TextDecoder().decode(envelope) }
      : { decided: false, votes };
  }

  private onVoteSetReply(reply: VoteSetReply, peerId: string, asked: VoteSetRequest): void {
    if (!this.inEpoch(asked.epoch)) return;
    if (reply.decided) {
      if (!this.isDecided(Number(asked.height)) && this.m.catchUp)
        this.askForCommit(peerId, this.epoch!, Number(asked.height));
      return;
    }
    for (const v of reply.votes) if (v.epoch === asked.epoch) this.takeVote(v, peerId, undefined, peerId);
    if (reply.proposal !== undefined) {
      // checked as if gossiped (author's signature, schema, seen caches); a bad one is just dropped
      void this.m.gossip
        .verifyEnvelope(proposalTopic, new TextEncoder().encode(reply.proposal), peerId)
        .then((msg) => {
          if (msg && msg.payload.epoch === asked.epoch && msg.payload.height === asked.height)
            this.enqueueInbound(() => this.onProposal(msg));
          else if (!msg)
            this.log.warn({ from: peerId, height: asked.height }, "vote-set answer carried an invalid proposal");
        })
        .catch((err: unknown) =>
          this.log.debug({ err: (err as Error).message }, "proposal from a vote-set answer failed"),
        );
    }
  }

  // ---- vote relay (vote-relay.ts) ----

  private get relaying(): boolean {
    return this.m.voteRelay !== undefined && (this.m.relayVotes ?? true);
  }

  /** The proposer of (height, round 0) in this epoch's set (undefined before its first height). */
  private roundZeroProposer(height: number): string | undefined {
    if (!this.set || !this.rotation || height < this.set.firstHeight) return undefined;
    let proposer = this.roundZeroProposers.get(height);
    if (proposer === undefined) {
      const skipped = this.skippedProposers(height);
      proposer =
        skipped.size === 0
          ? this.rotation.proposer(height, 0)
          : new SkippingSchedule(this.rotation, height, skipped).proposer(height, 0);
      this.roundZeroProposers.set(height, proposer);
    }
    return proposer;
  }

  /**
   * Where a vote of this keeper goes besides gossip: undefined to gossip it to everyone (no relay,
   * a nil vote, a round past 0: something already went wrong there, so every vote travels the
   * robust way). Else the round's proposer, and for a precommit the next height's, which builds
   * the next proposal's lastCommit from the precommits it holds.
   */
  private relayTargets(vote: Vote): string[] | undefined {
    if (!this.relaying || vote.valueHash === null || vote.round !== 0) return undefined;
    const targets = new Set<string>();
    const relay = this.roundZeroProposer(vote.height);
    if (relay === undefined) return undefined;
    targets.add(relay);
    if (vote.type === "precommit") {
      const next = this.roundZeroProposer(vote.height + 1);
      if (next !== undefined) targets.add(next);
    }
    targets.delete(this.self); // a proposer relays its own votes itself (relayIfProposer)
    return [...targets]; // empty for the relay itself: its vote travels in its bundle
  }

  private async sendVote(engine: ConsensusEngine, vote: Vote, msg: VoteMsg): Promise<void> {
    const targets = this.relayTargets(vote);
    if (targets === undefined) return this.publish(() => this.m.gossip.publish(voteTopic, msg));
    let gossiped = false;
    // Once the height is decided here, the commit (gossiped, or served on request) is what a
    // keeper still missing votes needs; until then, everyone gets this vote.
    const gossipIfUndecided = (why: string) => {
      if (gossiped || engine !== this.engine || this.isDecided(vote.height)) return;
      if (engine.snapshot().height !== vote.height) return;
      gossiped = true;
      this.log.debug({ height: vote.height, type: vote.type, why }, "gossiping a relayed vote");
      this.enqueue(() => this.publish(() => this.m.gossip.publish(voteTopic, msg)));
    };
    for (const target of targets) {
      const operator = this.operatorOf.get(target);
      if (operator === undefined) continue;
      this.m.voteRelay!.send(operator, msg).catch((err: unknown) => {
        this.log.debug({ height: vote.height, to: target, err: (err as Error).message }, "vote relay failed");
        gossipIfUndecided("relay unreachable");
      });
    }
    // Whatever the relay did with it (slow, censoring, its bundle lost): a height still undecided
    // after the fallback delay gets every relayed vote, the proposer's own included, by gossip.
    // Not only while this keeper waits: a keeper that moved on may hold the vote others lack.
    this.later(this.m.relayFallbackMs ?? 1_000, () => gossipIfUndecided("height undecided"));
  }

  /** As round 0's proposer: counts a vote and gossips the bundle it completes, if any. */
  private relayIfProposer(vote: Vote, signer: string, sig: { ecdsa: string; bls: string }): void {
    if (!this.relaying || vote.round !== 0 || !this.relay) return;
    if (this.roundZeroProposer(vote.height) !== this.self) return;
    if (vote.height < this.engine!.snapshot().height || this.isDecided(vote.height)) return; // too late to help
    // a decision's commit message carries its precommits: no bundle for a precommit quorum
    const bundle = this.relay.add(vote, signer, sig, { suppressValueQuorum: vote.type === "precommit" });
    if (bundle) this.enqueue(() => this.publishBundle(bundle));
  }

  private async publishBundle(bundle: VoteBundle): Promise<void> {
    const msg: VoteBundleMsg = {
      epoch: String(this.epoch!),
      height: String(bundle.height),
      round: bundle.round,
      type: bundle.type,
      votes: bundle.votes,
    };
    await this.publish(() => this.m.gossip.publish(voteBundleTopic, msg));
  }

  private onVoteBundle(msg: GossipMessage<VoteBundleMsg>): void {
    const b = msg.payload;
    if (this.bufferIfNextEpoch(b.epoch, () => this.onVoteBundle(msg))) return;
    if (!this.inEpoch(b.epoch)) return;
    const height = Number(b.height);
    if (height < this.engine!.snapshot().height) return; // decided here already
    this.noteHeightOf(msg.sender, b.epoch, height);
    let foreign = 0;
    for (const v of b.votes) {
      const vote: Vote = { type: b.type, height, round: b.round, valueHash: v.valueHash, validator: "" };
      const signer = this.signerOf(this.epoch!, vote, v.ecdsa);
      if (!this.stake.has(signer)) {
        foreign++;
        continue;
      }
      this.acceptVote({ ...vote, validator: signer }, { ecdsa: v.ecdsa, bls: v.bls });
    }
    if (foreign > 0) this.log.warn({ from: msg.from, height, foreign }, "vote bundle holds votes of no validator");
  }

  private async publish(send: () => Promise<number>): Promise<void> {
    try {
      await send();
    } catch (err) {
      // no peers yet (start-up) or a transient error: the round timeouts retransmit by moving on
      this.log.debug({ err: (err as Error).message }, "publish failed");
    }
  }

  private recordVoteSig(
    vote: Pick<Vote, "height" | "round" | "type" | "valueHash">,
    signer: string,
    parts: { ecdsa: string; bls: string },
  ): void {
    const key = votePart(vote);
    let m = this.voteSigs.get(key);
    if (!m) this.voteSigs.set(key, (m = new Map()));
    if (!m.has(signer)) m.set(signer, parts);
    // a precommit that arrives after the decision still joins the certificate (fewer non-signers)
    const d = vote.type === "precommit" ? this.decided.get(BigInt(vote.height)) : undefined;
    if (d && d.commit.round === vote.round && d.commit.valueHash === vote.valueHash) {
      if (!d.commit.signatures.some((s) => s.signer === signer)) {
        d.commit.signatures.push({ signer, ecdsa: parts.ecdsa, bls: parts.bls });
      }
    }
  }

  private async onDecide(epoch: bigint, height: number, round: number, value: Value, precommits: readonly Vote[]) {
    const payload = (value.payload as CheckpointPayload | undefined) ?? this.payloads.get(value.hash);
    if (!payload) {
      this.log.error({ height }, "decided a value whose payload is unknown");
      return;
    }
    const sigs = this.voteSigs.get(votePart({ height, round, type: "precommit", valueHash: value.hash }));
    const signatures: CommitSignature[] = [];
    for (const p of precommits) {
      const s = sigs?.get(p.validator);
      if (s) signatures.push({ signer: p.validator, ecdsa: s.ecdsa, bls: s.bls });
    }
    const commit: Commit = { epoch, height: BigInt(height), round, valueHash: value.hash, signatures };
    const proposer = this.engineProposer(height, round);
    // One commit per height is enough for peers that fell behind: the deciding round's proposer
    // sends it (before its own write: the others decide from it); anyone else sends it only to a
    // peer seen voting at a height already decided.
    if (proposer === this.self) void this.publishCommit({ payload, commit }, { withPayload: false });
    await this.storeDecided({ payload, commit });
    const started = this.heightStartedAt.get(height) ?? Date.now();
    this.latencies.push(Date.now() - started);
    if (this.latencies.length > 1000) this.latencies.shift();
    this.m.onEvent?.({
      type: "decided",
      epoch,
      height: BigInt(height),
      round,
      signers: signatures.length,
      latencyMs: Date.now() - started,
    });
    this.log.info({ epoch: String(epoch), height, round, signers: signatures.length }, "decided");
    this.m.sink.onDecided({ payload, commit }, { start: this.epochStart!, proposer, self: this.self });
    this.gc(height);
    const engine = this.engine;
    // The height interval paces the mesh; a keeper holding a verified commit of a later height is
    // behind it and starts the next height at once (paced, a restarted keeper gained on the others
    // only their decision time per height: a minute to catch up 13 heights, signing nothing).
    const behind = [...this.aheadCommits.keys()].some((h) => h > BigInt(height));
    // only for this epoch's engine: an epoch switch in between starts its own first height
    this.later(behind ? 0 : (this.m.heightIntervalMs ?? 1000), () => {
      if (this.engine === engine) this.apply({ type: "startHeight", height: height + 1 });
    });
  }

  private readonly commitSentAt = new Map<bigint, number>();

  private async publishCommit(d: DecidedHeight, opts: { withPayload: boolean }): Promise<void> {
    this.commitSentAt.set(d.commit.height, Date.now());
    const payload = opts.withPayload ? payloadToJson(this.parts, d.payload) : null;
    await this.publish(() => this.m.gossip.publish(commitTopic, { payload, commit: commitToJson(d.commit) }));
  }

  /** A peer still proposes or votes at a height this keeper decided: send it that commit (at most every 2 s). */
  private helpLaggard(epoch: string, height: string): void {
    const d = this.decided.get(BigInt(height));
    if (!d || d.commit.epoch !== BigInt(epoch)) return;
    const sentAt = this.commitSentAt.get(d.commit.height);
    if (sentAt !== undefined && Date.now() - sentAt < 2_000) return;
    this.enqueue(() => this.publishCommit(d, { withPayload: true }));
  }

  /** Status for /consensus and `status`. */
  status(): ConsensusStatus {
    const last = this.lastDecided;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      epoch: this.epoch === undefined ? null : this.epoch.toString(),
      height: this.engine ? this.engine.snapshot().height : null,
      lastDecided: last
        ? {
            height: last.commit.height.toString(),
            round: last.commit.round,
            headerHash: last.commit.valueHash,
            signers: last.commit.signatures.length,
          }
        : null,
      commitLatencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), count: sorted.length },
      liveness: livenessOf(last?.payload).map((e) => ({ signer: e.signer, ...counts(e) })),
    };
  }

  /**
   * Whether heights are being decided (/health): not for STALL_HEIGHTS expected height times (the
   * pause between heights plus a propose timeout) is a stall, reported with what the height waits for.
   */
  progress(): ConsensusProgress {
    const engine = this.engine;
    const waitingFor = engine && this.set ? describeWait(engine.snapshot(), this.set, engine.knownMessages()) : null;
    return consensusProgress({
      nowMs: Date.now(),
      sinceMs: this.lastProgressAtMs,
      expectedHeightMs: (this.m.heightIntervalMs ?? 1000) + (this.m.timeouts ?? DEFAULT_TIMEOUTS).propose.baseMs,
      waitingFor,
    });
  }

  /** Reward leaves with proofs, for operators to claim (RewardsDistributor.claim). */
  rewards(): RewardsReport {
    const part = this.parts.find((p) => p instanceof RewardsPart);
    return part instanceof RewardsPart ? part.report() : {};
  }

  private engineProposer(height: number, round: number): string {
    // the proposer of the deciding round is the designated submitter
    const snap = this.engine?.knownMessages().proposals.find((p) => p.height === height && p.round === round);
    return snap?.proposer ?? "";
  }

  private async storeDecided(d: DecidedHeight): Promise<void> {
    this.decided.set(d.commit.height, d);
    this.lastProgressAtMs = Date.now();
    this.partRunner.decided(d.payload, d.commit);
    const stored: StoredDecided = { payload: payloadToJson(this.parts, d.payload), commit: commitToJson(d.commit) };
    await this.m.decidedStore.put(`e/${d.commit.epoch}/${d.commit.height.toString().padStart(20, "0")}`, stored);
  }

  /** Forget per-height caches well behind the decided height. */
  private gc(height: number): void {
    for (const key of this.voteSigs.keys()) if (Number(key.split("/")[0]) < height - 2) this.voteSigs.delete(key);
    for (const [h, d] of this.decided) {
      if (h < BigInt(height) - 512n && headerHash(d.payload.header) !== this.epochStart?.parentHash)
        this.decided.delete(h);
    }
    for (const [hash, p] of this.payloads) if (p.header.height < BigInt(height)) this.payloads.delete(hash);
    for (const key of this.proposalEnvelopes.keys())
      if (Number(key.split("/")[1]) < height) this.proposalEnvelopes.delete(key);
    for (const h of this.prepared.keys()) if (h < height) this.prepared.delete(h);
    for (const h of this.roundZeroProposers.keys()) if (h < height) this.roundZeroProposers.delete(h);
    this.relay?.gc(height);
    for (const h of this.heightStartedAt.keys()) if (h < height - 2) this.heightStartedAt.delete(h);
    for (const h of this.commitSentAt.keys()) if (h < BigInt(height) - 512n) this.commitSentAt.delete(h);
  }

  // ---- gossip ----

  private inEpoch(epoch: string): boolean {
    return this.epoch !== undefined && BigInt(epoch) === this.epoch && this.engine !== undefined;
  }

  /** Keeps a message of the next epoch (peers saw it start first) to replay once this keeper does. */
  private bufferIfNextEpoch(epoch: string, replay: () => void): boolean {
    if (this.epoch === undefined || BigInt(epoch) !== this.epoch + 1n) return false;
    if (this.early.length < 4096) this.early.push(replay);
    return true;
  }

  private onProposal(msg: GossipMessage<ProposalMsg>): void {
    const p = msg.payload;
    if (this.bufferIfNextEpoch(p.epoch, () => this.onProposal(msg))) return;
    if (!this.inEpoch(p.epoch)) return;
    if (Number(p.height) < this.engine!.snapshot().height) return this.helpLaggard(p.epoch, p.height);
    this.noteHeightOf(msg.sender, p.epoch, Number(p.height));
    let payload: CheckpointPayload;
    try {
      payload = payloadFromJson(this.parts, p.payload);
    } catch (err) {
      this.log.warn({ from: msg.from, err: (err as Error).message }, "malformed proposal payload");
      return;
    }
    if (headerHash(payload.header) !== p.valueHash) {
      this.log.warn({ from: msg.from }, "proposal hash does not match its header");
      return;
    }
    this.payloads.set(p.valueHash, payload);
    this.keepProposalEnvelope(p, new TextEncoder().encode(JSON.stringify(msg.envelope)));
    const engine = this.engine!;
    const input: Input = {
      type: "proposal",
      proposal: {
        height: Number(p.height),
        round: p.round,
        validRound: p.validRound,
        value: { hash: p.valueHash, payload },
        proposer: msg.sender.signer.toLowerCase(),
      },
    };
    const fetching = this.partRunner.prefetch(payload, msg.from);
    if (fetching === undefined) this.run(engine, input);
    else void fetching.then(() => this.enqueueInbound(() => this.run(engine, input)));
  }

  private onVote(msg: GossipMessage<VoteMsg>): void {
    this.takeVote(msg.payload, msg.sender.peerId, msg.sender.signer.toLowerCase(), msg.from);
  }

  /** A vote sent straight to this keeper as a relay: its author is whoever signed it. */
  private onDirectVote(v: VoteMsg, peerId: string): void {
    this.takeVote(v, peerId, undefined, peerId);
  }

  /** `claimed`: the author the gossip envelope names (already checked to be its signer), if any. */
  private takeVote(v: VoteMsg, peerId: string, claimed: string | undefined, from: string): void {
    if (this.bufferIfNextEpoch(v.epoch, () => this.takeVote(v, peerId, claimed, from))) return;
    if (!this.inEpoch(v.epoch)) return;
    if (claimed !== undefined && !this.stake.has(claimed)) return;
    if (Number(v.height) < this.engine!.snapshot().height) {
      // a late precommit still joins the decided height's certificate (recorded below); any other
      // message for a decided height means its sender fell behind
      if (v.type !== "precommit") return this.helpLaggard(v.epoch, v.height);
    }
    this.noteHeightOf({ peerId }, v.epoch, Number(v.height));
    const vote: Vote = {
      type: v.type,
      height: Number(v.height),
      round: v.round,
      valueHash: v.valueHash,
      validator: claimed ?? "",
    };
    const recovered = this.signerOf(this.epoch!, vote, v.ecdsa);
    if (claimed === undefined ? !this.stake.has(recovered) : recovered !== claimed) {
      this.log.warn({ from, height: v.height }, "vote signature is not the sender's or a validator's");
      return;
    }
    this.acceptVote({ ...vote, validator: recovered }, { ecdsa: v.ecdsa, bls: v.bls });
  }

  /** The lowercase address that signed a vote's ECDSA signature; "" when the signature is malformed. */
  private signerOf(epoch: bigint, vote: Vote, ecdsa: string): string {
    try {
      return recoverVoteSigner(this.m.domain, epoch, vote, ecdsa);
    } catch {
      return "";
    }
  }

  private acceptVote(vote: Vote, sig: { ecdsa: string; bls: string }): void {
    this.recordVoteSig(vote, vote.validator, sig);
    this.run(this.engine!, { type: "vote", vote });
    this.relayIfProposer(vote, vote.validator, sig);
  }

  /** A decided height as a commit message (memory, else the store), or null. */
  private async decidedAt(epoch: bigint, height: bigint): Promise<FullCommitMsg | null> {
    const d = this.decided.get(height);
    if (!d || d.commit.epoch !== epoch) {
      const stored = (await this.m.decidedStore.get(`e/${epoch}/${height.toString().padStart(20, "0")}`)) as
        StoredDecided | undefined;
      if (!stored) return null;
      return { payload: stored.payload, commit: stored.commit };
    }
    return { payload: payloadToJson(this.parts, d.payload), commit: commitToJson(d.commit) };
  }

  /** Whether this keeper decided `height` in its current epoch. */
  private isDecided(height: number | bigint): boolean {
    return this.decided.get(BigInt(height))?.commit.epoch === this.epoch;
  }

  private catchUpAt = { height: -1, at: 0 };
  /** verified commits of heights ahead of this keeper's, adopted in order as it catches up */
  private readonly aheadCommits = new Map<bigint, { msg: CommitMsg; from?: string }>();
  /** the highest height each peer (by peer id) was seen proposing or voting at, this epoch */
  private readonly peerHeights = new Map<string, number>();
  private pollTurn = 0;

  /**
   * Catch-up that does not wait for a peer to move past us: the proposer of the next height that
   * missed the commit and some precommits of this one sees no message of the next height (the
   * others wait for its proposal) and, without this, sits until their propose timeout. While
   * this height is undecided, ask one peer per poll, in turn.
   */
  private pollCommit(engine: ConsensusEngine, height: number): void {
    if (this.engine !== engine || !this.m.catchUp) return;
    const current = engine.snapshot();
    if (current.height > height || this.isDecided(height)) return;
    this.later(this.m.catchUpPollMs ?? 2_000, () => this.pollCommit(engine, height));
    // an epoch's first height starts after chain reads: not started yet, the next poll looks again
    if (current.status !== "running" || current.height !== height) return;
    // peers seen at or past this height first; else every peer seen this epoch (one behind says null)
    const ahead = [...this.peerHeights].filter(([, h]) => h >= height).map(([peer]) => peer);
    const peers = ahead.length > 0 ? ahead : [...this.peerHeights.keys()];
    if (peers.length === 0) return;
    this.askForCommit(peers[this.pollTurn++ % peers.length]!, this.epoch!, height);
  }

  private askForCommit(peerId: string, epoch: bigint, height: number): void {
    void this.m
      .catchUp!.fetch(peerId, epoch, BigInt(height))
      .then((reply) => {
        // the peer that answered is where the heights before it are asked for next (keepAhead):
        // without it, a keeper far behind caught up one height per announced commit, about one a
        // second, as fast as the others decide, and signed nothing for the rest of the epoch
        if (reply) this.inbound("commit", () => this.onCommit(reply, peerId));
      })
      .catch((err: unknown) => this.log.debug({ height, err: (err as Error).message }, "catch-up request failed"));
  }

  /**
   * A peer proposes or votes past the height this keeper is still deciding: it missed messages
   * (the commit of a height is gossiped once, by its proposer). Ask that peer for the commit, at
   * most once a second per height; the reply goes through the same checks as a gossiped commit.
   */
  private noteHeightOf(sender: { peerId: string }, epoch: string, height: number): void {
    if ((this.peerHeights.get(sender.peerId) ?? -1) < height) this.peerHeights.set(sender.peerId, height);
    const engine = this.engine!;
    const current = engine.snapshot();
    if (!this.m.catchUp || current.status !== "running" || height <= current.height) return;
    if (this.isDecided(current.height)) return; // decided, between heights
    const now = Date.now();
    if (this.catchUpAt.height === current.height && now - this.catchUpAt.at < 1_000) return;
    this.catchUpAt = { height: current.height, at: now };
    this.askForCommit(sender.peerId, BigInt(epoch), current.height);
  }

  /** `from`: the peer that announced it (asked for the value when the commit comes without one) */
  private onCommit(msg: CommitMsg, from?: string): void {
    let payload: CheckpointPayload | undefined;
    let commit: Commit;
    try {
      payload = msg.payload === null ? undefined : payloadFromJson(this.parts, msg.payload);
      commit = commitFromJson(msg.commit);
    } catch {
      return;
    }
    if (this.bufferIfNextEpoch(commit.epoch.toString(), () => this.onCommit(msg, from))) return;
    if (!this.inEpoch(commit.epoch.toString())) return;
    if (this.isDecided(commit.height)) return;
    // The proposal of this header, if this keeper validated it, is the payload it keeps (a commit's
    // copy may differ only in fields the header does not bind, like lastCommit's signer list).
    const known = this.payloads.get(commit.valueHash);
    if (known && (payload === undefined || this.validPayloads.has(known))) payload = known;
    if (payload === undefined) {
      // announced without its value, which this keeper never saw: ask the announcer for all of it
      if (from !== undefined && this.m.catchUp) this.askForCommit(from, commit.epoch, Number(commit.height));
      return;
    }
    if (headerHash(payload.header) !== commit.valueHash) return;
    if (!this.validPayloads.has(payload) && !livenessMatchesHeader(payload)) {
      // a real commit with an edited liveness slice would skip the wrong proposers here only
      this.log.warn({ from, height: String(commit.height) }, "commit payload's liveness does not match its header");
      return;
    }
    // > 2/3 of this epoch's stake signed the precommit (signatures checked one by one)
    const ctx = this.context(Number(commit.height) + 1);
    let signed = 0n;
    const seen = new Set<string>();
    for (const s of commit.signatures) {
      const power = this.stake.get(s.signer);
      if (power === undefined || seen.has(s.signer) || !ctx.verifyCommitSignature(commit, s)) return;
      seen.add(s.signer);
      signed += power;
    }
    const total = [...this.stake.values()].reduce((a, b) => a + b, 0n);
    if (signed * 3n <= total * 2n) return;
    this.certifiedPayloads.add(payload);
    for (const s of commit.signatures) {
      this.recordVoteSig(
        { type: "precommit", height: Number(commit.height), round: commit.round, valueHash: commit.valueHash },
        s.signer,
        { ecdsa: s.ecdsa, bls: s.bls },
      );
    }
    const current = this.engine!.snapshot();
    if (current.status === "running" && BigInt(current.height) === commit.height) {
      // our own height: let the engine decide from the certificate
      this.payloads.set(commit.valueHash, payload);
      this.run(this.engine!, {
        type: "certificate",
        decision: {
          height: current.height,
          round: commit.round,
          value: { hash: commit.valueHash, payload },
          precommits: commit.signatures.map((s) => ({
            type: "precommit" as const,
            height: current.height,
            round: commit.round,
            valueHash: commit.valueHash,
            validator: s.signer,
          })),
        },
      });
      return;
    }
    if (commit.height > BigInt(current.height)) {
      if (this.m.catchUp) {
        // we fell behind: keep this commit and fetch the heights before it first, so every height
        // is decided here in order and every part sees each decided slice (a jump skipped them: a
        // restarted keeper then lacked the uptime certified in a skipped height)
        this.keepAhead(commit.height, msg, from);
        if (from !== undefined) this.askForCommit(from, commit.epoch, current.height);
        return;
      }
      // no catch-up transport: adopt the decided height and move past it
      this.log.info({ height: String(commit.height) }, "catching up from a gossiped commit");
      void this.storeDecided({ payload, commit }).then(() => {
        this.m.sink.onAdopted?.({ payload, commit }, { start: this.epochStart!, self: this.self });
        this.enqueue(() => this.apply({ type: "startHeight", height: Number(commit.height) + 1 }));
      });
    }
  }

  /** Holds a verified commit of a height ahead of this keeper's until that height starts here. */
  private keepAhead(height: bigint, msg: CommitMsg, from: string | undefined): void {
    if (this.aheadCommits.has(height)) return;
    if (this.aheadCommits.size >= MAX_AHEAD_COMMITS) {
      // keep the nearest ones: they are adopted first
      const farthest = Math.max(...[...this.aheadCommits.keys()].map(Number));
      if (Number(height) >= farthest) return;
      this.aheadCommits.delete(BigInt(farthest));
    }
    this.aheadCommits.set(height, { msg, from });
  }

  /**
   * A height started here: adopt its commit if one arrived ahead of time; else, while commits of
   * later heights wait, ask a peer that sent one for this height's (catch-up, one height at a time).
   */
  private adoptAhead(height: number): void {
    for (const h of this.aheadCommits.keys()) if (h < BigInt(height)) this.aheadCommits.delete(h);
    const here = this.aheadCommits.get(BigInt(height));
    if (here) {
      this.aheadCommits.delete(BigInt(height));
      this.onCommit(here.msg, here.from);
      return;
    }
    const from = [...this.aheadCommits.values()].find((a) => a.from !== undefined)?.from;
    if (from !== undefined && this.m.catchUp) this.askForCommit(from, this.epoch!, height);
  }
}
