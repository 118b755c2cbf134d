// The tasks checkpoint part: a proposal carries, per agreed task round, the executors' signed
// results; every validator re-derives the agreed value, the leaf's executors (owner addresses)
// and the faults from them, so taskRoot and faultsRoot never depend on what one keeper saw.
// What a validator needs besides the slice (the task's redundancy, kind and tolerance, the
// signer -> owner map of the epoch) comes from the chain through `TaskKnowledge`; a validator
// that lacks it prevotes nil (PartUnavailable) after the prefetch had its chance to load it.
import { AbiCoder, keccak256 } from "ethers";
import { z } from "zod";
import type { Header } from "../checkpoint/header.js";
import { rootOf, type LeafValues } from "../checkpoint/leaves.js";
import { PayloadError } from "../checkpoint/payload.js";
import {
  PartUnavailable,
  type CheckpointPart,
  type FaultLeaf,
  type PartContext,
  type PartHost,
} from "../checkpoint/part.js";
import type { TopicSpec } from "../p2p/topics.js";
import { agreeExact, agreeNumeric, type ExecutorResult } from "./agreement.js";
import { assign, countingPositions } from "./assignment.js";
import {
  decodeValue,
  encodeValue,
  recoverResultSigner,
  SignedResultJson,
  type ResultDomain,
  type SignedResult,
} from "./result-msg.js";

export const TASKS_PART = "tasks";
/** faultsRoot leaf kind of a task result outside the tolerance / a disagreeing output */
export const FAULT_TASK_RESULT = 1;
/** most task rounds one proposal carries */
export const MAX_ENTRIES = 32;

export interface TaskRules {
  kind: "http-oracle" | "wasm";
  redundancy: number;
  /** the task's spares (on chain, fixed at post time): results count from redundancy + spares positions */
  spares: number;
  /** http-oracle only (0 for wasm) */
  toleranceBps: number;
  rounds: number;
  /** first height at which `round` may be committed */
  dueHeight(round: number): bigint;
}

export interface RoundEntry {
  taskId: bigint;
  round: number;
  results: SignedResult[];
}

export interface CommittedRound {
  taskId: bigint;
  round: number;
  /** the leaf's result bytes and executors (owner addresses) */
  result: string;
  executors: string[];
  /** signers whose result was a fault */
  faults: string[];
}

/** What the part reads from the keeper (the TaskService). */
export interface TaskKnowledge {
  readonly domain: ResultDomain;
  /** undefined: this keeper does not know the task (or its spec) yet */
  rules(taskId: bigint): TaskRules | undefined;
  /** the owner address of a validator signer in `epoch`, or undefined when the epoch is not loaded */
  operatorOf(epoch: bigint, signer: string): string | undefined;
  /** rounds with enough results for the proposer to include (already committed ones left out) */
  candidates(ctx: PartContext): RoundEntry[];
  /** loads what validating these entries needs (tasks, specs, the epoch's operators) */
  prepare(epoch: bigint, taskIds: readonly bigint[]): Promise<void>;
  /** a decided slice (FinalizeBlock; also replayed after a restart) */
  decided(header: Header, slice: RoundEntry[]): void;
  start?(host: PartHost): Promise<void> | void;
  stop?(): Promise<void> | void;
  readonly topics: ReadonlyArray<TopicSpec<unknown>>;
}

const EntryJson = z.strictObject({
  taskId: z.string().regex(/^\d{1,78}$/),
  round: z.int().nonnegative().max(0xffffffff),
  results: z.array(SignedResultJson).min(1).max(64),
});
const SliceJson = z.array(EntryJson).max(MAX_ENTRIES);
type SliceJsonT = z.infer<typeof SliceJson>;

const coder = AbiCoder.defaultAbiCoder();

/** The fault leaf's detailsHash: which round and what the faulty executor signed. */
export const faultDetails = (taskId: bigint, round: number, result: string): string =>
  keccak256(coder.encode(["string", "uint256", "uint32", "bytes"], ["task-result", taskId, round, result]));

/**
 * Checks one entry and derives its leaf and faults (deterministic in the entry, the rules and the
 * members). Throws PayloadError when the entry is invalid or has no agreement.
 */
