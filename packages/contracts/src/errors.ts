// One decoder for every custom error of the protocol: an integrator catching a revert from any
// OpenMesh contract (or from a call that crossed several) gets the error's name and arguments.
import { Interface, type ErrorDescription } from "ethers";
import { errorFragments } from "./generated/errors.js";

let errors: Interface | undefined;

/** An ethers Interface holding every custom error of the protocol. */
export function openMeshErrors(): Interface {
  errors ??= new Interface(errorFragments as unknown as string[]);
  return errors;
}

/** Finds revert data in what ethers threw (CALL_EXCEPTION `data`, nested provider errors) or takes it as given. */
function revertData(error: unknown, depth = 0): string | undefined {
  if (typeof error === "string") return /^0x[0-9a-fA-F]{8}/.test(error) ? error : undefined;
  if (!error || typeof error !== "object" || depth > 4) return undefined;
  const e = error as { data?: unknown; error?: unknown; info?: { error?: unknown } };
  return revertData(e.data, depth + 1) ?? revertData(e.error, depth + 1) ?? revertData(e.info?.error, depth + 1);
}

/**
 * Decodes an OpenMesh custom error from revert data or from an error ethers threw; undefined when
 * it is not one of ours (a plain revert, a panic, a network error).
 */
export function decodeOpenMeshError(error: unknown): ErrorDescription | undefined {
  const data = revertData(error);
  if (!data) return undefined;
  try {
    return openMeshErrors().parseError(data) ?? undefined;
  } catch {
    return undefined;
  }
}
