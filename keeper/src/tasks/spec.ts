// The task spec: a JSON document whose keccak256 (of the exact bytes served) is the task's on-chain
// `specHash`, fetched from its `specURI`. docs/tasks.md defines the fields. A spec that cannot be
// fetched, does not hash to specHash, or does not parse is a failure result, never a crash.
import { keccak256 } from "ethers";
import { z } from "zod";
import { guardedGet, TaskInputError, type GetLimits } from "./http-get.js";

export const TASK_KINDS = {
  "http-oracle": keccak256(new TextEncoder().encode("http-oracle")),
  wasm: keccak256(new TextEncoder().encode("wasm")),
} as const;
export type TaskKind = keyof typeof TASK_KINDS;

const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected a 0x-prefixed 32-byte hex string");
const hexBytes = z.string().regex(/^0x([0-9a-fA-F]{2})*$/, "expected 0x-prefixed hex bytes");
const httpUrl = z.url({ protocol: /^https?$/ });

export const HttpOracleSpecSchema = z.strictObject({
  version: z.literal(1),
  kind: z.literal("http-oracle"),
  /** GET this URL */
  url: httpUrl,
  /** RFC 6901 JSON pointer to a number (or a decimal string) in the response */
  pointer: z.string().regex(/^(\/.*)?$/, "expected an RFC 6901 JSON pointer such as /data/price"),
  /** the on-chain value is round(value * 10^decimals) as int256 */
  decimals: z.int().min(0).max(36).default(0),
  /** a result further than this from the median (basis points of |median|, at least 1 unit) is a fault */
  toleranceBps: z.int().min(0).max(10_000),
  /** informative: must equal the task's on-chain periodHeights when given */
  periodHeights: z.int().positive().optional(),
  timeoutMs: z.int().min(100).max(30_000).default(5_000),
  maxBytes: z
    .int()
    .positive()
    .max(1 << 20)
    .default(64 * 1024),
});

export const WasmSpecSchema = z.strictObject({
  version: z.literal(1),
  kind: z.literal("wasm"),
  /** keccak256 of the module bytes, and where the poster serves them (peers may serve them too) */
  module: z.strictObject({ hash: bytes32, url: httpUrl.optional() }),
  /** input bytes, given to the module's `run` */
  input: hexBytes.default("0x"),
  /** instruction fuel: the run traps at the same point on every executor when it is spent */
  fuel: z.int().positive().max(10_000_000_000),
  /** linear memory limit in 64 KiB pages */
  memoryPages: z.int().min(1).max(256),
  maxOutputBytes: z.int().min(0).max(4096).default(1024),
  periodHeights: z.int().positive().optional(),
});

export const TaskSpecSchema = z.discriminatedUnion("kind", [HttpOracleSpecSchema, WasmSpecSchema]);
export type HttpOracleSpec = z.infer<typeof HttpOracleSpecSchema>;
export type WasmSpec = z.infer<typeof WasmSpecSchema>;
export type TaskSpec = z.infer<typeof TaskSpecSchema>;

/** Parses and checks spec bytes against the on-chain specHash and kind; throws TaskInputError. */
export function parseSpec(body: Uint8Array, specHash: string, kind: string, periodHeights?: number): TaskSpec {
  const actual = keccak256(body);
  if (actual.toLowerCase() !== specHash.toLowerCase()) {
    throw new TaskInputError("hash-mismatch", `spec hashes to ${actual}, the task says ${specHash}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    throw new TaskInputError("not-json", "spec is not UTF-8 JSON");
  }
  const parsed = TaskSpecSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TaskInputError("bad-spec", `spec: ${issue?.path.join(".") ?? ""} ${issue?.message ?? "invalid"}`);
  }
  const spec = parsed.data;
  if (TASK_KINDS[spec.kind].toLowerCase() !== kind.toLowerCase()) {
    throw new TaskInputError("bad-spec", `spec kind ${spec.kind} does not match the task's kind ${kind}`);
  }
  if (spec.periodHeights !== undefined && periodHeights !== undefined && spec.periodHeights !== periodHeights) {
    throw new TaskInputError("bad-spec", `spec period ${spec.periodHeights} != on-chain ${periodHeights}`);
  }
  return spec;
}

/** Fetches a spec from its URI (64 KiB at most) and checks it. */
export async function loadSpec(
  specURI: string,
  specHash: string,
  kind: string,
  limits: Pick<GetLimits, "allowPrivate" | "timeoutMs">,
  periodHeights?: number,
): Promise<TaskSpec> {
  const body = await guardedGet(specURI, { ...limits, maxBytes: 64 * 1024 });
  return parseSpec(body, specHash, kind, periodHeights);
}
