// The latest certified checkpoints as the chain recorded them, for /checkpoints (the Studio's
// network page): height, epoch, certificate kind, signers and the gas of the certifying
// transaction. Fed by the keeper's protocol log watcher (no extra polling); the per-transaction
// details (receipt, calldata, block time) are fetched only when asked for, once, so a keeper that
// replays a long history on start-up costs nothing until someone looks.
import type { Log, Provider } from "ethers";
import { CheckpointStore__factory, ValidatorSetManager__factory } from "../../../types/ethers-contracts/index.js";
import type { CheckpointRecord } from "./checkpoint-record.js";

export interface CheckpointFeedOptions {
  provider: Provider;
  checkpointStore: string;
  validatorSets: string;
  /** how many checkpoints to keep (newest) */
  limit?: number;
}

const store = CheckpointStore__factory.createInterface();
const sets = ValidatorSetManager__factory.createInterface();
const certified = store.getEvent("CheckpointCertified");
/** docs/certificates.md: one packed record per ECDSA signer, one per BLS non-signer */
const ECDSA_VOTE_BYTES = 77;
const BLS_NON_SIGNER_BYTES = 205;

export class CheckpointFeed {
  private readonly records: CheckpointRecord[] = [];
  private readonly detailed = new Set<string>();
  private readonly validatorCounts = new Map<string, number>();
  private readonly limit: number;
  private readonly storeAddress: string;

  constructor(private readonly opts: CheckpointFeedOptions) {
    this.limit = opts.limit ?? 20;
    this.storeAddress = opts.checkpointStore.toLowerCase();
  }

  /** Takes the protocol watcher's confirmed logs (any contract); keeps the CheckpointCertified ones. */
  onLogs(logs: readonly Log[]): void {
    for (const log of logs) {
      if (log.address.toLowerCase() !== this.storeAddress || log.topics[0] !== certified.topicHash) continue;
      const e = store.decodeEventLog(certified, log.data, log.topics);
      this.records.push({
        epoch: e.epoch.toString(),
        height: e.height.toString(),
        headerHash: e.headerHash,
        kind: Number(e.kind) === 1 ? "BLS" : "ECDSA",
        round: Number(e.round),
        signedStake: e.signedStake.toString(),
        submitter: e.submitter,
        blockNumber: log.blockNumber,
        txHash: log.transactionHash,
        timestamp: null,
        gasUsed: null,
        signers: null,
        validators: null,
      });
    }
    if (this.records.length > this.limit) {
      for (const dropped of this.records.splice(0, this.records.length - this.limit))
        this.detailed.delete(dropped.txHash);
    }
  }

  /** The kept checkpoints, newest first, with their details (fetched on first request). */
  async recent(): Promise<CheckpointRecord[]> {
    await Promise.all(this.records.filter((r) => !this.detailed.has(r.txHash)).map((r) => this.fill(r)));
    return [...this.records].reverse();
  }

  private async fill(r: CheckpointRecord): Promise<void> {
    const { provider } = this.opts;
    const [receipt, tx, block, validators] = await Promise.all([
      provider.getTransactionReceipt(r.txHash).catch(() => null),
      provider.getTransaction(r.txHash).catch(() => null),
      provider.getBlock(r.blockNumber).catch(() => null),
      this.validatorCount(r.epoch),
    ]);
    r.gasUsed = receipt ? receipt.gasUsed.toString() : null;
    r.timestamp = block ? block.timestamp : null;
    r.validators = validators;
    r.signers = tx ? signersOf(tx.data, validators) : null;
    // anything not read (an RPC hiccup under load) is read again on the next request
    if (receipt && tx && block && validators !== null) this.detailed.add(r.txHash);
  }

  private async validatorCount(epoch: string): Promise<number | null> {
    const known = this.validatorCounts.get(epoch);
    if (known !== undefined) return known;
    try {
      const data = sets.encodeFunctionData("epochValidatorSet", [epoch]);
      const out = await this.opts.provider.call({ to: this.opts.validatorSets, data });
      const count = Number(sets.decodeFunctionResult("epochValidatorSet", out)[3]);
      this.validatorCounts.set(epoch, count);
      return count;
    } catch {
      return null;
    }
  }
}

/** Signers of a certificate from the submit call's calldata; null for any other call. */
export function signersOf(calldata: string, validators: number | null): number | null {
  let parsed;
  try {
    parsed = store.parseTransaction({ data: calldata });
  } catch {
    return null;
  }
  if (!parsed) return null;
  const bytes = (hex: string) => (hex.length - 2) / 2;
  if (parsed.name === "submitCheckpointEcdsa") return bytes(parsed.args[1].votes as string) / ECDSA_VOTE_BYTES;
  if (parsed.name === "submitCheckpointBls" && validators !== null) {
    return validators - bytes(parsed.args[1].nonSigners as string) / BLS_NON_SIGNER_BYTES;
  }
  return null;
}
