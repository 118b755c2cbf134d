// Runs a user action made of one or more wallet transactions (approve, then delegate) and reports
// each step: waiting for the wallet, pending with its hash, confirmed with its gas, or failed in words.
import type { JsonRpcProvider } from "ethers";
import { explain } from "./errors.js";

export type TxPhase = "wallet" | "pending" | "confirmed" | "failed";

export interface TxStatus {
  /** what the user asked for, e.g. "Delegate 1,000 OPEN" */
  action: string;
  phase: TxPhase;
  /** the step under way ("Approve OPEN", "Delegate") */
  step?: string;
  hash?: string;
  /** confirmed: gas used; failed: the explanation */
  detail?: string;
}

export interface TxStep {
  label: string;
  /** sends through the wallet; resolves once the wallet returned the transaction */
  send: () => Promise<{ hash: string }>;
}

async function receipt(read: JsonRpcProvider, hash: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await read.getTransactionReceipt(hash);
    if (r) return r;
    await new Promise((res) => setTimeout(res, 300));
  }
  throw new Error(`no receipt for ${hash} after ${timeoutMs / 1000} s`);
}

/** Resolves true when every step was mined successfully. */
export async function runSteps(
  action: string,
  steps: TxStep[],
  read: JsonRpcProvider,
  report: (s: TxStatus) => void,
): Promise<boolean> {
  let gas = 0n;
  let hash: string | undefined;
  for (const step of steps) {
    try {
      report({ action, phase: "wallet", step: step.label });
      ({ hash } = await step.send());
      report({ action, phase: "pending", step: step.label, hash });
      const r = await receipt(read, hash);
      if (r.status !== 1) {
        report({ action, phase: "failed", step: step.label, hash, detail: "The transaction was mined but reverted." });
        return false;
      }
      gas += r.gasUsed;
    } catch (err) {
      report({ action, phase: "failed", step: step.label, hash, detail: explain(err) });
      return false;
    }
  }
  report({ action, phase: "confirmed", hash, detail: `gas used ${gas.toLocaleString("en-US")}` });
  return true;
}
