// Puts decided checkpoints on chain. Every `checkpointInterval` heights (and at each epoch's
// first height, which carries the finished epoch's rewards) the proposer of the deciding round
// submits the header with a quorum certificate; every other validator waits rank x delay, checks
// the chain, and submits only if it is still missing. A duplicate submission is a harmless no-op
// on chain.
import { getBytes, type TransactionReceipt } from "ethers";
import type { Logger } from "pino";
import { buildBlsCertificate, buildEcdsaCertificate } from "../checkpoint/certificate.js";
import { headerTuple } from "../checkpoint/header.js";
import type { ValidatorSetTree } from "../checkpoint/validator-set.js";
import { verify as blsVerify } from "../crypto/bls.js";
import { Eip2537DecodeError } from "../crypto/eip2537.js";
import { StopScope } from "../chain/stop-scope.js";
import { TxRevertedError } from "../chain/tx-sender.js";
import {
  CheckpointStore__factory,
  EvidenceHandler__factory,
  Staking__factory,
} from "../../../types/ethers-contracts/index.js";
import { doubleSignKey, type DoubleSignEvidenceStruct } from "./evidence.js";
import type { ChainView, EpochStart } from "./chain-view.js";
import type { DecidedHeight, DecisionSink } from "./service.js";

export type CertificateKind = "bls" | "ecdsa";

export interface SubmittedCheckpoint {
  height: bigint;
  round: number;
  kind: CertificateKind;
  signers: number;
  gasUsed: bigint;
  txHash: string;
}

export interface SubmitterModules {
  chain: ChainView;
  /** sends a transaction from this keeper's signer and resolves with its receipt */
  send(request: { to: string; data: string }): Promise<TransactionReceipt>;
  logger: Logger;
  kind: CertificateKind;
  /** fallback submitters wait rank x this before checking the chain */
  fallbackDelayMs: number;
  /** the designated submitter waits this long for late precommits */
  collectMs: number;
  onSubmitted?(s: SubmittedCheckpoint): void;
}

const checkpointIface = CheckpointStore__factory.createInterface();
const evidenceIface = EvidenceHandler__factory.createInterface();

/** The shares that verify one by one: the slow path, taken only when an aggregate was refused. */
export function sharesThatVerify(
  tree: ValidatorSetTree,
  digest: Uint8Array,
  shares: ReadonlyMap<number, Uint8Array>,
): Map<number, Uint8Array> {
  return new Map([...shares].filter(([i, s]) => blsVerify(tree.member(i).blsPubkey, s, digest)));
}

/** Reverts that mean another submission got there first. */
const MOOT = new Set(["CheckpointHeightNotIncreasing"]);

/** IOperatorRegistryTypes.OperatorStatus.Tombstoned */
const OPERATOR_TOMBSTONED = 4n;

/** Errors an aggregate with a bad share gets from the chain (pairing false, point outside the group). */
const BAD_AGGREGATE = new Set(["CertificateInvalidBlsSignature", "BLSPrecompileFailed", "BLSPointAtInfinity"]);

/** Whether a certificate was refused because of its BLS shares (locally undecodable, or by the chain). */
function isBadAggregate(err: unknown): boolean {
  if (err instanceof Eip2537DecodeError) return true;
  if (!(err instanceof TxRevertedError) || err.stage !== "estimate" || err.revert.kind !== "custom") return false;
  return BAD_AGGREGATE.has(err.revert.name);
}

export class CheckpointSubmitter implements DecisionSink {
  private readonly log: Logger;
  private interval = 1;
  private readonly scope = new StopScope();

  constructor(private readonly m: SubmitterModules) {
    this.log = m.logger.child({ module: "submitter" });
  }

  stop(): void {
    this.scope.stop();
  }

  onDecided(decided: DecidedHeight, ctx: { start: EpochStart; proposer: string; self: string }): void {
    void this.consider(decided, ctx).catch((err: unknown) => {
      const height = String(decided.commit.height);
      // a later height's checkpoint was mined first (both in flight): this one is moot, nothing is lost
      if (err instanceof TxRevertedError && err.revert.kind === "custom" && MOOT.has(err.revert.name)) {
        this.log.debug({ height, reason: err.revert.name }, "checkpoint superseded by a later one");
        return;
      }
      if (!this.scope.stopped()) this.log.warn({ err: (err as Error).message, height }, "submission failed");
    });
  }

  /**
   * Submits double-sign evidence: validators in set order (after the offender is skipped) wait
   * rank x fallbackDelayMs and submit only if nobody has yet (a replay would revert).
   */
  onEvidence(evidence: DoubleSignEvidenceStruct, ctx: { start: EpochStart; self: string }): void {
    const order = ctx.start.set.validators
      .map((v) => v.signer.toLowerCase())
      .filter((s) => s !== evidence.validator.signer.toLowerCase());
    const rank = order.indexOf(ctx.self);
    if (rank < 0) return;
    void this.submitEvidence(evidence, rank * this.m.fallbackDelayMs).catch((err: unknown) =>
      this.log.warn({ err: (err as Error).message }, "evidence submission failed"),
    );
  }

