// The values validators agree on in the simulation: a small payload whose hash is its id, and
// a validity rule every honest host applies (the stand-in for "recompute the header's roots").
import { createHash } from "node:crypto";
import type { Value } from "../../keeper/src/consensus/index.js";

export interface SimPayload {
  readonly height: number;
  readonly round: number;
  readonly proposer: number;
  /** "honest"; "alt" for an equivocating proposer's second value; "invalid" for bad roots */
  readonly variant: "honest" | "alt" | "invalid";
}

function hashPayload(p: SimPayload): string {
  const text = `${p.height}/${p.round}/${p.proposer}/${p.variant}`;
  return "0x" + createHash("sha256").update(text).digest("hex");
}

export function simValue(payload: SimPayload): Value {
  return { hash: hashPayload(payload), payload };
}

function isPayload(p: unknown): p is SimPayload {
  return typeof p === "object" && p !== null && "height" in p && "variant" in p;
}

/** valid: well formed, for this height, not marked invalid, and the hash binds the payload */
export function isValidSimValue(height: number, value: Value): boolean {
  const p = value.payload;
  return isPayload(p) && p.height === height && p.variant !== "invalid" && hashPayload(p) === value.hash;
}
