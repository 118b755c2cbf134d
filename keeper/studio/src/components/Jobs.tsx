// Run a job on the lease (docs/workspace.md, "Jobs"): a WebAssembly module picked from disk is stored
// for the lease (raw bytes), a job is submitted with the input text, its status is polled until it
// ends; then its output (as text), its logs, its usage and, when it failed, why (over a limit or not).
import { useEffect, useState } from "preact/hooks";
import { int } from "../lib/format.js";
import { keeperBase } from "../lib/keeper.js";
import { api } from "../lib/siwe.js";

interface Job {
  jobId: string;
  status: "queued" | "running" | "succeeded" | "failed" | "interrupted" | "cancelled" | "lease-ended";
  error?: { code: string; message: string };
  submittedAt: string;
  limits: { fuel: string; memoryPages: number; wallMs: number; maxOutputBytes: number; concurrency: number };
  usage: { fuelUsed: string | null; wallMs: number | null; peakMemoryBytes: number | null };
  outputBytes: number | null;
  logBytes: number;
  logsTruncated: boolean;
}

/** limits a job can hit (the rest of the failures are the module's own) */
const OVER_LIMIT: Record<string, string> = {
  "out-of-fuel": "over its fuel limit",
  timeout: "over its wall-clock limit",
  "memory-limit": "over its memory limit",
  "output-too-large": "over its output limit",
  "input-too-large": "input larger than the module's memory",
};

const ended = (j: Job) => j.status !== "queued" && j.status !== "running";

async function text(path: string, token: string): Promise<string> {
  const r = await fetch(new URL(path.replace(/^\//, ""), keeperBase), {
    headers: { authorization: `Bearer ${token}` },
    cache: "no-store",
  });
  if (!r.ok) throw new Error(`the keeper answered ${r.status} for ${path}`);
  return new TextDecoder().decode(await r.arrayBuffer());
}

export function Jobs({ leaseId, token, writable }: { leaseId: bigint; token: string; writable: boolean }) {
  const base = `/api/leases/${leaseId}`;
  const [module, setModule] = useState<File | null>(null);
  const [input, setInput] = useState("");
  const [fuel, setFuel] = useState("");
  const [job, setJob] = useState<Job | null>(null);
  /** the ended job's output and logs, tagged with its id (a late answer for an earlier job is never shown) */
  const [result, setResult] = useState<{ jobId: string; output: string | null; logs: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // poll the job until it ends, then read its output and logs once
  useEffect(() => {
    if (!job || ended(job)) return;
    const timer = setTimeout(() => {
      api<Job>(`${base}/jobs/${job.jobId}`, {}, token)
        .then(setJob)
        .catch((err: Error) => setError(err.message));
    }, 400);
    return () => clearTimeout(timer);
  }, [job]);
  useEffect(() => {
    if (!job || !ended(job) || result?.jobId === job.jobId) return;
    void (async () => {
      try {
        const logs = await text(`${base}/jobs/${job.jobId}/logs`, token);
        const output = job.status === "succeeded" ? await text(`${base}/jobs/${job.jobId}/output`, token) : null;
        setResult({ jobId: job.jobId, output, logs });
      } catch (err) {
        setError((err as Error).message);
      }
    })();
  }, [job, result]);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      if (!module) throw new Error("Pick a .wasm module first.");
      if (fuel && !/^\d+$/.test(fuel)) throw new Error("The fuel limit is a whole number.");
      const stored = await api<{ moduleHash: string }>(
        `${base}/modules`,
        { method: "POST", body: await module.arrayBuffer(), headers: { "content-type": "application/wasm" } },
        token,
      );
      const body = { moduleHash: stored.moduleHash, inputText: input, ...(fuel ? { fuel } : {}) };
      setJob(await api<Job>(`${base}/jobs`, { method: "POST", body: JSON.stringify(body) }, token));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const over = job?.error ? OVER_LIMIT[job.error.code] : undefined;
  return (
    <div class="jobs" data-testid="jobs">
      <h4>Run a job</h4>
      <p>
        A WebAssembly module (exports <code>memory</code> and <code>run(inputLen) → outputLen</code>, may import{" "}
        <code>env.log</code>) runs on this keeper within the lease's cores and memory.
      </p>
      {writable ? (
        <form class="form" onSubmit={(e) => void submit(e)}>
          <label for="job-module">Module (.wasm)</label>
          <input
            id="job-module"
            type="file"
            accept=".wasm,application/wasm"
            onChange={(e) => setModule((e.target as HTMLInputElement).files?.[0] ?? null)}
          />
          <label for="job-input">Input (text)</label>
          <textarea
            id="job-input"
            rows={3}
            value={input}
            onInput={(e) => setInput((e.target as HTMLTextAreaElement).value)}
          />
          <label for="job-fuel">Fuel limit (optional, below the lease's)</label>
          <input
            id="job-fuel"
            inputMode="numeric"
            autoComplete="off"
            value={fuel}
            onInput={(e) => setFuel((e.target as HTMLInputElement).value.trim())}
          />
          <button type="submit" disabled={busy || !module || (job !== null && !ended(job))}>
            Run job
          </button>
        </form>
      ) : (
        <p class="note">The lease has ended: its jobs can be read, not run.</p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {job && (
        <div data-testid="job" data-job={job.jobId}>
          <p role="status" aria-live="polite">
            Job <span class="mono">{job.jobId.slice(0, 8)}</span>:{" "}
            <strong data-testid="job-status" class={job.status === "succeeded" ? "ok" : ended(job) ? "bad" : undefined}>
              {job.status}
            </strong>
            {job.error && (
              <span data-testid="job-error">
                {" "}
                · {job.error.code}
                {over ? ` (${over})` : ""}: {job.error.message}
              </span>
            )}
          </p>
          <p class="sub">
            Fuel {job.usage.fuelUsed === null ? "–" : int(job.usage.fuelUsed)} of {int(job.limits.fuel)} · wall{" "}
            {job.usage.wallMs === null ? "–" : `${int(job.usage.wallMs)} ms`} of {int(job.limits.wallMs)} ms · memory{" "}
            {job.usage.peakMemoryBytes === null ? "–" : `${int(job.usage.peakMemoryBytes)} B`} of{" "}
            {int(job.limits.memoryPages * 65536)} B
          </p>
          {result?.jobId === job.jobId && (
            <>
              {result.output !== null && (
                <>
                  <h5>Output ({int(job.outputBytes ?? 0)} bytes)</h5>
                  <pre data-testid="job-output">{result.output}</pre>
                </>
              )}
              <h5>Logs{job.logsTruncated ? " (truncated)" : ""}</h5>
              <pre data-testid="job-logs">{result.logs || "(none)"}</pre>
            </>
          )}
        </div>
      )}
    </div>
  );
}
