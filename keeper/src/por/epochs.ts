// What PoR needs to know about an epoch, read from the chain at the block that started it (so
// every keeper reads the same): the seed (latest certified header hash then), the operators
// proven (the epoch's frozen set) with their signers, what each claimed on chain, and the
// governed rules (EvidenceHandler.porRules: verifiers, quorum, fault tolerance).
import type { Claims } from "./params.js";
import type { PorEpoch } from "./pool.js";

/** The PoR rules every validator must apply alike (governed: EvidenceHandler.porRules). */
export interface PorRules {
  /** verifiers per operator per epoch */
  verifiers: number;
  /** reports a porRoot leaf needs */
  quorum: number;
  /** a measure proven below claim x (1 - this / 100) two epochs in a row is a fault */
  tolerancePct: number;
}

/** EvidenceHandler's defaults: a chain that offers no rules (unit tests) gets these. */
export const DEFAULT_POR_RULES: PorRules = { verifiers: 3, quorum: 2, tolerancePct: 20 };

export interface PorEpochInfo extends PorEpoch, PorRules {
  verifiers: number;
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
  /** the governed rules at a block (absent: the book's fallback rules) */
  porRulesAt?(blockNumber: number): Promise<PorRules>;
}

export class EpochBook {
  private readonly loaded = new Map<number, PorEpochInfo>();
  private readonly loading = new Map<number, Promise<PorEpochInfo | undefined>>();

  constructor(
    private readonly chain: PorChain,
    private readonly fallbackRules: PorRules = DEFAULT_POR_RULES,
  ) {}

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
    const rules = this.chain.porRulesAt ? await this.chain.porRulesAt(start.set.blockNumber) : this.fallbackRules;
    const info: PorEpochInfo = {
      ...rules,
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
