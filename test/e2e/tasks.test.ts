// Issue 18 end to end: four real keepers on a real chain execute TaskManager tasks against a local
// HTTP server this test starts, agree on each result in a checkpoint's taskRoot, and finalize it on
// chain, which pays the executors' operators. A lying executor becomes a fault (faultsRoot), and an
// executor stopped mid-task is replaced by a spare once the others' failure detectors suspect it.
import { expect } from "chai";
import { keccak256, type Signer } from "ethers";
import { KeeperCluster } from "../../scripts/lib/keeper-cluster.js";
import { postTask, TaskSource } from "../../scripts/lib/task-source.js";
import { ZERO_HASH, type Header } from "../../keeper/src/checkpoint/header.js";
import { proofOf, rootOf } from "../../keeper/src/checkpoint/leaves.js";
import { TASK_KINDS } from "../../keeper/src/tasks/spec.js";
import { FAULT_TASK_RESULT, faultDetails } from "../../keeper/src/tasks/task-part.js";
import { TaskFeedConsumer__factory } from "../../types/ethers-contracts/index.js";
import { assign } from "../../keeper/src/tasks/assignment.js";
import { encodeValue } from "../../keeper/src/tasks/result-msg.js";
import type { CommittedRound } from "../../keeper/src/tasks/task-part.js";
import type { TaskStarted } from "../../keeper/src/tasks/task-service.js";
import type { TaskRefunded } from "../../keeper/src/tasks/refunder.js";
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
  const refunds: Array<TaskRefunded & { keeper: number }> = [];
  /** taskId -> index of the keeper that doubles its oracle value */
  const liars = new Map<bigint, number>();
  let heights = 0;
  let lastEpoch = 0n;
  /** the lying executor's fault, from the first test, proven on chain later */
  let lie: { signer: string; taskId: bigint; header: Header } | undefined;

  before(async () => {
    cluster = await KeeperCluster.start({
      keepers: 4,
      onConsensusEvent: (i, e) => {
        if (i === 0 && e.type === "decided") {
          heights++;
          lastEpoch = e.epoch;
        }
      },
      // TASKS_E2E_LOG=info prints the keepers' logs (debugging)
      logger: (i) =>
        createLogger({ level: (process.env.TASKS_E2E_LOG as "info" | undefined) ?? "silent", base: { k: i } }),
      tasks: (i) => ({
        onStarted: (s) => started.push({ ...s, keeper: i }),
        onAgreed: (c, header) => agreed.push({ keeper: i, c, header }),
        onRefunded: (r) => refunds.push({ ...r, keeper: i }),
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
    // the next task gets the governed default spares, copied into it when posted
    const spares = Number(await cluster.deployed.tasks.defaultSpares());
    return { taskId, ...assign(taskId, signers(), redundancy, spares) };
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

  /** A wasm task of HASH_MODULE on `input` (its spec served as `name`) and the output every executor must agree on. */
  const hashTask = async (name: string, input: Uint8Array, moduleUrl?: string) => {
    const limits = { fuel: 10_000_000, memoryPages: 2, maxOutputBytes: 64 };
    const expected = await runMetered(meter(HASH_MODULE), HASH_MODULE, input, { ...limits, fuel: BigInt(limits.fuel) });
    if (!expected.ok) throw new Error(expected.message);
    const spec = source.serveSpec(name, {
      version: 1,
      kind: "wasm",
      module: { hash: keccak256(HASH_MODULE), ...(moduleUrl !== undefined && { url: moduleUrl }) },
      input: "0x" + Buffer.from(input).toString("hex"),
      ...limits,
    });
    return { spec, output: "0x" + Buffer.from(expected.output).toString("hex") };
  };

  it("finalizes a wasm task with the module's output, fetched by its hash", async () => {
    const { spec, output } = await hashTask(
      "wasm",
      new TextEncoder().encode("openmesh"),
      source.serve("/hash.wasm", HASH_MODULE),
    );
    const { taskId } = await postTask({ token: cluster.deployed.token, tasks: cluster.deployed.tasks }, poster, {
      kind: "wasm",
      spec,
      reward: REWARD,
      redundancy: 2,
      deadlineSeconds: 600,
    });
    const f = await finalized(taskId);
    expect(f.result).to.equal(output);
    expect(f.executors).to.have.length(2);
  });

  it("runs a wasm task that names no URL: keepers without the module get it from peers by its hash", async () => {
    // the keepers that ran the wasm task above hold the module; the others have never seen it
    const tm = cluster.deployed.tasks;
    const previous = (await tm.nextTaskId()) - 1n;
    const earlier = started.filter((x) => x.taskId === previous).map((x) => x.keeper);
    const without = [0, 1, 2, 3].filter((i) => !earlier.includes(i));
    expect(without).to.have.length.greaterThan(0);
    const { spec, output } = await hashTask("wasm-by-hash", new TextEncoder().encode("peers"));
    const { taskId } = await postTask({ token: cluster.deployed.token, tasks: tm }, poster, {
      kind: "wasm",
      spec,
      reward: REWARD,
      redundancy: 4,
      deadlineSeconds: 600,
    });
    const f = await finalized(taskId);
    expect(f.result).to.equal(output);
    const paid = f.executors.map((e) => e.toLowerCase());
    const fetchedFromPeers = without.filter((i) => paid.includes(cluster.keepers[i]!.operator.toLowerCase()));
    expect(fetchedFromPeers, "a keeper that had no copy produced the agreed output").to.have.length.greaterThan(0);
  });

  it("serves a recurring oracle task as a data feed: its rounds finalize and a contract reads the latest value with a proof", async () => {
    const { deployed, provider } = cluster;
    const tm = deployed.tasks;
    const url = source.serve("/feed", { v: "17.5" });
    const spec = source.serveSpec("feed", {
      version: 1,
      kind: "http-oracle",
      url,
      pointer: "/v",
      decimals: 1,
      toleranceBps: 0,
      periodHeights: 2,
    });
    const taskId = await tm.nextTaskId();
    const consumer = await new TaskFeedConsumer__factory(poster).deploy(
      await deployed.checkpoints.getAddress(),
      taskId,
    );
    await consumer.waitForDeployment();
    await (await deployed.token.connect(poster).approve(await tm.getAddress(), 2n * REWARD)).wait();
    const deadline = BigInt((await provider.getBlock("latest"))!.timestamp + 600);
    await (
      await tm
        .connect(poster)
        .postRecurringTask(TASK_KINDS["http-oracle"], spec.hash, spec.uri, REWARD, 2, deadline, 2, 2)
    ).wait();
    // the last round finalizes (an earlier one may have been skipped by it)
    await waitFor(async () => (await tm.getTask(taskId)).status === 2n, "the feed's last round finalized", 60_000);
    const events = await tm.queryFilter(tm.filters.TaskRoundFinalized(taskId));
    expect(events.map((e) => Number(e.args.round))).to.include(1);
    // anyone relays each round to the consumer with the header and proof the finalizer used
    const relayArgs = async (ev: (typeof events)[number]) => {
      const tx = await provider.getTransaction(ev.transactionHash);
      const call = tm.interface.parseTransaction({ data: tx!.data })!;
      expect(call.name).to.equal("finalizeTask");
      const [, round, , executors, header, proof] = call.args.toArray(true) as [
        bigint,
        bigint,
        string,
        string[],
        Header,
        string[],
      ];
      return [round, 175n, executors, header, proof] as const;
    };
    for (const ev of events) await (await consumer.update(...(await relayArgs(ev)))).wait();
    const [value, round, height] = await consumer.latest();
    expect([value, round]).to.deep.equal([175n, 1n]);
    expect(height).to.be.greaterThan(0n);
    // a round not newer than the latest is refused
    const refused = await consumer.update
      .staticCall(...(await relayArgs(events[0]!)))
      .then(() => "accepted")
      .catch((err: { data?: string }) => consumer.interface.parseError(err.data ?? "0x")?.name);
    expect(refused).to.equal("FeedRoundNotNewer");
  });

  // the fault is proven two tests below: close to its header, for evidence expires
  it("finalizes an http-oracle task with the median; the lying executor is a fault and is not paid", async () => {
    // a fresh epoch, so that the fault proven two tests later is younger than the unbonding period
    // (120 s of chain time; with a block per transaction, hardhat's clock runs ahead of the wall's)
    const epochBefore = lastEpoch;
    await cluster.provider.send("evm_increaseTime", [31]);
    await (await cluster.deployed.validatorSets.connect(poster).advanceEpoch()).wait();
    await waitFor(() => lastEpoch > epochBefore, "a height of the next epoch", 60_000);
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
    const liarEarned = await tm.earnings(cluster.keepers[liar]!.operator); // from the tests above
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
    lie = { signer: p.executors[0]!, taskId: p.taskId, header: a.header };
    // 5 % protocol fee, the rest split between the two honest executors' operators
    for (const op of f.executors) expect(await tm.earnings(op)).to.be.at.least((REWARD * 95n) / 100n / 2n);
    expect(await tm.earnings(liarOperator)).to.equal(liarEarned);
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

  // after every test that needs consensus: once jailed, the liar's messages are ignored, and with
  // the keeper stopped above the set has no quorum
  it("proves the lying executor's fault on chain: its faultsRoot leaf makes EvidenceHandler slash and jail its operator", async () => {
    const { deployed } = cluster;
    const l = lie!;
    // the liar signed twice the source's value (round 0); the header's only fault leaf
    const leaves = [[l.signer, FAULT_TASK_RESULT, faultDetails(l.taskId, 0, encodeValue(2n * 123_456n))]];
    expect(rootOf("fault", leaves)).to.equal(l.header.faultsRoot);
    const operator = cluster.keepers[keeperOf(l.signer)]!.operator.toLowerCase();
    const stakeBefore = (await deployed.staking.operatorInfo(operator)).selfStake;
    const leaf = { signer: l.signer, kind: FAULT_TASK_RESULT, detailsHash: leaves[0]![2] as string };
    const receipt = await (await deployed.evidence.proveFault(l.header, leaf, proofOf("fault", leaves, 0))).wait();
    const punished = receipt!.logs
      .map((x) => deployed.evidence.interface.parseLog(x))
      .find((e) => e?.name === "FaultPunished");
    expect(punished?.args.operator.toLowerCase()).to.equal(operator);
    expect(punished?.args.kind).to.equal(BigInt(FAULT_TASK_RESULT));
    expect((await deployed.staking.operatorInfo(operator)).selfStake).to.be.lessThan(stakeBefore);
    // an honest executor of the same round has no leaf: a made-up one does not verify
    const honest = { ...leaf, signer: signers().find((x) => x !== l.signer)! };
    const forged = await deployed.evidence.proveFault
      .staticCall(l.header, honest, proofOf("fault", leaves, 0))
      .then(() => "accepted")
      .catch((err: { data?: string }) => deployed.evidence.interface.parseError(err.data ?? "0x")?.name);
    expect(forged).to.equal("EvidenceInvalidProof");
  });

  // last: it moves the chain's clock past the task's deadline and the grace period (keepers check
  // the chain's clock on a timer: refunding does not wait for consensus)
  it("refunds a task with no agreed result by its deadline: a keeper calls refundTask once the chain's clock passed deadline + grace", async () => {
    const tm = cluster.deployed.tasks;
    const token = cluster.deployed.token;
    const url = source.serve("/no-price", { price: "n/a" }); // every executor records not-numeric: no agreement
    const spec = source.serveSpec("none", { version: 1, kind: "http-oracle", url, pointer: "/price", toleranceBps: 0 });
    const before = await token.balanceOf(await poster.getAddress());
    const { taskId } = await postTask({ token, tasks: tm }, poster, {
      kind: "http-oracle",
      spec,
      reward: REWARD,
      redundancy: 2,
      deadlineSeconds: 5,
    });
    const t = await tm.getTask(taskId);
    // the rounds failed (executed, nothing agreed): the task is still open
    await waitFor(() => started.filter((s) => s.taskId === taskId).length >= 2, "both executors ran", 30_000);
    expect((await tm.getTask(taskId)).status).to.equal(1n);
    const grace = await tm.finalizeGracePeriod();
    const now = (await cluster.provider.getBlock("latest"))!.timestamp;
    await cluster.provider.send("evm_increaseTime", [Number(t.deadline + grace) - now + 1]);
    await cluster.provider.send("evm_mine", []);
    await waitFor(
      () => refunds.some((r) => r.taskId === taskId && r.outcome === "refunded"),
      "a keeper refunds",
      30_000,
    );
    const ev = (await tm.queryFilter(tm.filters.TaskRefunded(taskId)))[0]!;
    const refundTx = await cluster.provider.getTransaction(ev.transactionHash);
    expect(signers()).to.include(refundTx!.from.toLowerCase());
    expect(ev.args.poster).to.equal(await poster.getAddress());
    expect(ev.args.reward).to.equal(REWARD);
    expect((await tm.getTask(taskId)).status).to.equal(3n); // Refunded
    expect(await token.balanceOf(await poster.getAddress())).to.equal(before);
    // one refund: the keepers behind the first found the task closed
    await new Promise((r) => setTimeout(r, 500));
    expect(refunds.filter((r) => r.taskId === taskId && r.outcome === "refunded")).to.have.length(1);
  });
});
