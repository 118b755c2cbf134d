// The mesh as this keeper sees it (/mesh): operators on a circle, an edge for every pair with a
// measured round trip (this keeper's pings and the medians each peer reports in its heartbeats),
// thicker and warmer as it gets slower; suspected operators (phi-accrual) drawn dashed. The same
// numbers are in the table under it, for screen readers and exact values.
import { short } from "../lib/format.js";
import type { MeshView } from "../lib/keeper.js";

const SIZE = 320;
const R = 120;
const NODE = 14;

/** green to red over 0..max ms */
function heat(ms: number, max: number): string {
  const t = max > 0 ? Math.min(1, ms / max) : 0;
  return `hsl(${Math.round(140 - 140 * t)} 70% 38%)`;
}

export function Mesh({ view, names }: { view: MeshView; names: (operator: string) => string }) {
  const self = view.self.toLowerCase();
  const operators = [
    ...new Set([self, ...view.peers.map((p) => p.operator.toLowerCase()), ...Object.keys(view.latencyMs)]),
  ];
  const at = new Map(
    operators.map((o, i) => {
      const a = (2 * Math.PI * i) / operators.length - Math.PI / 2;
      return [
        o,
        operators.length === 1
          ? { x: SIZE / 2, y: SIZE / 2 }
          : { x: SIZE / 2 + R * Math.cos(a), y: SIZE / 2 + R * Math.sin(a) },
      ];
    }),
  );
  // one edge per pair: the mean of both directions' medians when both are known
  const pairs = new Map<string, { a: string; b: string; ms: number[] }>();
  for (const [from, row] of Object.entries(view.latencyMs)) {
    for (const [to, ms] of Object.entries(row)) {
      const [a, b] = [from.toLowerCase(), to.toLowerCase()].sort() as [string, string];
      if (a === b || !at.has(a) || !at.has(b)) continue;
      const key = `${a}|${b}`;
      const e = pairs.get(key) ?? { a, b, ms: [] };
      e.ms.push(ms);
      pairs.set(key, e);
    }
  }
  const edges = [...pairs.values()].map((e) => ({ ...e, rtt: e.ms.reduce((s, x) => s + x, 0) / e.ms.length }));
  // colours on a fixed scale (150 ms and over is red), widths relative to the slowest link
  const max = Math.max(1, ...edges.map((e) => e.rtt));
  const suspected = new Set(view.peers.filter((p) => p.suspected).map((p) => p.operator.toLowerCase()));
  const uptime = view.uptime?.bps ?? {};
  const uptimeOf = (o: string) => {
    const hit = Object.entries(uptime).find(([k]) => k.toLowerCase() === o);
    return hit ? `${(hit[1] / 100).toFixed(1)}%` : "–";
  };

  return (
    <figure class="mesh" data-testid="mesh">
      <figcaption>
        The mesh from this keeper: {operators.length} operator(s), {edges.length} measured link(s)
        {view.medianRttMs !== null ? `, median round trip ${view.medianRttMs.toFixed(1)} ms` : ""}
      </figcaption>
      <svg viewBox={`0 0 ${SIZE} ${SIZE}`} role="img" aria-label="Operators and the round trips between them">
        {edges.map((e) => {
          const p = at.get(e.a)!;
          const q = at.get(e.b)!;
          return (
            <g key={`${e.a}|${e.b}`} data-edge={`${e.a}|${e.b}`}>
              <line
                x1={p.x}
                y1={p.y}
                x2={q.x}
                y2={q.y}
                stroke={heat(e.rtt, 150)}
                stroke-width={1.5 + (3 * e.rtt) / max}
              />
              <text x={(p.x + q.x) / 2} y={(p.y + q.y) / 2 - 4} class="mesh-label" text-anchor="middle">
                {e.rtt < 10 ? e.rtt.toFixed(1) : Math.round(e.rtt)} ms
              </text>
            </g>
          );
        })}
        {operators.map((o) => {
          const p = at.get(o)!;
          return (
            <g key={o} data-node={o}>
              <circle
                cx={p.x}
                cy={p.y}
                r={NODE}
                class={o === self ? "mesh-self" : suspected.has(o) ? "mesh-suspected" : "mesh-node"}
              />
              <text x={p.x} y={p.y + NODE + 14} class="mesh-label" text-anchor="middle">
                {short(o)}
              </text>
            </g>
          );
        })}
      </svg>
      <div class="table-wrap" tabIndex={0} aria-label="mesh peers table (scrolls)">
        <table data-testid="mesh-peers">
          <caption class="visually-hidden">Peers of this keeper: round trips, suspicion and uptime</caption>
          <thead>
            <tr>
              <th scope="col">Operator</th>
              <th scope="col">Round trip p50 / p99</th>
              <th scope="col">Last heard</th>
              <th scope="col">Phi</th>
              <th scope="col">Certified uptime</th>
            </tr>
          </thead>
          <tbody>
            {view.peers.length === 0 && (
              <tr>
                <td colSpan={5}>No peers yet.</td>
              </tr>
            )}
            {view.peers.map((p) => (
              <tr key={p.operator} data-peer={p.operator.toLowerCase()}>
                <td class="mono" title={p.operator}>
                  {names(p.operator)}
                </td>
                <td>
                  {p.rttMs.p50 === null ? "–" : `${p.rttMs.p50.toFixed(1)} / ${(p.rttMs.p99 ?? 0).toFixed(1)} ms`}
                </td>
                <td>{p.lastHeardMsAgo === null ? "never" : `${(p.lastHeardMsAgo / 1000).toFixed(1)} s ago`}</td>
                <td class={p.suspected ? "bad" : ""}>
                  {p.phi.toFixed(2)}
                  {p.suspected ? " (suspected)" : ""}
                </td>
                <td>{uptimeOf(p.operator.toLowerCase())}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
