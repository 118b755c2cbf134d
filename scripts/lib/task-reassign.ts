// Reassignment when an executor dies (issue 18): a slow http-oracle task is posted, one of its
// executors is stopped as soon as it has started the round, and the time until a spare starts the
// round is measured (the spare starts when its phi-accrual detector suspects the stopped keeper).
// The stopped keeper restarts and the next sample waits until every detector trusts it again.
// Shared by the bench (scripts/bench/task-reassign.ts) and, for one sample, the demo.
import type { Signer } from "ethers";
import { assign } from "../../keeper/src/tasks/assignment.js";
import type { TaskStarted } from "../../keeper/src/tasks/task-service.js";
import type { KeeperCluster } from "./keeper-cluster.js";
import { postTask, type TaskSource } from "./task-source.js";

export interface ReassignSample {
  taskId: string;
  victim: number;
  spare: number;
  /** from the stop of the victim to a spare starting the round (Infinity: none within 30 s) */
  ms: number;
  finalized: boolean;
  /** a spare had started before the stop (a keeper passed over one it saw lagging): not a sample */
  preCovered: boolean;
  /** the victim's heartbeat inter-arrival deviation in another keeper's detector at the stop */
  victimStdDevMs: number;
  /** each keeper's view of the victim at the stop: inter-arrival mean / deviation (ms) */
  views: Array<{ keeper: number; meanMs: number; sdMs: number } | undefined>;
  /** what went wrong around the sample, if anything */
  note?: string;
}

/** A kill that could not be timed: not a sample (preCovered), the note says why. */
function untimed(taskId: bigint, victim: number): ReassignSample {
  return {
    taskId: taskId.toString(),
    victim,
    spare: -1,
    ms: Infinity,
    finalized: false,
    preCovered: true,
    victimStdDevMs: NaN,
    views: [],
  };
}

/** Every keeper's task starts, for a cluster started with `tasks: (i) => ({ onStarted: log.record(i) })`. */
export class StartLog {
  readonly starts: Array<TaskStarted & { keeper: number }> = [];
  record = (keeper: number) => (s: TaskStarted) => void this.starts.push({ ...s, keeper });
  find(taskId: bigint, pred: (s: TaskStarted & { keeper: number }) => boolean) {
    return this.starts.find((s) => s.taskId === taskId && pred(s));
  }
}

