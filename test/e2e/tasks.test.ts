// Issue 18 end to end: four real keepers on a real chain execute TaskManager tasks against a local
// HTTP server this test starts, agree on each result in a checkpoint's taskRoot, and finalize it on
// chain, which pays the executors' operators. A lying executor becomes a fault (faultsRoot), and an
// executor stopped mid-task is replaced by a spare once the others' failure detectors suspect it.
import { expect } from "chai";
import { keccak256, type Signer } from "ethers";
import { KeeperCluster } from "../../scripts/lib/keeper-cluster.js";
import { postTask, TaskSource } from "../../scripts/lib/task-source.js";
import { ZERO_HASH, type Header } from "../../keeper/src/checkpoint/header.js";
import { assign } from "../../keeper/src/tasks/assignment.js";
import { encodeValue, TASK_SPARES } from "../../keeper/src/tasks/result-msg.js";
import type { CommittedRound } from "../../keeper/src/tasks/task-part.js";
import type { TaskStarted } from "../../keeper/src/tasks/task-service.js";
import { meter, runMetered } from "../../keeper/src/wasm/runtime.js";
import { HASH_MODULE } from "../keeper/wasm/modules.js";
import { waitFor } from "../keeper/helpers/p2p.js";
import { createLogger } from "../../keeper/src/observability/index.js";

const OPEN = 10n ** 18n;
const REWARD = 10n * OPEN;

