// The keeper's task executor and finalizer (docs/tasks.md, "In the keeper"). It follows
// TaskManager's events (TaskBook), runs the rounds this keeper is an active executor of (the first
// `redundancy` counting positions its failure detector does not suspect: a spare starts as soon as
// one ahead of it is suspected), signs and gossips the results, hands rounds with enough results to
// the tasks checkpoint part, and once a header committing a round is certified, finalizes the round
// on chain: the leaf's first executor at once, every other keeper after its rank x fallbackDelayMs
// if the round is still open.
import type { Log, Provider, TransactionReceipt } from "ethers";
import type { Logger } from "pino";
import type { EpochStart } from "../bft/chain-view.js";
import type { DecidedHeight, DecisionSink } from "../bft/service.js";
import { headerTuple, type Header } from "../checkpoint/header.js";
import { buildTree } from "../checkpoint/leaves.js";
import type { PartContext, PartHost } from "../checkpoint/part.js";
import { TxRevertedError } from "../chain/tx-sender.js";
import { waitCertified } from "../chain/wait-certified.js";
import { StopScope } from "../chain/stop-scope.js";
import type { FailureDetector } from "../observability/phi-accrual.js";
import type { TopicSpec } from "../p2p/topics.js";
import { ModuleStore } from "../wasm/module-store.js";
import {
  CheckpointStore__factory,
  TaskManager__factory,
  type CheckpointStore,
  type TaskManager,
} from "../../../types/ethers-contracts/index.js";
import { quorum } from "./agreement.js";
import { activeExecutors, assign } from "./assignment.js";
import { runHttpOracle, failure } from "./http-oracle.js";
import {
  encodeValue,
  resultDigest,
  resultKey,
  taskResultTopic,
  type ResultDomain,
  type SignedResult,
} from "./result-msg.js";
import { loadSpec, type TaskSpec, type WasmSpec } from "./spec.js";
import { currentRound, dueHeight, TaskBook } from "./task-book.js";
import {
  agreeEntry,
  taskLeaf,
  type CommittedRound,
  type RoundEntry,
  type TaskKnowledge,
  type TaskRules,
} from "./task-part.js";
import { ModuleExchange } from "./module-exchange.js";
import { RecentSigners } from "./recent-signers.js";
import { Refunder, type TaskRefunded } from "./refunder.js";
import { runWasmTask } from "./wasm-task.js";

export interface TaskStarted {
  taskId: bigint;
  round: number;
  /** "assigned": among the first `redundancy`; "spare": started because one ahead was suspected */
  reason: "assigned" | "spare";
  atMs: number;
}

export interface TaskFinalized {
  taskId: bigint;
  round: number;
  outcome: "finalized" | "already" | "failed";
  txHash?: string;
}

export interface TaskServiceOptions {
  domain: ResultDomain;
  logger: Logger;
  /** private / loopback sources allowed (tests, the demo) */
  allowPrivate: boolean;
  /** false: check and commit others' results, execute nothing */
  execute: boolean;
  /** the mesh's failure detector (observability/mesh-monitor.ts), fed with every heartbeat */
  detector: FailureDetector;
  /** a keeper ranked r after the leaf's first executor finalizes after r x this */
  fallbackDelayMs: number;
  certifiedTimeoutMs: number;
  pollMs: number;
  /** a round with a quorum of results but not all executors' waits this long for the rest */
  graceMs: number;
  onStarted?(s: TaskStarted): void;
  onFinalized?(f: TaskFinalized): void;
  /** fault injection (tests): rewrite this keeper's http-oracle value before signing */
  tamper?(taskId: bigint, value: bigint): bigint;
  /** an expired task this keeper refunded (or found refunded) */
  onRefunded?(r: TaskRefunded): void;
  /** a round this keeper saw committed, with its leaf and faults */
  onAgreed?(c: CommittedRound, header: Header): void;
}

type SpecState = { ok: true; spec: TaskSpec } | { ok: false; code: string; message: string };

interface EpochMembers {
  members: string[];
  operators: Map<string, string>;
}

/** how often a keeper compares open tasks' deadlines with the chain's clock */
const REFUND_CHECK_MS = 5_000;
/** most pending rounds kept (results of rounds this keeper does not know yet included) */
const MAX_POOL = 1024;