async function until<T>(what: string, timeoutMs: number, f: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** One kill: post, stop an executor (never keeper 0, the bootstrap peer) once it started, time the spare. */
export async function measureReassignment(
  cluster: KeeperCluster,
  log: StartLog,
  source: TaskSource,
  poster: Signer,
  opts: { sourceDelayMs?: number; restart?: boolean; waitFinalized?: boolean } = {},
): Promise<ReassignSample> {
  const signers = cluster.keepers.map((k) => k.identity.signerAddress.toLowerCase());
  const tm = cluster.deployed.tasks;
  // the victim must be a keeper that follows consensus (one that does not executes nothing, so
  // killing it times nothing): while the next task's would not be, a one-round filler task takes
  // that task id (at most 6 times)
  const following = (i: number) => {
    const mine = cluster.keepers[i]!.tasks?.decidedHeight;
    const best = cluster.keepers[0]!.tasks?.decidedHeight;
    return mine !== undefined && best !== undefined && mine + 1n >= best;
  };
  let taskId = await tm.nextTaskId();
  const spares = Number(await tm.defaultSpares()); // what the next task will carry
  let victim = -1;
  for (let tries = 0; ; tries++) {
    const a = assign(taskId, signers, 2, spares);
    victim = a.executors.map((s) => signers.indexOf(s)).find((i) => i !== 0)!;
    if (following(victim) || tries >= 6) break;
    const filler = source.serveSpec(`filler-${taskId}`, {
      version: 1,
      kind: "http-oracle",
      url: source.serve(`/filler-${taskId}`, { price: 1 }),
      pointer: "/price",
      toleranceBps: 0,
    });
    await postTask({ token: cluster.deployed.token, tasks: tm }, poster, {
      kind: "http-oracle",
      spec: filler,
      reward: 10n ** 18n,
      redundancy: 1,
      deadlineSeconds: 3_600,
    });
    taskId = await tm.nextTaskId();
  }
  const url = source.serve(`/slow-${taskId}`, { price: 7 }, { delayMs: opts.sourceDelayMs ?? 3_000 });
  const spec = source.serveSpec(`slow-${taskId}`, {
    version: 1,
    kind: "http-oracle",
    url,
    pointer: "/price",
    toleranceBps: 0,
    timeoutMs: 10_000,
  });
  await postTask({ token: cluster.deployed.token, tasks: tm }, poster, {
    kind: "http-oracle",
    spec,
    reward: 10n ** 18n,
    redundancy: 2,
    deadlineSeconds: 3_600,
  });
  const victimStarted = await until("the victim to start the round", 60_000, () =>
    log.find(taskId, (s) => s.keeper === victim),
  ).catch(() => undefined);
  if (!victimStarted) {
    // nothing to time (seen when consensus stalled: keepers restarted earlier did not catch up)
    const state = cluster.keepers.map((k, i) => `keeper ${i} at height ${k.tasks?.decidedHeight}`).join(", ");
    return { ...untimed(taskId, victim), note: `the victim never started the round in 60 s (${state})` };
  }
  const victimOp = cluster.keepers[victim]!.operator.toLowerCase();
  const watcher = cluster.keepers.find((_, i) => i !== victim)!;
  const victimStdDevMs = Math.round(watcher.tasks?.detector.stats(victimOp)?.stdDevMs ?? NaN);
  const views = cluster.keepers.map((k, i) => {
    const st = i === victim ? undefined : k.tasks?.detector.stats(victimOp);
    return st && { keeper: i, meanMs: Math.round(st.meanMs), sdMs: Math.round(st.stdDevMs) };
  });
  const stoppedAt = Date.now();
  const preCovered = log.find(taskId, (s) => s.reason === "spare") !== undefined;
  await cluster.keepers[victim]!.stop();
  const spare = await until("a spare to start", 30_000, () =>
    log.find(taskId, (s) => s.reason === "spare" && s.keeper !== victim && s.atMs >= stoppedAt),
  ).catch(() => undefined);
  let finalized = false;
  if (opts.waitFinalized && spare) {
    await until("the round finalized", 60_000, async () => (await tm.getTask(taskId)).nextRound > 0n);
    finalized = true;
  }
  let caughtUp = true;
  if (opts.restart ?? true) {
    await cluster.restart(victim);
    // the next sample needs everyone's detector to trust the victim again
    const op = cluster.keepers[victim]!.operator.toLowerCase();
    await until("the restarted keeper trusted again", 60_000, () =>
      cluster.keepers.every((k, i) => i === victim || (k.tasks?.detector.phi(op) ?? 0) < 1) ? true : undefined,
    );
    // and following consensus again (until then the others pass it over: a spare would already run
    // for tasks it executes, and the next sample would time nothing)
    caughtUp = await until("the restarted keeper caught up", 60_000, () => {
      const mine = cluster.keepers[victim]!.tasks?.decidedHeight;
      const best = cluster.keepers[0]!.tasks?.decidedHeight;
      return mine !== undefined && best !== undefined && mine + 1n >= best ? true : undefined;
    }).catch(() => false);
  }
  return {
    taskId: taskId.toString(),
    victim,
    spare: spare?.keeper ?? -1,
    ms: spare ? spare.atMs - stoppedAt : Infinity,
    finalized,
    preCovered,
    victimStdDevMs,
    views,
    note: caughtUp ? undefined : "the restarted victim did not catch up with consensus within 60 s",
  };
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
