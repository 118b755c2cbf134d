// The http-oracle executor: GET the spec's URL (guarded), read its JSON pointer, scale to an integer.
// Every way a spec can be bad ends in a recorded failure result with a reason code, never a throw.
import { guardedGet, TaskInputError } from "./http-get.js";
import { resolvePointer, scaleDecimal } from "./json-value.js";
import type { HttpOracleSpec } from "./spec.js";

export type ExecutionResult<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

export interface OracleOptions {
  /** private / loopback sources allowed (tests and the demo) */
  allowPrivate: boolean;
}

export async function runHttpOracle(spec: HttpOracleSpec, opts: OracleOptions): Promise<ExecutionResult<bigint>> {
  try {
    const body = await guardedGet(spec.url, {
      timeoutMs: spec.timeoutMs,
      maxBytes: spec.maxBytes,
      allowPrivate: opts.allowPrivate,
    });
    let doc: unknown;
    try {
      doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
    } catch {
      throw new TaskInputError("not-json", "response is not UTF-8 JSON");
    }
    return { ok: true, value: scaleDecimal(resolvePointer(doc, spec.pointer), spec.decimals) };
  } catch (e) {
    return failure(e);
  }
}

export function failure(e: unknown): { ok: false; code: string; message: string } {
  if (e instanceof TaskInputError) return { ok: false, code: e.code, message: e.message };
  return { ok: false, code: "internal", message: e instanceof Error ? e.message.slice(0, 200) : String(e) };
}