  private async submitEvidence(evidence: DoubleSignEvidenceStruct, delayMs: number): Promise<void> {
    await this.scope.sleep(delayMs);
    if (this.scope.stopped()) return;
    if (await this.m.chain.evidence.used(doubleSignKey(evidence))) return;
    // A tombstoned operator is slashed once (issue 15): evidence of the same incident at another
    // height or step would revert EvidenceOperatorTombstoned, so it is not sent.
    const staking = Staking__factory.connect(await this.m.chain.evidence.staking(), this.m.chain.provider);
    const operator = await staking.operatorOf(evidence.validator.signer);
    if ((await staking.statusOf(operator)) === OPERATOR_TOMBSTONED) return;
    const to = await this.m.chain.evidence.getAddress();
    const receipt = await this.m.send({ to, data: evidenceIface.encodeFunctionData("submitDoubleSign", [evidence]) });
    this.log.warn(
      { offender: evidence.validator.signer, height: String(evidence.first.height), tx: receipt.hash },
      "double-sign evidence submitted: offender slashed and tombstoned",
    );
  }

  private async consider(decided: DecidedHeight, ctx: { start: EpochStart; proposer: string; self: string }) {
    const height = decided.commit.height;
    try {
      this.interval = await this.m.chain.checkpointInterval();
    } catch {
      // keep the last known interval
    }
    if (this.scope.stopped()) return;
    if (height % BigInt(this.interval) !== 0n && height !== ctx.start.startHeight) return;
    const order = ctx.start.set.validators.map((v) => v.signer.toLowerCase());
    const first = Math.max(0, order.indexOf(ctx.proposer));
    const rotated = [...order.slice(first), ...order.slice(0, first)];
    const rank = rotated.indexOf(ctx.self);
    if (rank < 0) return;
    // the designated submitter waits a moment for late precommits (each one is a non-signer less)
    const delay = rank === 0 ? this.m.collectMs : this.m.collectMs + rank * this.m.fallbackDelayMs;
    await this.scope.sleep(delay);
    if (this.scope.stopped()) return;
    if ((await this.m.chain.checkpointHash(height)) !== "0x" + "00".repeat(32)) return; // already certified
    if ((await this.m.chain.latestHeight()) >= height) return; // a later header landed: this one is moot
    await this.submit(decided, ctx.start);
  }

  async submit(decided: DecidedHeight, start: EpochStart): Promise<SubmittedCheckpoint | undefined> {
    const { commit } = decided;
    const tree = start.tree;
    const indexOf = new Map(tree.members.map((m) => [m.signer.toLowerCase(), m.index]));
    if (this.m.kind === "bls") {
      const shares = new Map<number, Uint8Array>();
      for (const s of commit.signatures) {
        const i = indexOf.get(s.signer);
        if (i !== undefined && s.bls !== "0x") shares.set(i, getBytes(s.bls));
      }
      const quorum = (m: ReadonlyMap<number, Uint8Array>) =>
        [...m.keys()].reduce((sum, i) => sum + tree.member(i).stake, 0n) * 3n > tree.totalStake * 2n;
      // Optimistic: the shares came with valid ECDSA votes, so the aggregate nearly always verifies;
      // the transaction's gas estimate runs the chain's own pairing check (~1 ms natively, ~30 ms
      // in JS here). Only a refused aggregate costs the share-by-share check, then a retry.
      if (quorum(shares)) {
        try {
          return await this.sendBls(decided, tree, shares);
        } catch (err) {
          if (!isBadAggregate(err)) throw err;
          const good = sharesThatVerify(tree, getBytes(await this.digest(decided)), shares);
          const dropped = [...shares.keys()].filter((i) => !good.has(i)).map((i) => tree.member(i).signer);
          this.log.warn({ dropped }, "aggregate refused: dropped invalid BLS shares");
          if (quorum(good)) return await this.sendBls(decided, tree, good);
        }
      }
      // not enough valid BLS shares: the ECDSA certificate still proves the decision
    }
    const votes = commit.signatures
      .filter((s) => indexOf.has(s.signer))
      .map((s) => ({ index: indexOf.get(s.signer)!, signature: s.ecdsa }));
    const data = checkpointIface.encodeFunctionData("submitCheckpointEcdsa", [
      headerTuple(decided.payload.header),
      buildEcdsaCertificate(tree, commit.round, votes),
    ]);
    return this.send(decided, "ecdsa", data, votes.length);
  }

  private sendBls(decided: DecidedHeight, tree: ValidatorSetTree, shares: ReadonlyMap<number, Uint8Array>) {
    const data = checkpointIface.encodeFunctionData("submitCheckpointBls", [
      headerTuple(decided.payload.header),
      buildBlsCertificate(tree, decided.commit.round, shares),
    ]);
    return this.send(decided, "bls", data, shares.size);
  }

  private async send(decided: DecidedHeight, kind: CertificateKind, data: string, signers: number) {
    const { commit } = decided;
    const to = await this.m.chain.checkpoints.getAddress();
    const receipt = await this.m.send({ to, data });
    const submitted: SubmittedCheckpoint = {
      height: commit.height,
      round: commit.round,
      kind,
      signers,
      gasUsed: receipt.gasUsed,
      txHash: receipt.hash,
    };
    this.log.info(
      { height: String(commit.height), round: commit.round, kind, signers, gas: String(receipt.gasUsed) },
      "checkpoint certified on chain",
    );
    this.m.onSubmitted?.(submitted);
    return submitted;
  }

  private async digest(d: DecidedHeight): Promise<string> {
    return this.m.chain.checkpoints.voteDigest(2, d.commit.epoch, d.commit.height, d.commit.round, d.commit.valueHash);
  }
}
