// Proof of Resource as this keeper decided it (/por, docs/por.md): per operator, the leaf of the
// newest decided header (median of the verifiers' reports per measure) next to what the operator
// claims on chain (Staking.resourcesOf). A measure proven below the claim is marked.
import type { Contracts } from "../lib/chain.js";
import { int, percent, short } from "../lib/format.js";
import { keeperJson, type PorStatus, type PorLeaf } from "../lib/keeper.js";
import { usePoll } from "../lib/poll.js";

interface Claim {
  cpuCores: bigint;
  bandwidthMbps: bigint;
  memoryMiB: bigint;
  storageGiB: bigint;
}

interface Shown {
  enabled: boolean;
  decided: PorStatus["decided"][number] | null;
  claims: Map<string, Claim | null>;
}

async function load(c: Contracts | null): Promise<Shown | null> {
  const por = await keeperJson<PorStatus>("/por");
  if (!por) return null;
  // the newest decided result (epoch, then height) that proves anyone
  const decided =
    [...por.decided]
      .filter((d) => d.leaves.length > 0)
      .sort((a, b) => b.epoch - a.epoch || Number(BigInt(b.height) - BigInt(a.height)))[0] ?? null;
  const claims = new Map<string, Claim | null>();
  if (c && decided) {
    const read = await Promise.all(decided.leaves.map((l) => c.staking.resourcesOf(l.operator).catch(() => null)));
    decided.leaves.forEach((l, i) => claims.set(l.operator, read[i] ?? null));
  }
  return { enabled: por.enabled, decided, claims };
}

/** "proven of claimed unit", marked when proven is below the claim */
function Versus({
  measure,
  proven,
  claimed,
  unit,
}: {
  measure: string;
  proven: number;
  claimed?: bigint;
  unit: string;
}) {
  const below = claimed !== undefined && BigInt(proven) < claimed;
  return (
    <td data-measure={measure} class={below ? "bad" : undefined} title={below ? "proven below the claim" : undefined}>
      {int(proven)}
      {claimed !== undefined && ` of ${int(claimed)}`}
      {unit && ` ${unit}`}
    </td>
  );
}

export function PorLeaves({ c, self }: { c: Contracts | null; self: string }) {
  const por = usePoll(() => load(c), 5000, [c]);
  const v = por.value;
  if (v === undefined) return <p>…</p>;
  if (v === null) return <p>This keeper serves no Proof-of-Resource view.</p>;
  if (!v.enabled) return <p>This keeper does not take part in Proof of Resource (its `por.enabled` is off).</p>;
  if (!v.decided) return <p>Nothing proven yet this keeper has decided: the verifiers' reports are on their way.</p>;
  const d = v.decided;
  const row = (l: PorLeaf) => {
    const claim = v.claims.get(l.operator) ?? undefined;
    return (
      <tr key={l.operator} data-operator={l.operator.toLowerCase()}>
        <td class="mono" title={l.operator}>
          {short(l.operator)}
          {l.operator.toLowerCase() === self.toLowerCase() ? " (this keeper)" : ""}
        </td>
        <Versus measure="cpu" proven={l.cpuCores} claimed={claim?.cpuCores} unit="cores" />
        <Versus measure="memory" proven={l.memoryMiB} claimed={claim?.memoryMiB} unit="MiB" />
        <Versus measure="storage" proven={l.storageGiB} claimed={claim?.storageGiB} unit="GiB" />
        <Versus measure="bandwidth" proven={l.bandwidthMbps} claimed={claim?.bandwidthMbps} unit="Mbit/s" />
        <td data-measure="latency">{int(l.latencyUs)} µs</td>
        <td data-measure="uptime">{percent(BigInt(l.uptimeBps), 10_000n)}</td>
      </tr>
    );
  };
  return (
    <>
      <p data-testid="por-epoch">
        Epoch {d.epoch}, decided at height {int(d.height)} from {d.reports} signed report(s); porRoot{" "}
        <span class="mono" title={d.porRoot}>
          {short(d.porRoot)}
        </span>
        . Each value is the median of the operator's verifiers; "of" is what it claims on chain.
      </p>
      <div class="table-wrap" tabIndex={0} aria-label="proven resources table (scrolls)">
        <table data-testid="por-leaves">
          <caption class="visually-hidden">Proven resources per operator against their claims</caption>
          <thead>
            <tr>
              <th scope="col">Operator</th>
              <th scope="col">CPU</th>
              <th scope="col">Memory</th>
              <th scope="col">Storage</th>
              <th scope="col">Bandwidth</th>
              <th scope="col">Latency</th>
              <th scope="col">Uptime</th>
            </tr>
          </thead>
          <tbody>{d.leaves.map(row)}</tbody>
        </table>
      </div>
    </>
  );
}
