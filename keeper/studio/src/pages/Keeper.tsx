// This keeper: health, consensus progress, what it logged (lines per level, the last warnings and
// errors) and a summary of its Prometheus metrics.
import { useApp } from "../lib/app.js";
import { keeperJson, keeperText, type ConsensusStatus, type Health, type LogSummary } from "../lib/keeper.js";
import { usePoll } from "../lib/poll.js";

/** Process and runtime metrics worth a glance; the other keeper_process_* / keeper_nodejs_* stay on /metrics. */
const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"];

function Logs({ logs }: { logs: LogSummary | null | undefined }) {
  if (logs === undefined) return <p>…</p>;
  if (logs === null) return <p>This keeper runs with its embedder's logger: no summary here.</p>;
  const counted = LEVELS.filter((l) => logs.counts[l] !== undefined);
  return (
    <>
      <p data-testid="log-counts">
        Since {logs.since.replace("T", " ").slice(0, 19)} UTC:{" "}
        {counted.length === 0
          ? "nothing logged at its log level"
          : counted.map((l) => `${fmt(logs.counts[l]!)} ${l}`).join(", ")}
        .
      </p>
      {logs.recent.length === 0 ? (
        <p>No warnings or errors.</p>
      ) : (
        <div class="table-wrap" tabIndex={0} aria-label="recent warnings and errors (scrolls)">
          <table data-testid="log-recent">
            <caption>The last warnings and errors, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time (UTC)</th>
                <th scope="col">Level</th>
                <th scope="col">Module</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {logs.recent.map((r, i) => (
                <tr key={`${r.time}-${i}`}>
                  <td>{r.time.slice(11, 19)}</td>
                  <td class={r.level === "warn" ? "" : "bad"}>{r.level}</td>
                  <td class="mono">{r.module}</td>
                  <td>
                    {r.msg}
                    {r.repeats > 1 ? ` (×${r.repeats})` : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

const RUNTIME_SHOWN = new Set([
  "keeper_process_resident_memory_bytes",
  "keeper_process_cpu_seconds_total",
  "keeper_process_open_fds",
  "keeper_nodejs_eventloop_lag_p99_seconds",
  "keeper_nodejs_heap_size_used_bytes",
]);

/** Sums each metric family of a Prometheus text exposition over its labels (keeper_* only). */
export function summarize(text: string): Array<{ name: string; value: number; help: string }> {
  const help = new Map<string, string>();
  const sums = new Map<string, number>();
  for (const line of text.split("\n")) {
    const h = /^# HELP (\S+) (.*)$/.exec(line);
    if (h) {
      help.set(h[1]!, h[2]!);
      continue;
    }
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? (\S+)/.exec(line);
    if (!m || !m[1]!.startsWith("keeper_")) continue;
    if (/^keeper_(process|nodejs)_/.test(m[1]!) && !RUNTIME_SHOWN.has(m[1]!)) continue;
    // histograms: keep the count and the sum, not every bucket
    if (m[1]!.endsWith("_bucket")) continue;
    const v = Number(m[2]);
    if (Number.isFinite(v)) sums.set(m[1]!, (sums.get(m[1]!) ?? 0) + v);
  }
  return [...sums].map(([name, value]) => ({
    name,
    value,
    help: help.get(name) ?? help.get(name.replace(/_(sum|count)$/, "")) ?? "",
  }));
}

function fmt(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toLocaleString("en-US", { maximumFractionDigits: 3 });
}

export function Keeper() {
  const { info } = useApp();
  const health = usePoll(() => keeperJson<Health>("/health"), 2000);
  const consensus = usePoll(() => keeperJson<ConsensusStatus>("/consensus"), 2000);
  const metrics = usePoll(async () => summarize((await keeperText("/metrics")) ?? ""), 5000);
  const logs = usePoll(() => keeperJson<LogSummary>("/logs"), 5000);
  const h = health.value;
  const cs = consensus.value;
  return (
    <section aria-labelledby="keeper-title">
      <h1 id="keeper-title">This keeper</h1>
      <dl class="stats" data-testid="keeper-health">
        <div>
          <dt>Health</dt>
          <dd class={h ? (h.ready ? "ok" : "bad") : ""} data-testid="keeper-ready">
            {h ? (h.ready ? "ready" : "not ready") : "…"}
          </dd>
          {h?.notReadyReason && <dd class="sub">{h.notReadyReason}</dd>}
        </div>
        <div>
          <dt>Peers</dt>
          <dd>{h ? h.peers : "…"}</dd>
          <dd class="sub">{h ? (h.synced ? "chain synced" : "chain catching up") : ""}</dd>
        </div>
        <div>
          <dt>Consensus height</dt>
          <dd>{cs?.height ?? "–"}</dd>
          <dd class="sub">
            {h?.consensus
              ? h.consensus.live
                ? "deciding"
                : `stalled, waiting at ${h.consensus.waitingFor ?? "?"}`
              : "not a validator"}
          </dd>
        </div>
        <div>
          <dt>Commit latency p50 / p99</dt>
          <dd>{cs ? `${cs.commitLatencyMs.p50 ?? "–"} / ${cs.commitLatencyMs.p99 ?? "–"} ms` : "–"}</dd>
          <dd class="sub">over {cs?.commitLatencyMs.count ?? 0} heights</dd>
        </div>
      </dl>
      <p>
        Operator <span class="mono break">{info.operator}</span>, peer <span class="mono break">{info.peerId}</span>.
        Raw data: <a href="../health">/health</a>, <a href="../consensus">/consensus</a>,{" "}
        <a href="../checkpoints">/checkpoints</a>, <a href="../rewards">/rewards</a>, <a href="../logs">/logs</a>,{" "}
        <a href="../metrics">/metrics</a>.
      </p>
      <h2>Logs</h2>
      <Logs logs={logs.value} />
      <h2>Metrics</h2>
      <div class="table-wrap" tabIndex={0} aria-label="metrics table (scrolls)">
        <table data-testid="metrics">
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">Value (summed over labels)</th>
              <th scope="col">Meaning</th>
            </tr>
          </thead>
          <tbody>
            {(metrics.value ?? []).map((m) => (
              <tr key={m.name}>
                <td class="mono">{m.name}</td>
                <td>{fmt(m.value)}</td>
                <td>{m.help}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
