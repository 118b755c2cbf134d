// The renter's side of jobs (docs/workspace.md, "Jobs"): submit a wasm module and input to a lease,
// wait for the job to end, read its output and logs. Used by the demo and the tests.

export interface JobView {
  jobId: string;
  leaseId: string;
  moduleHash: string;
  status: "queued" | "running" | "succeeded" | "failed" | "interrupted" | "cancelled" | "lease-ended";
  error?: { code: string; message: string };
  limits: { fuel: string; memoryPages: number; wallMs: number; maxOutputBytes: number; concurrency: number };
  usage: { fuelUsed: string | null; wallMs: number | null; peakMemoryBytes: number | null };
  inputBytes: number;
  outputBytes: number | null;
  logBytes: number;
  logsTruncated: boolean;
}

export interface JobSubmit {
  /** the wasm bytes (sent base64), or */
  module?: Uint8Array;
  /** a module already stored for the lease */
  moduleHash?: string;
  input?: Uint8Array;
  inputText?: string;
  fuel?: bigint;
  timeoutMs?: number;
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** POSTs a job; returns the HTTP status and the JSON answer (a job, or {error, message}). */
export async function submitJob(
  baseUrl: string,
  token: string,
  leaseId: bigint,
  job: JobSubmit,
): Promise<{ status: number; json: JobView & { error?: unknown; message?: string } }> {
  const body = {
    ...(job.module ? { module: Buffer.from(job.module).toString("base64") } : {}),
    ...(job.moduleHash ? { moduleHash: job.moduleHash } : {}),
    ...(job.input ? { input: Buffer.from(job.input).toString("base64") } : {}),
    ...(job.inputText !== undefined ? { inputText: job.inputText } : {}),
    ...(job.fuel !== undefined ? { fuel: job.fuel.toString() } : {}),
    ...(job.timeoutMs !== undefined ? { timeoutMs: job.timeoutMs } : {}),
  };
  const res = await fetch(`${baseUrl}/api/leases/${leaseId}/jobs`, {
    method: "POST",
    headers: { ...auth(token), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as JobView };
}

export async function getJob(baseUrl: string, token: string, leaseId: bigint, jobId: string): Promise<JobView> {
  const res = await fetch(`${baseUrl}/api/leases/${leaseId}/jobs/${jobId}`, { headers: auth(token) });
  const json = (await res.json()) as JobView & { message?: string };
  if (!res.ok) throw new Error(`job ${jobId}: HTTP ${res.status} ${json.message ?? ""}`);
  return json;
}

/** Polls until the job has ended (any status but queued or running). */
export async function waitForJob(
  baseUrl: string,
  token: string,
  leaseId: bigint,
  jobId: string,
  timeoutMs = 60_000,
): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(baseUrl, token, leaseId, jobId);
    if (job.status !== "queued" && job.status !== "running") return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The job's output (succeeded) or logs, as bytes; throws with the API's reason otherwise. */
export async function jobBytes(
  baseUrl: string,
  token: string,
  leaseId: bigint,
  jobId: string,
  what: "output" | "logs",
): Promise<Buffer> {
  const res = await fetch(`${baseUrl}/api/leases/${leaseId}/jobs/${jobId}/${what}`, { headers: auth(token) });
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) throw new Error(`job ${what}: HTTP ${res.status} ${body.toString("utf8")}`);
  return body;
}
