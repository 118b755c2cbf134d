// A transaction's status, announced to screen readers as it changes (role=status, polite).
import type { TxStatus } from "../lib/tx.js";

const WORDS = {
  wallet: "Waiting for your wallet…",
  pending: "Pending: waiting for the chain…",
  confirmed: "Confirmed",
  failed: "Failed",
};

export function TxStatusView({ status }: { status: TxStatus | null }) {
  return (
    <div class={`tx ${status ? `tx-${status.phase}` : ""}`} role="status" aria-live="polite" data-testid="tx-status">
      {status && (
        <>
          <strong>{status.action}:</strong> {WORDS[status.phase]}
          {status.step && status.phase !== "confirmed" ? ` (${status.step})` : ""}
          {status.detail ? <span class="tx-detail"> {status.detail}</span> : null}
          {status.hash ? (
            <span class="mono tx-hash" title={status.hash}>
              {" "}
              tx {status.hash.slice(0, 10)}…
            </span>
          ) : null}
        </>
      )}
    </div>
  );
}
