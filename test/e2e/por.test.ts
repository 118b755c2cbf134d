// Proof-of-Resource end to end: four keepers on a real chain challenge each other (real libp2p
// sockets, staggered), gossip signed reports, and certify a porRoot; one keeper registered 4 GiB
// of storage but keeps 1 GiB's worth. Its certified leaf shows what it really has, and
// CheckpointStore.verifyResource proves that leaf on chain against the certified header. In the
// next epoch it is below its claim again: a faultsRoot leaf that EvidenceHandler punishes.
import { expect } from "chai";
import { proofOf, rootOf } from "../../keeper/src/checkpoint/leaves.js";
import { targetsOf } from "../../keeper/src/por/assignment.js";
import { POR_FAULT } from "../../keeper/src/por/faults.js";
import { headerHash } from "../../keeper/src/checkpoint/header.js";
import type { DecidedPor } from "../../keeper/src/por/part.js";
import type { MeshView } from "../../keeper/src/observability/mesh-monitor.js";
import { leafOf } from "../../keeper/src/por/part.js";
import type { RewardsPart } from "../../keeper/src/checkpoint/parts/index.js";
import { KeeperCluster } from "../../scripts/lib/keeper-cluster.js";
import { waitFor } from "../keeper/helpers/p2p.js";
import { createLogger } from "../../keeper/src/observability/index.js";
import { DEMO_CLAIMS, DEMO_POR } from "../../scripts/lib/demo/por-step.js";

const LIAR = 3;
/** the demo's small PoR sizes (four keepers prove each other on one machine), challenges 1 s apart */
const POR = { ...DEMO_POR, staggerMs: 1_000 };

