// Turns reverts into readable messages: custom errors decoded with every ABI the keeper knows
// (`OpenToken.ERC20InsufficientBalance(sender=0x…, balance=0, needed=5)`), plus the built-in
// Error(string) and Panic(uint256).
import { AbiCoder, Interface, type ErrorDescription } from "ethers";

const ERROR_STRING_SELECTOR = "0x08c379a0";
const PANIC_SELECTOR = "0x4e487b71";

const PANIC_REASONS: Record<number, string> = {
  0x01: "assertion failed",
  0x11: "arithmetic overflow or underflow",
  0x12: "division or modulo by zero",
  0x21: "invalid enum value",
  0x22: "bad storage byte array encoding",
  0x31: "pop on empty array",
  0x32: "array index out of bounds",
  0x41: "out of memory",
  0x51: "call to an uninitialised function",
};

export type DecodedRevert =
  | { kind: "custom"; contract: string; name: string; args: Record<string, unknown>; message: string }
  | { kind: "error-string"; reason: string; message: string }
  | { kind: "panic"; code: number; message: string }
  | { kind: "unknown"; data: string | undefined; message: string };

/** Finds revert data in the layers of an ethers / JSON-RPC error. */
export function revertDataOf(err: unknown, depth = 0): string | undefined {
  if (depth > 6 || err === null || typeof err !== "object") return undefined;
  const e = err as Record<string, unknown>;
  for (const key of ["data", "revertData"]) {
    const v = e[key];
    if (typeof v === "string" && /^0x[0-9a-fA-F]{8}/.test(v)) return v;
  }
  for (const key of ["data", "error", "info", "cause", "revert"]) {
    const found = revertDataOf(e[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

function formatValue(v: unknown): string {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return `[${v.map(formatValue).join(", ")}]`;
  return String(v);
}

export class ErrorDecoder {
  private readonly interfaces: Array<{ contract: string; iface: Interface }> = [];

  constructor(interfaces: Iterable<{ name: string; iface: Interface }> = []) {
    for (const { name, iface } of interfaces) this.add(name, iface);
  }

  add(contract: string, iface: Interface): void {
    this.interfaces.push({ contract, iface });
  }

  decodeData(data: string | undefined): DecodedRevert {
    if (!data || data === "0x") return { kind: "unknown", data, message: "reverted without a reason" };
    const selector = data.slice(0, 10).toLowerCase();
    if (selector === ERROR_STRING_SELECTOR) {
      const [reason] = AbiCoder.defaultAbiCoder().decode(["string"], "0x" + data.slice(10)) as unknown as [string];
      return { kind: "error-string", reason, message: `reverted: ${reason}` };
    }
    if (selector === PANIC_SELECTOR) {
      const [code] = AbiCoder.defaultAbiCoder().decode(["uint256"], "0x" + data.slice(10)) as unknown as [bigint];
      const n = Number(code);
      return { kind: "panic", code: n, message: `panic 0x${n.toString(16)}: ${PANIC_REASONS[n] ?? "unknown panic"}` };
    }
    for (const { contract, iface } of this.interfaces) {
      let parsed: ErrorDescription | null = null;
      try {
        parsed = iface.parseError(data);
      } catch {
        continue; // selector known but data malformed for this ABI: try the next one
      }
      if (!parsed) continue;
      const args: Record<string, unknown> = {};
      const shown = parsed.fragment.inputs.map((input, i) => {
        const key = input.name || `arg${i}`;
        args[key] = parsed.args[i];
        return `${key}=${formatValue(parsed.args[i])}`;
      });
      return {
        kind: "custom",
        contract,
        name: parsed.name,
        args,
        message: `${contract}.${parsed.name}(${shown.join(", ")})`,
      };
    }
    return { kind: "unknown", data, message: `reverted with unknown error ${selector} (data ${data.slice(0, 74)}…)` };
  }

  /** Decodes the revert inside any error; undefined when the error is not a revert. */
  decode(err: unknown): DecodedRevert | undefined {
    const data = revertDataOf(err);
    if (data !== undefined) return this.decodeData(data);
    const code = (err as { code?: unknown })?.code;
    if (code === "CALL_EXCEPTION") return this.decodeData(undefined);
    return undefined;
  }

  /** One line for logs and CLI output. */
  describe(err: unknown): string {
    return this.decode(err)?.message ?? (err as Error)?.message ?? String(err);
  }
}