export function agreeEntry(
  e: RoundEntry,
  rules: TaskRules,
  members: readonly string[],
  height: bigint,
  domain: ResultDomain,
  operatorOf: (signer: string) => string,
): CommittedRound {
  const id = `task ${e.taskId} round ${e.round}`;
  if (e.round >= rules.rounds) throw new PayloadError(`${id}: no such round`);
  if (height < rules.dueHeight(e.round)) throw new PayloadError(`${id}: not due before ${rules.dueHeight(e.round)}`);
  const counting = countingPositions(assign(e.taskId, members, rules.redundancy, rules.spares));
  const seen = new Set<string>();
  const results: ExecutorResult[] = [];
  for (const r of e.results) {
    if (BigInt(r.taskId) !== e.taskId || r.round !== e.round) throw new PayloadError(`${id}: result of another round`);
    const position = counting.indexOf(r.signer);
    if (position < 0) throw new PayloadError(`${id}: ${r.signer} is not a counting executor`);
    if (seen.has(r.signer)) throw new PayloadError(`${id}: two results of ${r.signer}`);
    seen.add(r.signer);
    let by: string;
    try {
      by = recoverResultSigner(r, domain);
    } catch {
      throw new PayloadError(`${id}: malformed signature`);
    }
    if (by !== r.signer) throw new PayloadError(`${id}: signature is not ${r.signer}'s`);
    const value = !r.ok ? undefined : rules.kind === "wasm" ? r.result.toLowerCase() : decodeValue(r.result);
    results.push({ operator: r.signer, position, value });
  }
  const a =
    rules.kind === "wasm"
      ? agreeExact(results, rules.redundancy)
      : agreeNumeric(results, rules.redundancy, rules.toleranceBps);
  if (a.value === undefined) throw new PayloadError(`${id}: no agreement`);
  const result = typeof a.value === "bigint" ? encodeValue(a.value) : a.value;
  return {
    taskId: e.taskId,
    round: e.round,
    result,
    executors: a.executors.map(operatorOf),
    faults: a.faults,
  };
}

export const taskLeaf = (c: CommittedRound): LeafValues => [c.taskId, c.round, c.result, c.executors];

export function faultLeaves(rounds: readonly CommittedRound[], slice: readonly RoundEntry[]): FaultLeaf[] {
  const leaves: FaultLeaf[] = [];
  for (const c of rounds) {
    const entry = slice.find((e) => e.taskId === c.taskId && e.round === c.round)!;
    for (const signer of c.faults) {
      const r = entry.results.find((x) => x.signer === signer)!;
      leaves.push([signer, FAULT_TASK_RESULT, faultDetails(c.taskId, c.round, r.result)]);
    }
  }
  return leaves;
}

export class TaskPart implements CheckpointPart<RoundEntry[], SliceJsonT> {
  readonly name = TASKS_PART;
  readonly roots = ["taskRoot"] as const;
  readonly codec = {
    schema: SliceJson,
    toJson: (s: RoundEntry[]): SliceJsonT => s.map((e) => ({ ...e, taskId: e.taskId.toString() })),
    fromJson: (j: SliceJsonT): RoundEntry[] =>
      j.map((e) => ({ ...e, taskId: BigInt(e.taskId), results: e.results.map((r) => ({ ...r })) })),
  };

  constructor(private readonly k: TaskKnowledge) {}

  get topics(): ReadonlyArray<TopicSpec<unknown>> {
    return this.k.topics;
  }

  start(host: PartHost) {
    return this.k.start?.(host);
  }

  stop() {
    return this.k.stop?.();
  }

  /** The candidates that check out here (a candidate that does not is left for a later height). */
  propose(ctx: PartContext): RoundEntry[] {
    const out: RoundEntry[] = [];
    for (const e of this.k.candidates(ctx)) {
      if (out.length >= MAX_ENTRIES) break;
      if (out.some((o) => o.taskId === e.taskId && o.round === e.round)) continue;
      try {
        this.derive(ctx, [e]);
        out.push(e);
      } catch {
        // not agreed yet, or inputs missing here: not proposed
      }
    }
    return out;
  }

  validate(ctx: PartContext, slice: RoundEntry[]) {
    const rounds = this.derive(ctx, slice);
    return {
      taskRoot: rootOf("taskResult", rounds.map(taskLeaf)),
      faults: faultLeaves(rounds, slice),
    };
  }

  private derive(ctx: PartContext, slice: readonly RoundEntry[]): CommittedRound[] {
    const keys = new Set<string>();
    const out: CommittedRound[] = [];
    for (const e of slice) {
      const key = `${e.taskId}/${e.round}`;
      if (keys.has(key)) throw new PayloadError(`task ${key} twice in one slice`);
      keys.add(key);
      const rules = this.k.rules(e.taskId);
      if (!rules) throw new PartUnavailable(`task ${e.taskId} not known here yet`);
      const operatorOf = (signer: string) => {
        const op = this.k.operatorOf(ctx.epoch, signer);
        if (!op) throw new PartUnavailable(`operators of epoch ${ctx.epoch} not loaded`);
        return op;
      };
      out.push(agreeEntry(e, rules, ctx.members, ctx.height, this.k.domain, operatorOf));
    }
    return out;
  }

  async prefetch(ctx: { epoch: bigint }, slice: RoundEntry[]): Promise<void> {
    await this.k.prepare(
      ctx.epoch,
      slice.map((e) => e.taskId),
    );
  }

  /** The service re-derives the leaves (asynchronously: it may first have to load the epoch's operators). */
  onDecided(decided: { header: Header }, slice: RoundEntry[]): void {
    if (slice.length > 0) this.k.decided(decided.header, slice);
  }
}