describe("e2e PoR: challenges, signed reports and a certified porRoot on a real chain", function () {
  this.timeout(180_000);
  let cluster: KeeperCluster;
  let result: DecidedPor;

  before(async () => {
    cluster = await KeeperCluster.start({
      keepers: 4,
      registerArgs: () => DEMO_CLAIMS,
      ...(process.env.POR_DEBUG ? { logger: (i: number) => createLogger({ level: "info" }).child({ keeper: i }) } : {}),
      por: (i) => (i === LIAR ? { ...POR, storage: { ...POR.storage, keepGiB: 1 } } : POR),
    });
    result = await certifiedWithAll(1);
  });
  /** a certified header of `epoch` whose porRoot proves every operator (and `also` holds) */
  const certifiedWithAll = async (epoch: number, also: (d: DecidedPor) => boolean = () => true) => {
    let result: DecidedPor | undefined;
    // every decided result seen, by height: under load the chain certifies a height or two behind
    // the keepers' latest decision, so any seen one that is certified will do
    const seen = new Map<bigint, DecidedPor>();
    const waited = waitFor(
      async () => {
        const por = cluster.keepers[0]!.consensus?.parts.find((p) => p.name === "por") as
          { decided: Map<number, DecidedPor> } | undefined;
        const latest = por?.decided.get(epoch);
        if (latest?.header && latest.leaves.length === 4 && also(latest)) seen.set(latest.height, latest);
        for (const d of [...seen.values()].reverse()) {
          const onChain = await cluster.deployed.checkpoints.checkpointHash(d.height);
          if (onChain !== headerHash(d.header!)) continue;
          result = d;
          return true;
        }
        return false;
      },
      `a certified porRoot of epoch ${epoch} with a leaf for each of the 4 operators`,
      120_000,
    );
    await waited.catch((err: unknown) => {
      for (const k of cluster.keepers) console.log(JSON.stringify(k.por?.status()));
      throw err;
    });
    return result!;
  };
  after(() => cluster?.stop());
  afterEach(function () {
    if (this.currentTest?.state !== "failed") return;
    console.log(JSON.stringify(result?.reports));
    for (const k of cluster.keepers) console.log(JSON.stringify(k.por?.status()));
  });

  const leafOfKeeper = (i: number) =>
    result.leaves.find((l) => l.operator === cluster.keepers[i]!.operator.toLowerCase())!;

  it("honest keepers' leaves show their claims, proven by at least 2 of their 3 verifiers", () => {
    for (const i of [0, 1, 2]) {
      expect(leafOfKeeper(i), `keeper ${i}`).to.include({
        cpuCores: 1,
        memoryMiB: 64,
        storageGiB: 4,
        bandwidthMbps: 1,
      });
      expect(leafOfKeeper(i).latencyUs).to.be.greaterThan(0);
    }
    const perOperator = new Map<string, number>();
    for (const r of result.reports) perOperator.set(r.operator, (perOperator.get(r.operator) ?? 0) + 1);
    for (const n of perOperator.values()) expect(n).to.be.within(2, 3);
  });

  it("the keeper that claims 4 GiB of storage but keeps 1 GiB's worth is certified with what it really has", () => {
    const liar = leafOfKeeper(LIAR);
    expect(liar.storageGiB).to.be.lessThan(3); // 4 x (1 - 20% tolerance) = 3.2
    expect(liar.cpuCores).to.equal(1);
  });

  it("/mesh shows each operator's latest certified PoR leaf, the liar's with what it really has", async () => {
    const view = (await (await fetch(`http://127.0.0.1:${cluster.keepers[0]!.server.port}/mesh`)).json()) as MeshView;
    const shown = view.por[cluster.keepers[LIAR]!.operator.toLowerCase()] as { epoch: number; storageGiB: number };
    expect(shown.epoch).to.be.at.least(1);
    expect(shown.storageGiB).to.be.lessThan(3);
    expect(Object.keys(view.por)).to.have.length(4);
  });

  it("CheckpointStore.verifyResource proves the liar's leaf on chain against the certified header", async () => {
    const leaves = result.leaves.map(leafOf);
    const position = result.leaves.findIndex((l) => l.operator === cluster.keepers[LIAR]!.operator.toLowerCase());
    const proof = proofOf("resource", leaves, position);
    const l = result.leaves[position]!;
    const resources = {
      cpuCores: l.cpuCores,
      bandwidthMbps: l.bandwidthMbps,
      memoryMiB: l.memoryMiB,
      storageGiB: l.storageGiB,
      latencyUs: l.latencyUs,
      uptimeBps: l.uptimeBps,
    };
    const store = cluster.deployed.checkpoints;
    expect(await store.verifyResource(result.header!, l.operator, resources, proof)).to.equal(true);
    // the claim it registered does not verify
    expect(await store.verifyResource(result.header!, l.operator, { ...resources, storageGiB: 4 }, proof)).to.equal(
      false,
    );
  });

  it("a verifier restarted mid-epoch publishes the reports it signed before, never second ones: no peer sees it equivocate", async () => {
    const V = 1;
    const before = cluster.keepers[V]!;
    const me = before.operator.toLowerCase();
    const epoch = Number(await cluster.deployed.validatorSets.currentEpoch());
    const own = (k: typeof before) =>
      k
        .por!.pool.forEpoch(epoch)
        .filter((r) => r.report.report.verifier === me)
        .map((r) => r.id)
        .sort();
    const info = await before.por!.book.load(epoch);
    const targets = targetsOf(info!.seed, me, [...info!.signers.keys()], info!.verifiers);
    await waitFor(
      () => own(before).length === targets.length,
      `keeper ${V}'s ${targets.length} reports of epoch ${epoch}`,
      60_000,
    );
    const signed = own(before);
    const after = await cluster.restart(V);
    const decidedAt = cluster.keepers[0]!.consensus!.height ?? 0;
    await waitFor(
      () => own(after).length === targets.length,
      `the restarted keeper's reports of epoch ${epoch}`,
      60_000,
    );
    expect(own(after)).to.deep.equal(signed);
    // it keeps validating and signing: the mesh decides on with it
    await waitFor(
      () => (after.consensus?.height ?? 0) > decidedAt + 2,
      "three more heights decided by the restarted keeper",
      60_000,
    );
    const signer = after.identity.signerAddress.toLowerCase();
    await waitFor(
      () => cluster.keepers[0]!.consensus!.lastDecided?.commit.signatures.some((s) => s.signer === signer) ?? false,
      "the restarted keeper's precommit in a commit keeper 0 decided",
      30_000,
    );
    for (const k of cluster.keepers) {
      const seen = k.por!.pool.equivocations.filter(([a]) => a.report.verifier === me);
      expect(seen, `keeper ${cluster.keepers.indexOf(k)} saw keeper ${V} equivocate`).to.deep.equal([]);
    }
  });

  it("below its claim again in the next epoch, the liar gets a faultsRoot leaf that EvidenceHandler punishes on chain", async () => {
    const { provider, deployed } = cluster;
    await provider.send("evm_increaseTime", [60]);
    await (await deployed.validatorSets.connect(await provider.getSigner(0)).advanceEpoch()).wait();
    const liar = cluster.keepers[LIAR]!.operator.toLowerCase();
    const second = await certifiedWithAll(2, (d) => d.faults.some((f) => f.operator === liar));
    // one fault: the liar's storage (mask 4) below claim two epochs in a row; honest keepers have none
    expect(second.faults.map((f) => [f.operator, f.kind, f.mask])).to.deep.equal([[liar, POR_FAULT.belowClaim, 4]]);
    const fault = second.faults[0]!;
    expect(fault.signer).to.equal(cluster.keepers[LIAR]!.identity.signerAddress.toLowerCase());
    const leaves = second.faults.map((f) => [f.signer, f.kind, f.detailsHash]);
    expect(rootOf("fault", leaves)).to.equal(second.header!.faultsRoot);

    const stakeBefore = (await deployed.staking.operatorInfo(liar)).selfStake;
    const leaf = { signer: fault.signer, kind: fault.kind, detailsHash: fault.detailsHash };
    const receipt = await (
      await deployed.evidence.proveFault(second.header!, leaf, proofOf("fault", leaves, 0))
    ).wait();
    const punished = receipt!.logs
      .map((l) => deployed.evidence.interface.parseLog(l))
      .find((e) => e?.name === "FaultPunished");
    expect(punished?.args.operator.toLowerCase()).to.equal(liar);
    expect((await deployed.staking.operatorInfo(liar)).selfStake).to.be.lessThan(stakeBefore);
    // one slash per (signer, kind, epoch): the same fault again is refused
    const again = await deployed.evidence.proveFault
      .staticCall(second.header!, leaf, proofOf("fault", leaves, 0))
      .then(() => "accepted")
      .catch((err: { data?: string }) => deployed.evidence.interface.parseError(err.data ?? "0x")?.name);
    expect(again).to.equal("EvidenceAlreadyUsed");
  });

  it("epoch 1's rewards, declared at epoch 2's start, pay half the budget for service: every operator proven and up in epoch 1 earns a share", async () => {
    const rewards = cluster.keepers[0]!.consensus?.parts.find((p) => p.name === "rewards") as RewardsPart | undefined;
    await waitFor(() => rewards?.report()["1"] !== undefined, "epoch 1's rewards decided", 30_000);
    const epoch1 = rewards!.report()["1"]!;
    const recorded = await cluster.deployed.rewards.epochRewards(1n);
    if (recorded.recorded) expect(BigInt(epoch1.total)).to.equal(recorded.total);
    // an operator whose validator signed nothing (a keeper stalled on this loaded machine) has no uptime: no
    // share; every other proven operator earns one
    const por = cluster.keepers[0]!.consensus?.parts.find((p) => p.name === "por") as
      { decided: Map<number, DecidedPor> } | undefined;
    const up = (por?.decided.get(1)?.leaves ?? []).filter((l) => l.uptimeBps > 0).map((l) => l.operator);
    const shown = JSON.stringify({ leaves: epoch1.leaves.map(({ proof: _p, ...l }) => l), up });
    expect(up.length, shown).to.be.at.least(3);
    for (const op of up) {
      const leaf = epoch1.leaves.find((l) => l.operator.toLowerCase() === op);
      expect(BigInt(leaf?.service ?? 0), `${op}'s service share: ${shown}`).to.be.greaterThan(0n);
    }
    // default split 50/50: the service shares add up to half the budget, less rounding (< 1 wei per leaf per pool)
    const service = epoch1.leaves.reduce((s, l) => s + BigInt(l.service), 0n);
    const total = BigInt(epoch1.total);
    expect(total - 2n * service).to.be.within(-8n, 8n);
  });
});
