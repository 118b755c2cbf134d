// The demo's task steps (keeper processes, so what the keepers did is read from the chain and from
// their JSON logs): an http-oracle task posted, agreed by the keepers, finalized on chain with its
// executors' operators paid; then an executor killed with SIGKILL mid-task and the time until a
// spare started it, from the spare's own log.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formatUnits, type Signer } from "ethers";
import { assign } from "../../keeper/src/tasks/assignment.js";
import { decodeValue } from "../../keeper/src/tasks/result-msg.js";
import type { Deployed } from "./deploy.js";
import type { KeeperProcess } from "./demo/keeper-process.js";
import { postTask, type TaskSource } from "./task-source.js";

export interface TaskDemoContext {
  d: Pick<Deployed, "token" | "tasks" | "staking">;
  poster: Signer;
  keepers: readonly KeeperProcess[];
  source: TaskSource;
  info(line: string): void;
  waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T>;
}

const OPEN = 10n ** 18n;

/** A keeper's "executing task round" log lines for `taskId`: when and why it started. */
function startsIn(k: KeeperProcess, taskId: bigint): Array<{ atMs: number; reason: string }> {
  let text: string;
  try {
    text = readFileSync(join(k.dir, "keeper.log"), "utf8");
  } catch {
    return [];
  }
  const out: Array<{ atMs: number; reason: string }> = [];
  for (const line of text.split("\n")) {
    if (!line.includes('"executing task round"') || !line.includes(`"task":"${taskId}"`)) continue;
    const j = JSON.parse(line) as { time: string; reason: string };
    out.push({ atMs: Date.parse(j.time), reason: j.reason });
  }
  return out;
}

async function finalizedRound(c: TaskDemoContext, taskId: bigint) {
  const tm = c.d.tasks;
  const ev = await c.waitFor(`task ${taskId} finalized on chain`, 90_000, async () => {
    return (await tm.queryFilter(tm.filters.TaskRoundFinalized(taskId)))[0];
  });
  const receipt = await ev.getTransactionReceipt();
  return { result: ev.args.result, executors: [...ev.args.executors], gas: receipt.gasUsed, tx: ev.transactionHash };
}

/** Post an http-oracle task; the keepers agree on its value and finalize it; its executors are paid. */
export async function oracleTaskStep(c: TaskDemoContext): Promise<{ taskId: bigint; value: bigint }> {
  const url = c.source.serve("/eth-usd", { data: { price: "3141.59" } });
  const spec = c.source.serveSpec("eth-usd", {
    version: 1,
    kind: "http-oracle",
    url,
    pointer: "/data/price",
    decimals: 2,
    toleranceBps: 50,
  });
  const reward = 20n * OPEN;
  const { taskId } = await postTask(c.d, c.poster, {
    kind: "http-oracle",
    spec,
    reward,
    redundancy: 3,
    deadlineSeconds: 600,
  });
  c.info(`posted task ${taskId}: GET ${url} /data/price (2 decimals), redundancy 3, ${formatUnits(reward, 18)} OPEN`);
  const before = await Promise.all(c.keepers.map(async (k) => c.d.tasks.earnings(await operatorOf(c, k))));
  const f = await finalizedRound(c, taskId);
  const value = decodeValue(f.result)!;
  c.info(
    `agreed value ${value} (the median of the executors' signed results), committed in a certified header's ` +
      `taskRoot and finalized by Merkle proof (${f.gas.toLocaleString("en-US")} gas)`,
  );
  for (const [i, k] of c.keepers.entries()) {
    const op = await operatorOf(c, k);
    const gained = (await c.d.tasks.earnings(op)) - before[i]!;
    if (gained > 0n) c.info(`executor: keeper ${i}'s operator ${op} earned ${formatUnits(gained, 18)} OPEN`);
  }
  if (f.executors.length === 0) throw new Error("no executor paid");
  return { taskId, value };
}

const operators = new Map<string, string>();
async function operatorOf(c: TaskDemoContext, k: KeeperProcess): Promise<string> {
  let op = operators.get(k.signer);
  if (!op) {
    op = await c.d.staking.operatorOf(k.signer);
    operators.set(k.signer, op);
  }
  return op;
}

/**
 * SIGKILL an executor of a slow task once it started; returns the victim's index and the time from
 * the kill to a spare starting the round (the victim is restarted by the caller).
 */
export async function killExecutorStep(c: TaskDemoContext): Promise<{ victim: number; spare: number; ms: number }> {
  const signers = c.keepers.map((k) => k.signer.toLowerCase());
  const taskId = await c.d.tasks.nextTaskId();
  const a = assign(taskId, signers, 2, Number(await c.d.tasks.defaultSpares()));
  const victim = a.executors.map((s) => signers.indexOf(s)).find((i) => i !== 0)!;
  const url = c.source.serve("/slow", { price: 42 }, { delayMs: 3_000 });
  const spec = c.source.serveSpec("slow", {
    version: 1,
    kind: "http-oracle",
    url,
    pointer: "/price",
    toleranceBps: 0,
    timeoutMs: 10_000,
  });
  await postTask(c.d, c.poster, { kind: "http-oracle", spec, reward: OPEN, redundancy: 2, deadlineSeconds: 600 });
  c.info(
    `posted task ${taskId} (a source that answers in 3 s); executors: keepers ${a.executors.map((s) => signers.indexOf(s)).join(", ")}`,
  );
  await c.waitFor(
    `keeper ${victim} to start task ${taskId}`,
    60_000,
    async () => startsIn(c.keepers[victim]!, taskId)[0],
  );
  const killedAt = Date.now();
  await c.keepers[victim]!.kill();
  const spare = await c.waitFor("a spare to start the round", 30_000, async () => {
    for (const [i, k] of c.keepers.entries()) {
      const s = startsIn(k, taskId).find((x) => x.reason === "spare");
      if (s) return { i, atMs: s.atMs };
    }
    return undefined;
  });
  const ms = spare.atMs - killedAt;
  c.info(`keeper ${victim} killed with SIGKILL mid-task; keeper ${spare.i} (a spare) started the round ${ms} ms later`);
  const f = await finalizedRound(c, taskId);
  c.info(`task ${taskId} finalized anyway: value ${decodeValue(f.result)}, executors ${f.executors.join(", ")}`);
  return { victim, spare: spare.i, ms };
}
