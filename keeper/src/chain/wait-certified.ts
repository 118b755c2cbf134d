// Waiting for a decided header to be certified on chain: shared by the modules that act only on
// certified headers (the CCIP relayer, the reward pusher, the task finalizer).
import { headerHash, ZERO_HASH, type Header } from "../checkpoint/header.js";
import type { StopScope } from "./stop-scope.js";
import type { CheckpointStore } from "../../../types/ethers-contracts/index.js";

export interface CertifiedWait {
  timeoutMs: number;
  pollMs: number;
}

/**
 * Polls until `header` is certified: true when the chain holds its hash; false when another header
 * holds the height, a later height was certified first (this one never will be: skipped interval
 * heights are never submitted), the timeout passed, or `scope` stopped.
 */
export async function waitCertified(
  checkpoints: CheckpointStore,
  header: Header,
  w: CertifiedWait,
  scope: StopScope,
): Promise<boolean> {
  const hash = headerHash(header);
  const deadline = Date.now() + w.timeoutMs;
  while (!scope.stopped()) {
    const onChain = await checkpoints.checkpointHash(header.height);
    if (onChain === hash) return true;
    if (onChain !== ZERO_HASH) return false; // another header at this height (never for an honest set)
    if ((await checkpoints.latestHeight()) > header.height) return false;
    if (Date.now() >= deadline) return false;
    await scope.sleep(w.pollMs);
  }
  return false;
}
