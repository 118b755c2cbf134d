// A static operator list for development and demos, until the chain-backed directory reads the
// staking contract: a JSON array of {peerId, operator, signer, status}.
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { OperatorRecord } from "./directory.js";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected an address");
const OperatorsFileSchema = z.array(
  z.strictObject({
    peerId: z.string().min(1),
    operator: address,
    signer: address,
    status: z.enum(["active", "jailed", "tombstoned"]).default("active"),
  }),
);

export class OperatorsFileError extends Error {
  override name = "OperatorsFileError";
}

export function readOperatorsFile(path: string): OperatorRecord[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new OperatorsFileError(`cannot read operators file ${path}: ${(err as Error).message}`);
  }
  const parsed = OperatorsFileSchema.safeParse(raw);
  if (!parsed.success) throw new OperatorsFileError(`operators file ${path}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