export class TaskService implements TaskKnowledge, DecisionSink {
  readonly book = new TaskBook();
  readonly topics: ReadonlyArray<TopicSpec<unknown>>;
  readonly detector: FailureDetector;
  private readonly log: Logger;
  private readonly modules: ModuleStore;
  private readonly specs = new Map<bigint, SpecState>();
  private readonly loading = new Map<bigint, Promise<SpecState>>();
  private readonly epochs = new Map<bigint, EpochMembers>();
  private readonly pool = new Map<string, { firstAt: number; results: Map<string, SignedResult> }>();
  private readonly committedKeys = new Set<string>();
  private readonly startedKeys = new Set<string>();
  private readonly scope = new StopScope();
  /** who signed recent commits: a member that heartbeats but does not follow consensus is passed over */
  private readonly recentSigners = new RecentSigners();
  private host?: PartHost;
  /** the epoch whose members the detector was told to expect */
  private expectedEpoch?: bigint;
  private chain?: {
    provider: Provider;
    send(r: { to: string; data: string }): Promise<TransactionReceipt>;
    checkpointsAddress: string;
    epochStart(epoch: bigint): Promise<EpochStart>;
  };
  private tasks?: TaskManager;
  private refunder?: Refunder;
  private exchange?: ModuleExchange;
  private checkpoints?: CheckpointStore;
  private height?: bigint;
  private epoch?: bigint;
  private checkTimer?: NodeJS.Timeout;
  private offSuspect?: () => void;
  private readonly resultTopic;

  constructor(private readonly o: TaskServiceOptions) {
    this.log = o.logger.child({ module: "tasks" });
    this.modules = new ModuleStore({ allowPrivate: o.allowPrivate });
    this.resultTopic = taskResultTopic(o.domain);
    this.topics = [this.resultTopic as TopicSpec<unknown>];
    this.detector = o.detector;
  }

  /** the last height this keeper decided (undefined until it follows consensus: it executes nothing before) */
  get decidedHeight(): bigint | undefined {
    return this.height;
  }

  get domain(): ResultDomain {
    return this.o.domain;
  }

  /** The chain side, known once consensus starts. */
  attach(chain: NonNullable<TaskService["chain"]>): void {
    this.chain = chain;
    this.tasks = TaskManager__factory.connect(this.o.domain.taskManager, chain.provider);
    this.checkpoints = CheckpointStore__factory.connect(chain.checkpointsAddress, chain.provider);
    this.refunder = new Refunder({
      book: this.book,
      tasks: this.tasks,
      provider: chain.provider,
      send: (r) => chain.send(r),
      position: () => {
        const em = this.epoch === undefined ? undefined : this.epochs.get(this.epoch);
        return em && this.host ? { self: this.host.self, members: em.members } : undefined;
      },
      fallbackDelayMs: this.o.fallbackDelayMs,
      checkMs: REFUND_CHECK_MS,
      scope: this.scope,
      logger: this.log,
      onRefunded: (r) => this.o.onRefunded?.(r),
    });
  }

  /** The network side: serve held wasm modules to peers by hash, and ask peers for missing ones. */
  async attachNet(net: Pick<ConstructorParameters<typeof ModuleExchange>[0], "libp2p" | "reqresp">): Promise<void> {
    this.exchange = new ModuleExchange({ ...net, store: this.modules, logger: this.log });
    await this.exchange.serve();
  }

  /** TaskManager's logs, from the keeper's protocol event watcher (other contracts' logs are skipped). */
  ingest(logs: readonly Log[]): void {
    const mine = logs.filter((l) => l.address.toLowerCase() === this.o.domain.taskManager.toLowerCase());
    if (mine.length === 0) return;
    this.book.ingest(mine);
    this.tick();
  }

  start(host: PartHost): void {
    this.host = host;
    host.subscribe(this.resultTopic, (msg) => this.addResult(msg.payload));
    this.offSuspect = this.detector.on("suspect", (peer, phi) => {
      this.log.info({ operator: peer, phi: Number(phi.toFixed(1)) }, "executor suspected: spares take over");
      this.tick();
    });
    // the mesh monitor checks once per heartbeat interval; a spare should not wait that long
    this.checkTimer = setInterval(() => {
      this.detector.check();
      // refunds do not wait for consensus (throttled inside)
      this.refunder?.check();
    }, 100);
  }

  stop(): void {
    this.scope.stop();
    clearInterval(this.checkTimer);
    this.offSuspect?.();
  }

  // --- TaskKnowledge (read by the tasks checkpoint part) ---

  rules(taskId: bigint): TaskRules | undefined {
    const t = this.book.get(taskId);
    const s = this.specs.get(taskId);
    if (!t || !s?.ok) return undefined;
    return {
      kind: s.spec.kind,
      redundancy: t.redundancy,
      spares: t.spares,
      toleranceBps: s.spec.kind === "http-oracle" ? s.spec.toleranceBps : 0,
      rounds: t.rounds,
      dueHeight: (round) => dueHeight(t, round),
    };
  }

