// Reading the oracle's number: an RFC 6901 JSON pointer, then an exact decimal scaling to an
// integer (no floating point on the way: every executor must turn the same text into the same int).
import { TaskInputError } from "./http-get.js";

export function resolvePointer(doc: unknown, pointer: string): unknown {
  if (pointer === "") return doc;
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(key) && Number(key) < node.length) node = node[Number(key)];
    else if (node !== null && typeof node === "object" && !Array.isArray(node) && Object.hasOwn(node, key)) {
      node = (node as Record<string, unknown>)[key];
    } else throw new TaskInputError("missing-pointer", `nothing at ${pointer}`);
  }
  return node;
}

const INT256_MAX = (1n << 255n) - 1n;

/**
 * round_half_away_from_zero(value * 10^decimals) for a JSON number or decimal string, as a bigint
 * in int256. JSON numbers are read through their shortest round-trip text (String(n)).
 */
export function scaleDecimal(value: unknown, decimals: number): bigint {
  const text =
    typeof value === "number" && Number.isFinite(value)
      ? String(value)
      : typeof value === "string"
        ? value.trim()
        : undefined;
  const m = text === undefined ? null : /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) throw new TaskInputError("not-numeric", `not a number: ${JSON.stringify(value)?.slice(0, 80)}`);
  const [, sign, int, frac = "", exp = "0"] = m;
  const shift = Number(exp) + decimals - frac.length;
  if (Math.abs(shift) > 100) throw new TaskInputError("not-numeric", `exponent out of range: ${text}`);
  let digits = BigInt(int! + frac);
  if (shift >= 0) digits *= 10n ** BigInt(shift);
  else {
    const div = 10n ** BigInt(-shift);
    const q = digits / div;
    digits = (digits % div) * 2n >= div ? q + 1n : q;
  }
  const result = sign === "-" ? -digits : digits;
  if (result > INT256_MAX || result < -INT256_MAX - 1n) throw new TaskInputError("not-numeric", "does not fit int256");
  return result;
}
