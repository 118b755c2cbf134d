// The demo's job: the renter runs a tiny wasm module on its lease (docs/workspace.md, "Jobs"). The
// module, in WAT compiled by wabt, logs a line through env.log and answers its input reversed.
import wabtInit from "wabt";
import { jobBytes, submitJob, waitForJob, type JobView } from "../job-client.js";

const REVERSE_WAT = `(module
  (import "env" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 32768) "reversing the input")
  (func (export "run") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $t i32)
    (call $log (i32.const 32768) (i32.const 19))
    (local.set $j (i32.sub (local.get $n) (i32.const 1)))
    (block $done (loop $l
      (br_if $done (i32.ge_s (local.get $i) (local.get $j)))
      (local.set $t (i32.load8_u (local.get $i)))
      (i32.store8 (local.get $i) (i32.load8_u (local.get $j)))
      (i32.store8 (local.get $j) (local.get $t))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $j (i32.sub (local.get $j) (i32.const 1)))
      (br $l)))
    (local.get $n)))`;

export async function reverseModule(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const m = wabt.parseWat("reverse.wat", REVERSE_WAT);
  try {
    return new Uint8Array(m.toBinary({}).buffer);
  } finally {
    m.destroy();
  }
}

/** Submits the module with `input`, waits for the job, returns it with its output and logs. */
export async function runDemoJob(
  baseUrl: string,
  token: string,
  leaseId: bigint,
  input: string,
): Promise<{ job: JobView; output: string; logs: string }> {
  const submitted = await submitJob(baseUrl, token, leaseId, { module: await reverseModule(), inputText: input });
  if (submitted.status !== 202)
    throw new Error(`job refused: HTTP ${submitted.status} ${JSON.stringify(submitted.json)}`);
  const job = await waitForJob(baseUrl, token, leaseId, submitted.json.jobId);
  if (job.status !== "succeeded") throw new Error(`job ${job.jobId} ${job.status}: ${JSON.stringify(job.error)}`);
  return {
    job,
    output: (await jobBytes(baseUrl, token, leaseId, job.jobId, "output")).toString("utf8"),
    logs: (await jobBytes(baseUrl, token, leaseId, job.jobId, "logs")).toString("utf8"),
  };
}
