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
import { aggregatePublicKeys, aggregateSignatures, verify as blsVerify } from "../crypto/bls.js";
import { CheckpointStore__factory, EvidenceHandler__factory } from "../../../types/ethers-contracts/index.js";
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

/** Drops BLS shares that do not verify: one aggregate check, then one by one only if it fails. */
export function validShares(
  tree: ValidatorSetTree,
  digest: Uint8Array,
  shares: ReadonlyMap<number, Uint8Array>,
): Map<number, Uint8Array> {
  const entries = [...shares.entries()];
  if (entries.length === 0) return new Map();
  const aggSig = aggregateSignatures(entries.map(([, s]) => s));
  const aggKey = aggregatePublicKeys(entries.map(([i]) => tree.member(i).blsPubkey));
  if (blsVerify(aggKey, aggSig, digest)) return new Map(entries);
  return new Map(entries.filter(([i, s]) => blsVerify(tree.member(i).blsPubkey, s, digest)));
}

export class CheckpointSubmitter implements DecisionSink {
  private readonly log: Logger;
  private interval = 1;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly m: SubmitterModules) {
    this.log = m.logger.child({ module: "submitter" });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  onDecided(decided: DecidedHeight, ctx: { start: EpochStart; proposer: string; self: string }): void {
    void this.consider(decided, ctx).catch((err: unknown) =>
      this.log.warn({ err: (err as Error).message, height: String(decided.commit.height) }, "submission failed"),
    );
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
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.submitEvidence(evidence).catch((err: unknown) =>
        this.log.warn({ err: (err as Error).message }, "evidence submission failed"),
      );
    }, rank * this.m.fallbackDelayMs);
    this.timers.add(t);
  }

  private async submitEvidence(evidence: DoubleSignEvidenceStruct): Promise<void> {
    if (this.stopped) return;
    if (await this.m.chain.evidence.used(doubleSignKey(evidence))) return;
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
    if (height % BigInt(this.interval) !== 0n && height !== ctx.start.startHeight) return;
    const order = ctx.start.set.validators.map((v) => v.signer.toLowerCase());
    const first = Math.max(0, order.indexOf(ctx.proposer));
    const rotated = [...order.slice(first), ...order.slice(0, first)];
    const rank = rotated.indexOf(ctx.self);
    if (rank < 0) return;
    // the designated submitter waits a moment for late precommits (each one is a non-signer less)
    const delay = rank === 0 ? this.m.collectMs : this.m.collectMs + rank * this.m.fallbackDelayMs;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, delay);
      this.timers.add(t);
    });
    if (this.stopped) return;
    if ((await this.m.chain.checkpointHash(height)) !== "0x" + "00".repeat(32)) return; // already certified
    if ((await this.m.chain.latestHeight()) >= height) return; // a later header landed: this one is moot
    await this.submit(decided, ctx.start);
  }

  async submit(decided: DecidedHeight, start: EpochStart): Promise<SubmittedCheckpoint | undefined> {
    const { payload, commit } = decided;
    const tree = start.tree;
    const indexOf = new Map(tree.members.map((m) => [m.signer.toLowerCase(), m.index]));
    const digest = getBytes(await this.digest(decided));
    let kind = this.m.kind;
    let data: string;
    let signers: number;
    if (kind === "bls") {
      const shares = new Map<number, Uint8Array>();
      for (const s of commit.signatures) {
        const i = indexOf.get(s.signer);
        if (i !== undefined && s.bls !== "0x") shares.set(i, getBytes(s.bls));
      }
      const good = validShares(tree, digest, shares);
      const stake = [...good.keys()].reduce((sum, i) => sum + tree.member(i).stake, 0n);
      if (good.size < shares.size) this.log.warn({ dropped: shares.size - good.size }, "dropped invalid BLS shares");
      if (stake * 3n > tree.totalStake * 2n) {
        data = checkpointIface.encodeFunctionData("submitCheckpointBls", [
          headerTuple(payload.header),
          buildBlsCertificate(tree, commit.round, good),
        ]);
        signers = good.size;
      } else {
        kind = "ecdsa"; // not enough valid BLS shares: the ECDSA certificate still proves the decision
      }
    }
    if (kind === "ecdsa") {
      const votes = commit.signatures
        .filter((s) => indexOf.has(s.signer))
        .map((s) => ({ index: indexOf.get(s.signer)!, signature: s.ecdsa }));
      data = checkpointIface.encodeFunctionData("submitCheckpointEcdsa", [
        headerTuple(payload.header),
        buildEcdsaCertificate(tree, commit.round, votes),
      ]);
      signers = votes.length;
    }
    const to = await this.m.chain.checkpoints.getAddress();
    const receipt = await this.m.send({ to, data: data! });
    const submitted: SubmittedCheckpoint = {
      height: commit.height,
      round: commit.round,
      kind,
      signers: signers!,
      gasUsed: receipt.gasUsed,
      txHash: receipt.hash,
    };
    this.log.info(
      { height: String(commit.height), round: commit.round, kind, signers: signers!, gas: String(receipt.gasUsed) },
      "checkpoint certified on chain",
    );
    this.m.onSubmitted?.(submitted);
    return submitted;
  }

  private async digest(d: DecidedHeight): Promise<string> {
    return this.m.chain.checkpoints.voteDigest(2, d.commit.epoch, d.commit.height, d.commit.round, d.commit.valueHash);
  }
}