  operatorOf(epoch: bigint, signer: string): string | undefined {
    return this.epochs.get(epoch)?.operators.get(signer.toLowerCase());
  }

  candidates(ctx: PartContext): RoundEntry[] {
    const out: RoundEntry[] = [];
    const now = Date.now();
    for (const [key, p] of this.pool) {
      if (this.committedKeys.has(key)) continue;
      const [id, round] = key.split("/");
      const t = this.book.get(BigInt(id!));
      if (!t) continue;
      if (t.closed || Number(round) < t.nextRound) {
        this.pool.delete(key); // finalized, refunded or skipped on chain
        continue;
      }
      const n = p.results.size;
      // all executors in, or a quorum and the stragglers had their grace period
      if (n >= t.redundancy || (n >= quorum(t.redundancy) && now - p.firstAt >= this.o.graceMs)) {
        out.push({ taskId: t.taskId, round: Number(round), results: [...p.results.values()] });
      }
    }
    void ctx;
    return out.sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : a.round - b.round));
  }

  async prepare(epoch: bigint, taskIds: readonly bigint[]): Promise<void> {
    await this.loadEpoch(epoch).catch(() => undefined);
    for (const id of taskIds) {
      // the event watcher may be a poll behind the proposer
      for (let i = 0; i < 8 && !this.book.get(id) && !this.scope.stopped(); i++) await this.scope.sleep(100);
      const t = this.book.get(id);
      if (t) await this.specOf(t);
    }
  }

  decided(header: Header, slice: RoundEntry[]): void {
    void this.onCommitted(header, slice).catch((err: unknown) => {
      if (!this.scope.stopped()) this.log.warn({ err: (err as Error).message }, "committed task rounds not handled");
    });
  }

  // --- DecisionSink: every decided height moves the executor on ---

  /** A decided height, or one adopted from a peer's commit (a keeper behind still executes). */
  onDecided(decided: DecidedHeight, ctx: { start: EpochStart }): void {
    const h = decided.payload.header;
    this.recentSigners.observe(decided.commit);
    this.recentSigners.observe(decided.payload.lastCommit);
    if (!this.epochs.has(h.epoch)) this.epochs.set(h.epoch, membersOf(ctx.start));
    if (this.height === undefined || h.height > this.height) {
      this.height = h.height;
      this.epoch = h.epoch;
    }
    this.tick();
    this.refunder?.check();
  }

  /** Starts the rounds this keeper should be running now (idempotent). */
  tick(): void {
    if (!this.o.execute || this.scope.stopped() || !this.host || this.height === undefined || this.epoch === undefined)
      return;
    const em = this.epochs.get(this.epoch);
    if (!em) return;
    const next = this.height + 1n;
    const self = this.host.self;
    if (this.expectedEpoch !== this.epoch) {
      // the detector suspects a member it never heard too, from now on (a no-op for members heard)
      this.expectedEpoch = this.epoch;
      for (const [signer, op] of em.operators) if (signer !== self) this.detector.expect(op.toLowerCase());
    }
    const nowS = BigInt(Math.floor(Date.now() / 1000));
    for (const t of this.book.open()) {
      if (t.deadline < nowS) continue;
      const round = currentRound(t, next);
      if (round === undefined) continue;
      const key = resultKey(t.taskId, round);
      if (this.committedKeys.has(key) || this.startedKeys.has(key)) continue;
      const a = assign(t.taskId, em.members, t.redundancy, t.spares);
      // passed over: suspected by the detector, or heartbeating but not signing recent commits
      const suspected = (signer: string) => {
        const op = em.operators.get(signer);
        if (signer === self || op === undefined) return false;
        return this.detector.isSuspected(op.toLowerCase()) || !this.recentSigners.following(signer);
      };
      if (!activeExecutors(a, t.redundancy, suspected).includes(self)) continue;
      this.startedKeys.add(key);
      const started: TaskStarted = {
        taskId: t.taskId,
        round,
        reason: a.executors.includes(self) ? "assigned" : "spare",
        atMs: Date.now(),
      };
      this.log.info({ task: String(t.taskId), round, reason: started.reason }, "executing task round");
      this.o.onStarted?.(started);
      void this.execute(t.taskId, round);
    }
  }

  private async execute(taskId: bigint, round: number): Promise<void> {
    const t = this.book.get(taskId)!;
    const spec = await this.specOf(t);
    let ok = false;
    let result = "0x";
    let code = "";
    if (!spec.ok) code = spec.code;
    else if (spec.spec.kind === "http-oracle") {
      const r = await runHttpOracle(spec.spec, { allowPrivate: this.o.allowPrivate });
      if (r.ok) [ok, result] = [true, encodeValue(this.o.tamper ? this.o.tamper(taskId, r.value) : r.value)];
      else code = r.code;
    } else {
      const unusable = await this.ensureModule(spec.spec);
      const r = unusable ? { ok: false as const, code: unusable } : await runWasmTask(spec.spec, this.modules);
      if (r.ok) [ok, result] = [true, r.value];
      else code = r.code;
    }
    if (this.scope.stopped() || !this.host) return;
    const unsigned = { taskId: taskId.toString(), round, ok, result, code: code.slice(0, 32) };
    const signed: SignedResult = {
      ...unsigned,
      signer: this.host.self,
      sig: this.host.sign(resultDigest(unsigned, this.o.domain)),
    };
    if (!ok) this.log.info({ task: String(taskId), round, code }, "task round failed (recorded as a failure result)");
    this.addResult(signed);
    await this.host.publish(this.resultTopic, signed);
  }

  /**
   * Puts the spec's module in the store: from the spec's URL, else from peers by hash (each copy
   * checked against the hash). Returns a failure code only for a peer's module that cannot be
   * metered; a module found nowhere is left to runWasmTask, which records module-not-found.
   */
  private async ensureModule(spec: WasmSpec): Promise<string | undefined> {
    const hash = spec.module.hash;
    if (this.modules.has(hash)) return undefined;
    if (spec.module.url) {
      try {
        await this.modules.get(hash, [spec.module.url]);
        return undefined;
      } catch {
        // the poster's URL failed: peers may hold it
      }
    }
    const bytes = await this.exchange?.fetch(hash);
    if (!bytes) return undefined;
    try {
      this.modules.put(bytes);
      this.log.info({ hash }, "wasm module fetched from a peer by hash");
      return undefined;
    } catch {
      return "bad-spec";
    }
  }

  private addResult(r: SignedResult): void {
    const key = resultKey(r.taskId, r.round);
    if (this.committedKeys.has(key)) return;
    let p = this.pool.get(key);
    if (!p) {
      if (this.pool.size >= MAX_POOL) this.pool.delete(this.pool.keys().next().value!);
      p = { firstAt: Date.now(), results: new Map() };
      this.pool.set(key, p);
    }
    if (!p.results.has(r.signer)) p.results.set(r.signer, r);
  }

  private specOf(t: { taskId: bigint; specURI: string; specHash: string; kind: string; periodHeights: number }) {
    const have = this.specs.get(t.taskId);
    if (have) return Promise.resolve(have);
    let p = this.loading.get(t.taskId);
    if (!p) {
      p = loadSpec(
        t.specURI,
        t.specHash,
        t.kind,
        { allowPrivate: this.o.allowPrivate, timeoutMs: 5_000 },
        t.periodHeights,
      )
        .then((spec): SpecState => ({ ok: true, spec }))
        .catch((e: unknown): SpecState => failure(e));
      void p.then((s) => {
        this.loading.delete(t.taskId);
        // an unreachable spec may come back: only a definite answer is kept
        if (s.ok || !["unreachable", "timeout", "internal"].includes(s.code)) this.specs.set(t.taskId, s);
      });
      this.loading.set(t.taskId, p);
    }
    return p;
  }

  private async loadEpoch(epoch: bigint): Promise<EpochMembers> {
    const have = this.epochs.get(epoch);
    if (have) return have;
    if (!this.chain) throw new Error("not attached to the chain");
    const em = membersOf(await this.chain.epochStart(epoch));
    this.epochs.set(epoch, em);
    return em;
  }

  /**
   * A decided slice. Its rounds stay in the pool, so that every later proposal carries them again,
   * until a header committing them is certified on chain: with a checkpoint interval of 1 a
   * submitter can be overtaken by the next height's, and a skipped header is never certified. Once
   * one is, the round is committed here and finalized against that header.
   */
  private async onCommitted(header: Header, slice: RoundEntry[]): Promise<void> {
    for (const e of slice) for (const r of e.results) this.addResult(r);
    const em = await this.loadEpoch(header.epoch);
    await this.prepare(
      header.epoch,
      slice.map((e) => e.taskId),
    );
    const rounds: CommittedRound[] = [];
    for (const e of slice) {
      const rules = this.rules(e.taskId);
      if (!rules) break;
      rounds.push(
        agreeEntry(e, rules, em.members, header.height, this.o.domain, (s) => em.operators.get(s.toLowerCase())!),
      );
    }
    if (rounds.length !== slice.length) {
      this.log.warn({ height: String(header.height) }, "cannot rebuild a decided task slice here: not finalizing it");
      return;
    }
    const tree = buildTree("taskResult", rounds.map(taskLeaf))!;
    if (tree.root !== header.taskRoot) {
      this.log.warn({ height: String(header.height) }, "rebuilt taskRoot differs from the header's");
      return;
    }
    if (!this.checkpoints) return;
    const certified = await waitCertified(
      this.checkpoints,
      header,
      { timeoutMs: this.o.certifiedTimeoutMs, pollMs: this.o.pollMs },
      this.scope,
    );
    if (!certified) return;
    const fresh = rounds.filter((c) => !this.committedKeys.has(resultKey(c.taskId, c.round)));
    for (const c of fresh) {
      const key = resultKey(c.taskId, c.round);
      this.committedKeys.add(key);
      this.pool.delete(key);
      this.log.info(
        {
          task: String(c.taskId),
          round: c.round,
          height: String(header.height),
          result: c.result,
          executors: c.executors,
          faults: c.faults,
        },
        "task round agreed and certified",
      );
      this.o.onAgreed?.(c, header);
    }
    if (fresh.length > 0) await this.finalize(header, tree, fresh, em);
  }

  /** The leaf's first executor finalizes at once, every other keeper r places later after r x fallbackDelayMs. */
  private async finalize(
    header: Header,
    tree: NonNullable<ReturnType<typeof buildTree>>,
    rounds: CommittedRound[],
    em: EpochMembers,
  ): Promise<void> {
    if (!this.host) return;
    const since = Date.now();
    const myOperator = em.operators.get(this.host.self)?.toLowerCase() ?? "";
    const order = em.members.map((m) => em.operators.get(m)!.toLowerCase());
    const due = rounds.map((c) => {
      const i = [...tree.entries()].find(
        ([, v]) => BigInt(v[0] as bigint) === c.taskId && Number(v[1]) === c.round,
      )![0];
      const ex = c.executors.map((e) => e.toLowerCase());
      const at = ex.indexOf(myOperator);
      const rank = at >= 0 ? at : ex.length + Math.max(0, order.indexOf(myOperator));
      return { c, proof: tree.getProof(i), rank };
    });
    due.sort((a, b) => a.rank - b.rank);
    for (const d of due) {
      const wait = since + d.rank * this.o.fallbackDelayMs - Date.now();
      if (wait > 0) await this.scope.sleep(wait);
      if (this.scope.stopped()) return;
      // (not `onFinalized?.(await ...)`: an absent hook would skip evaluating its argument)
      const outcome = await this.finalizeOne(header, d.c, d.proof);
      this.o.onFinalized?.(outcome);
    }
  }

  private async finalizeOne(header: Header, c: CommittedRound, proof: string[]): Promise<TaskFinalized> {
    const base = { taskId: c.taskId, round: c.round };
    try {
      const t = await this.tasks!.getTask(c.taskId);
      if (Number(t.nextRound) > c.round || Number(t.status) !== 1) {
        this.log.debug({ task: String(c.taskId), round: c.round }, "task round already finalized");
        return { ...base, outcome: "already" };
      }
      const data = this.tasks!.interface.encodeFunctionData("finalizeTask", [
        c.taskId,
        c.round,
        c.result,
        c.executors,
        headerTuple(header),
        proof,
      ]);
      const receipt = await this.chain!.send({ to: this.o.domain.taskManager, data });
      this.log.info({ task: String(c.taskId), round: c.round, tx: receipt.hash }, "task round finalized on chain");
      return { ...base, outcome: "finalized", txHash: receipt.hash };
    } catch (err) {
      if (
        err instanceof TxRevertedError &&
        err.revert.kind === "custom" &&
        err.revert.name === "TaskRoundNotFinalizable"
      )
        return { ...base, outcome: "already" };
      if (!this.scope.stopped())
        this.log.warn({ task: String(c.taskId), round: c.round, err: (err as Error).message }, "finalizeTask failed");
      return { ...base, outcome: "failed" };
    }
  }
}

function membersOf(start: EpochStart): EpochMembers {
  const operators = new Map(start.set.validators.map((v) => [v.signer.toLowerCase(), v.operator]));
  return { members: [...operators.keys()], operators };
}
