// The network, live: epoch and rewards, the mesh (drawn), operators with stake and the resources and uptime they
// proved to the market, the latest certified checkpoints
// (certificate kind, signers, gas) with charts that redraw as checkpoints arrive.
import { useMemo } from "preact/hooks";
import { OperatorStatusNames, type OperatorStatus } from "@openmesh/contracts";
import { Chart } from "../components/Chart.js";
import { Mesh } from "../components/Mesh.js";
import { PorLeaves } from "../components/PorLeaves.js";
import { useApp } from "../lib/app.js";
import type { Contracts } from "../lib/chain.js";
import { duration, int, open, percent, short } from "../lib/format.js";
import { keeperJson, type CheckpointRecord, type MeshView, type RewardsReport } from "../lib/keeper.js";
import { usePoll } from "../lib/poll.js";

interface Operator {
  operator: string;
  stake: bigint;
  status: string;
  commissionWad: bigint;
  /** capacity last proven to the market (a porRoot leaf of a certified header), with that epoch's uptime */
  proven: { cpuCores: bigint; memoryMiB: bigint; storageGiB: bigint; epoch: bigint; uptimeBps: bigint } | null;
}

/** What an operator proved to the ResourceMarket (null when nothing, or no market in this deployment). */
async function provenOf(c: Contracts, operator: string): Promise<Operator["proven"]> {
  if (!c.market) return null;
  const p = await c.market.provenCapacity(operator);
  if (p.epoch === 0n) return null;
  const [uptimeBps] = await c.market.attestedUptime(operator, p.epoch);
  const { cpuCores, memoryMiB, storageGiB } = p.capacity;
  return { cpuCores, memoryMiB, storageGiB, epoch: p.epoch, uptimeBps };
}

interface NetworkState {
  epoch: bigint;
  epochLength: bigint;
  nextEpochTime: bigint;
  now: bigint;
  latestHeight: bigint;
  checkpointInterval: bigint;
  budget: bigint;
  freePool: bigint;
  operators: Operator[];
  totalStake: bigint;
}

