// What PoR needs to know about an epoch, read from the chain at the block that started it (so
// every keeper reads the same): the seed (latest certified header hash then), the operators
// proven (the epoch's frozen set) with their signers, and what each claimed on chain.
import type { Claims } from "./params.js";
import type { PorEpoch } from "./pool.js";

export interface PorEpochInfo extends PorEpoch {
  /** lowercase operator -> claims at the epoch's start block */
  claims: Map<string, Claims>;
  /** lowercase signer -> lowercase operator */
  operatorOf: Map<string, string>;
  startedAtMs: number;
}

/** The chain reads PoR makes (ChainView and Staking in the keeper; anything equivalent in tests). */
export interface PorChain {
  currentEpoch(): Promise<bigint>;
  epochStart(epoch: bigint): Promise<{
    parentHash: string;
    set: { validators: Array<{ operator: string; signer: string }>; blockNumber: number };
  }>;
  claimsAt(operator: string, blockNumber: number): Promise<Claims>;
}

export class EpochBook {
  private readonly loaded = new Map<number, PorEpochInfo>();
  private readonly loading = new Map<number, Promise<PorEpochInfo | undefined>>();

  constructor(private readonly chain: PorChain) {}

  /** Cached info of a started epoch (sync: parts validate synchronously). */
  get(epoch: number): PorEpochInfo | undefined {
    return this.loaded.get(epoch);
  }

  async load(epoch: number): Promise<PorEpochInfo | undefined> {
    const have = this.loaded.get(epoch);
    if (have) return have;
    let p = this.loading.get(epoch);
    if (!p) {
      p = this.read(epoch).finally(() => this.loading.delete(epoch));
      this.loading.set(epoch, p);
    }
    return p;
  }

  private async read(epoch: number): Promise<PorEpochInfo | undefined> {
    let start: Awaited<ReturnType<PorChain["epochStart"]>>;
    try {
      start = await this.chain.epochStart(BigInt(epoch));
    } catch {
      return undefined; // not started (yet)
    }
    const signers = new Map<string, string>();
    const operatorOf = new Map<string, string>();
    const claims = new Map<string, Claims>();
    for (const v of start.set.validators) {
      const op = v.operator.toLowerCase();
      signers.set(op, v.signer.toLowerCase());
      operatorOf.set(v.signer.toLowerCase(), op);
      claims.set(op, await this.chain.claimsAt(v.operator, start.set.blockNumber));
    }
    const info: PorEpochInfo = {
      epoch,
      seed: start.parentHash.toLowerCase(),
      signers,
      operatorOf,
      claims,
      startedAtMs: Date.now(),
    };
    this.loaded.set(epoch, info);
    for (const e of this.loaded.keys()) if (e < epoch - 4) this.loaded.delete(e);
    return info;
  }
}