describe("e2e tasks: 4 keepers execute, agree on and finalize tasks on a real chain", function () {
  this.timeout(180_000);
  let cluster: KeeperCluster;
  let source: TaskSource;
  let poster: Signer;
  const started: Array<TaskStarted & { keeper: number }> = [];
  const agreed: Array<{ keeper: number; c: CommittedRound; header: Header }> = [];
  /** taskId -> index of the keeper that doubles its oracle value */
  const liars = new Map<bigint, number>();
  let heights = 0;

  before(async () => {
    cluster = await KeeperCluster.start({
      keepers: 4,
      onConsensusEvent: (i, e) => {
        if (i === 0 && e.type === "decided") heights++;
      },
      // TASKS_E2E_LOG=info prints the keepers' logs (debugging)
      logger: (i) =>
        createLogger({ level: (process.env.TASKS_E2E_LOG as "info" | undefined) ?? "silent", base: { k: i } }),
      tasks: (i) => ({
        onStarted: (s) => started.push({ ...s, keeper: i }),
        onAgreed: (c, header) => agreed.push({ keeper: i, c, header }),
        tamper: (taskId, v) => (liars.get(taskId) === i ? v * 2n : v),
      }),
      taskConfig: { graceMs: 2_000 },
    });
    source = await TaskSource.start();
    poster = await cluster.provider.getSigner(0);
    await waitFor(() => heights >= 2, "first heights", 60_000);
  });
  after(async () => {
    await cluster?.stop();
    await source?.stop();
  });

  const signers = () => cluster.keepers.map((k) => k.identity.signerAddress.toLowerCase());
  const keeperOf = (signer: string) => signers().indexOf(signer);
  const plan = async (redundancy: number) => {
    const taskId = await cluster.deployed.tasks.nextTaskId();
    return { taskId, ...assign(taskId, signers(), redundancy, TASK_SPARES) };
  };
  const finalized = async (taskId: bigint, timeoutMs = 45_000) => {
    const tm = cluster.deployed.tasks;
    let ev: Awaited<ReturnType<typeof tm.queryFilter>>[number] | undefined;
    await waitFor(
      async () => {
        ev = (await tm.queryFilter(tm.filters.TaskRoundFinalized(taskId)))[0];
        return ev !== undefined;
      },
      `task ${taskId} finalized`,
      timeoutMs,
    );
    const parsed = tm.interface.parseLog(ev!)!;
    return { result: parsed.args.result as string, executors: [...(parsed.args.executors as string[])] };
  };

  it("finalizes an http-oracle task with the median; the lying executor is a fault and is not paid", async () => {
    const p = await plan(3);
    const liar = keeperOf(p.executors[0]!);
    liars.set(p.taskId, liar);
    const url = source.serve("/price", { data: { price: "1234.56" } });
    const spec = source.serveSpec("oracle", {
      version: 1,
      kind: "http-oracle",
      url,
      pointer: "/data/price",
      decimals: 2,
      toleranceBps: 100,
    });
    const tm = cluster.deployed.tasks;
    const posted = await postTask({ token: cluster.deployed.token, tasks: tm }, poster, {
      kind: "http-oracle",
      spec,
      reward: REWARD,
      redundancy: 3,
      deadlineSeconds: 600,
    });
    expect(posted.taskId).to.equal(p.taskId);
    const f = await finalized(p.taskId);
    expect(f.result).to.equal(encodeValue(123_456n));
    const liarOperator = cluster.keepers[liar]!.operator.toLowerCase();
    expect(f.executors.map((e) => e.toLowerCase())).to.not.include(liarOperator);
    expect(f.executors).to.have.length(2);
    const a = agreed.find((x) => x.c.taskId === p.taskId)!;
    expect(a.c.faults).to.deep.equal([p.executors[0]]);
    expect(a.header.faultsRoot).to.not.equal(ZERO_HASH);
    // 5 % protocol fee, the rest split between the two honest executors' operators
    for (const op of f.executors) expect(await tm.earnings(op)).to.be.at.least((REWARD * 95n) / 100n / 2n);
    expect(await tm.earnings(liarOperator)).to.equal(0n);
  });

  it("finalizes a wasm task with the module's output, fetched by its hash", async () => {
    const input = new TextEncoder().encode("openmesh");
    const expected = await runMetered(meter(HASH_MODULE), HASH_MODULE, input, {
      fuel: 10_000_000n,
      memoryPages: 2,
      maxOutputBytes: 64,
    });
    if (!expected.ok) throw new Error(expected.message);
    const spec = source.serveSpec("wasm", {
      version: 1,
      kind: "wasm",
      module: { hash: keccak256(HASH_MODULE), url: source.serve("/hash.wasm", HASH_MODULE) },
      input: "0x" + Buffer.from(input).toString("hex"),
      fuel: 10_000_000,
      memoryPages: 2,
      maxOutputBytes: 64,
    });
    const { taskId } = await postTask({ token: cluster.deployed.token, tasks: cluster.deployed.tasks }, poster, {
      kind: "wasm",
      spec,
      reward: REWARD,
      redundancy: 2,
      deadlineSeconds: 600,
    });
    const f = await finalized(taskId);
    expect(f.result).to.equal("0x" + Buffer.from(expected.output).toString("hex"));
    expect(f.executors).to.have.length(2);
  });

  it("replaces an executor stopped mid-task with a spare, and the task still finalizes", async () => {
    const p = await plan(2);
    const victim = p.executors.map(keeperOf).find((i) => i !== 0)!;
    const url = source.serve("/slow-price", { price: 42 }, { delayMs: 2_500 });
    const spec = source.serveSpec("slow", { version: 1, kind: "http-oracle", url, pointer: "/price", toleranceBps: 0 });
    await postTask({ token: cluster.deployed.token, tasks: cluster.deployed.tasks }, poster, {
      kind: "http-oracle",
      spec,
      reward: REWARD,
      redundancy: 2,
      deadlineSeconds: 600,
    });
    await waitFor(() => started.some((s) => s.taskId === p.taskId && s.keeper === victim), "victim starts", 30_000);
    const killedAt = Date.now();
    const victimOperator = cluster.keepers[victim]!.operator.toLowerCase();
    await cluster.keepers[victim]!.stop();
    await waitFor(
      () => started.some((s) => s.taskId === p.taskId && s.reason === "spare"),
      "a spare takes over",
      20_000,
    );
    const spare = started.find((s) => s.taskId === p.taskId && s.reason === "spare")!;
    console.log(
      `      reassignment: ${spare.atMs - killedAt} ms from stopping keeper ${victim} to keeper ${spare.keeper} starting`,
    );
    expect(keeperOf(p.spares[0]!)).to.equal(spare.keeper);
    const f = await finalized(p.taskId);
    expect(f.result).to.equal(encodeValue(42n));
    expect(f.executors.map((e) => e.toLowerCase())).to.not.include(victimOperator);
  });
});