export function Network() {
  const { c, read, info } = useApp();
  const net = usePoll<NetworkState | null>(async () => {
    if (!c || !read) return null;
    const [epoch, epochLength, nextEpochTime, block, latestHeight, checkpointInterval, budget, freePool, candidates] =
      await Promise.all([
        c.validatorSets.currentEpoch(),
        c.validatorSets.epochLength(),
        c.validatorSets.nextEpochTime(),
        read.getBlock("latest"),
        c.checkpoints.latestHeight(),
        c.checkpoints.checkpointInterval(),
        c.rewards.nextEpochBudget(),
        c.rewards.freePool(),
        c.staking.validatorCandidates(),
      ]);
    const details = await Promise.all(
      candidates.map((v) =>
        Promise.all([c.staking.statusOf(v.operator), c.staking.commissionOf(v.operator), provenOf(c, v.operator)]),
      ),
    );
    const operators = candidates
      .map((v, i) => ({
        operator: v.operator,
        stake: v.stake,
        status: OperatorStatusNames[Number(details[i]![0]) as OperatorStatus] ?? "unknown",
        commissionWad: details[i]![1],
        proven: details[i]![2],
      }))
      .sort((a, b) => (b.stake > a.stake ? 1 : b.stake < a.stake ? -1 : 0));
    return {
      epoch,
      epochLength,
      nextEpochTime,
      now: BigInt(block?.timestamp ?? 0),
      latestHeight,
      checkpointInterval,
      budget,
      freePool,
      operators,
      totalStake: operators.reduce((s, o) => s + o.stake, 0n),
    };
  }, 3000);
  const mesh = usePoll(() => keeperJson<MeshView>("/mesh"), 2000);
  const cps = usePoll(
    async () => (await keeperJson<{ checkpoints: CheckpointRecord[] }>("/checkpoints"))?.checkpoints ?? [],
    2000,
    [c],
  );
  const rewards = usePoll(async () => (await keeperJson<RewardsReport>("/rewards")) ?? {}, 5000);

  const list = cps.value ?? [];
  const chart = useMemo(() => {
    const asc = [...list].reverse();
    return {
      x: asc.map((cp) => Number(cp.height)),
      gas: [
        {
          label: "gas used",
          color: "#2563eb",
          values: asc.map((cp) => (cp.gasUsed === null ? null : Number(cp.gasUsed))),
        },
      ],
      signers: [
        { label: "signers", color: "#059669", values: asc.map((cp) => cp.signers) },
        { label: "validators", color: "#9333ea", values: asc.map((cp) => cp.validators) },
      ],
    };
  }, [list]);

  const n = net.value;
  const rewardEpochs = Object.entries(rewards.value ?? {}).sort((a, b) => Number(b[0]) - Number(a[0]));
  return (
    <section aria-labelledby="network-title">
      <h1 id="network-title">Network</h1>
      {!info.rpc && <p class="note">This keeper runs without a chain: only its own data is shown.</p>}
      {net.error && (
        <p class="error" role="alert">
          Could not read the chain: {net.error}
        </p>
      )}
      <dl class="stats" data-testid="network-stats">
        <div>
          <dt>Epoch</dt>
          <dd data-testid="epoch">{n ? int(n.epoch) : "…"}</dd>
          {n && (
            <dd class="sub">
              next in {duration(n.nextEpochTime > n.now ? n.nextEpochTime - n.now : 0n)} · length{" "}
              {duration(n.epochLength)}
            </dd>
          )}
        </div>
        <div>
          <dt>Latest certified height</dt>
          <dd data-testid="latest-height">{n ? int(n.latestHeight) : "…"}</dd>
          {n && <dd class="sub">every {int(n.checkpointInterval)} height(s)</dd>}
        </div>
        <div>
          <dt>Operators with stake</dt>
          <dd>{n ? n.operators.length : "…"}</dd>
          {n && <dd class="sub">{open(n.totalStake, 0)} OPEN staked</dd>}
        </div>
        <div>
          <dt>Next epoch's reward budget</dt>
          <dd>{n ? `${open(n.budget)} OPEN` : "…"}</dd>
          {n && <dd class="sub">free pool {open(n.freePool, 0)} OPEN</dd>}
        </div>
      </dl>

      <h2>Mesh</h2>
      {mesh.value ? (
        <Mesh
          view={mesh.value}
          names={(o) => `${short(o)}${o.toLowerCase() === info.operator.toLowerCase() ? " (this keeper)" : ""}`}
        />
      ) : (
        <p>{mesh.value === null ? "This keeper serves no mesh view." : "…"}</p>
      )}

      <h2>Latest certified checkpoints</h2>
      <div class="charts">
        <Chart title="Gas per certificate, by height" x={chart.x} xLabel="height" series={chart.gas} />
        <Chart title="Signers of each certificate, by height" x={chart.x} xLabel="height" series={chart.signers} />
      </div>
      <div class="table-wrap" tabIndex={0} aria-label="checkpoints table (scrolls)">
        <table data-testid="checkpoints">
          <caption class="visually-hidden">Certified checkpoints, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Height</th>
              <th scope="col">Epoch</th>
              <th scope="col">Certificate</th>
              <th scope="col">Signers</th>
              <th scope="col">Gas</th>
              <th scope="col">Round</th>
              <th scope="col">Submitter</th>
              <th scope="col">Age</th>
            </tr>
          </thead>
          <tbody>
            {list.length === 0 && (
              <tr>
                <td colSpan={8}>{cps.value === undefined ? "Loading…" : "No checkpoint certified yet."}</td>
              </tr>
            )}
            {list.map((cp) => (
              <tr key={cp.height} data-height={cp.height}>
                <td>{int(cp.height)}</td>
                <td>{cp.epoch}</td>
                <td>
                  <span class={`badge badge-${cp.kind.toLowerCase()}`}>{cp.kind}</span>
                </td>
                <td>{cp.signers === null ? "–" : `${cp.signers} of ${cp.validators ?? "?"}`}</td>
                <td>{int(cp.gasUsed)}</td>
                <td>{cp.round}</td>
                <td class="mono" title={cp.submitter}>
                  {short(cp.submitter)}
                </td>
                <td>{cp.timestamp && n ? duration(Math.max(0, Number(n.now) - cp.timestamp)) : "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Operators with stake</h2>
      <div class="table-wrap" tabIndex={0} aria-label="operators table (scrolls)">
        <table data-testid="operators">
          <thead>
            <tr>
              <th scope="col">Operator</th>
              <th scope="col">Status</th>
              <th scope="col">Stake (OPEN)</th>
              <th scope="col">Share</th>
              <th scope="col">Commission</th>
              <th scope="col">Proven resources</th>
              <th scope="col">Uptime</th>
            </tr>
          </thead>
          <tbody>
            {(n?.operators ?? []).map((o) => (
              <tr key={o.operator}>
                <td class="mono" title={o.operator}>
                  {short(o.operator)}
                  {o.operator.toLowerCase() === info.operator.toLowerCase() ? " (this keeper)" : ""}
                </td>
                <td>{o.status}</td>
                <td>{open(o.stake, 0)}</td>
                <td>
                  <span class="bar" aria-hidden="true">
                    <span style={{ width: percent(o.stake, n!.totalStake) }} />
                  </span>{" "}
                  {percent(o.stake, n!.totalStake)}
                </td>
                <td>{percent(o.commissionWad, 10n ** 18n)}</td>
                <td>
                  {o.proven
                    ? `${int(o.proven.cpuCores)} cores · ${int(o.proven.memoryMiB)} MiB · ${int(o.proven.storageGiB)} GiB (epoch ${o.proven.epoch})`
                    : "not proven"}
                </td>
                <td>{o.proven ? percent(o.proven.uptimeBps, 10_000n) : "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Proof of Resource</h2>
      <PorLeaves c={c} self={info.operator} />

      <h2>Rewards by epoch</h2>
      {rewardEpochs.length === 0 ? (
        <p>No epoch's rewards certified yet (an epoch's rewards arrive with the next epoch's first checkpoint).</p>
      ) : (
        <div class="table-wrap" tabIndex={0} aria-label="rewards table (scrolls)">
          <table data-testid="rewards">
            <thead>
              <tr>
                <th scope="col">Epoch</th>
                <th scope="col">Total (OPEN)</th>
                <th scope="col">Operators rewarded</th>
              </tr>
            </thead>
            <tbody>
              {rewardEpochs.map(([epoch, r]) => (
                <tr key={epoch}>
                  <td>{epoch}</td>
                  <td>{open(r.total, 6)}</td>
                  <td>{r.leaves.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
