// A failed call or transaction in words: the protocol's custom errors decoded with the contracts
// package's decoder and explained with their NatSpec notice (generated/error-notices.json, written
// by the build from the ABIs), wallet refusals and plain reverts named as such.
import { isError } from "ethers";
import { decodeOpenMeshError } from "@openmesh/contracts";
import notices from "../generated/error-notices.json";

const byName = new Map<string, string>(
  Object.entries(notices as Record<string, string>).map(([sig, notice]) => [sig.slice(0, sig.indexOf("(")), notice]),
);

function value(v: unknown): string {
  if (typeof v === "bigint") return v.toLocaleString("en-US");
  if (Array.isArray(v)) return `[${v.map(value).join(", ")}]`;
  return String(v);
}

/** The custom error's name and arguments, e.g. `StakingZeroAmount()`; undefined if not ours. */
export function decodedError(err: unknown): { name: string; text: string } | undefined {
  const decoded = decodeOpenMeshError(err);
  if (!decoded) return undefined;
  const args = decoded.fragment.inputs.map((p, i) => `${p.name || `arg${i}`} = ${value(decoded.args[i])}`);
  const notice = (notices as Record<string, string>)[decoded.signature] ?? byName.get(decoded.name);
  const call = `${decoded.name}(${args.join(", ")})`;
  return { name: decoded.name, text: notice ? `${notice.replace(/\.$/, "")}. ${call}` : call };
}

/** One sentence for a person: what went wrong and, where known, why. */
export function explain(err: unknown): string {
  const decoded = decodedError(err);
  if (decoded) return `The contract refused: ${decoded.text}`;
  if (isError(err, "ACTION_REJECTED")) return "You declined the request in your wallet.";
  if (isError(err, "INSUFFICIENT_FUNDS")) return "The account has too little ETH to pay for gas.";
  if (isError(err, "CALL_EXCEPTION")) {
    const reason = (err as { reason?: string | null }).reason;
    return reason ? `The contract refused: ${reason}` : "The contract refused the call (no reason given).";
  }
  const e = err as { shortMessage?: string; message?: string; code?: unknown } | null;
  return e?.shortMessage ?? e?.message ?? String(err);
}
