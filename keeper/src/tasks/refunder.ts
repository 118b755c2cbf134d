// Refunds expired tasks (docs/tasks.md, "Refunds"): a task still open after its deadline plus
// TaskManager's finalizeGracePeriod (no agreed result, or rounds left unfinalized) returns its
// unpaid rounds to the poster through `refundTask`, which anyone may call. Keepers call it so a
// poster need not watch: the task's first member in rendezvous order at once, the member r places
// later after r x fallbackDelayMs if the task is still open. The chain's clock decides, not ours.
import type { Provider, TransactionReceipt } from "ethers";
import type { Logger } from "pino";
import { TxRevertedError } from "../chain/tx-sender.js";
import type { TaskManager } from "../../../types/ethers-contracts/index.js";
import { rendezvousOrder } from "./assignment.js";
import type { TaskBook } from "./task-book.js";
import type { StopScope } from "../chain/stop-scope.js";

export interface TaskRefunded {
  taskId: bigint;
  outcome: "refunded" | "already" | "failed";
  txHash?: string;
}

export interface RefunderDeps {
  book: TaskBook;
  tasks: TaskManager;
  provider: Provider;
  send(r: { to: string; data: string }): Promise<TransactionReceipt>;
  /** this keeper's signer and the active set (lowercase signers), once known */
  position(): { self: string; members: readonly string[] } | undefined;
  fallbackDelayMs: number;
  /** at most one look at the chain's clock per this many ms */
  checkMs: number;
  /** the task service's stop switch: its sleeps end at stop, and nothing is sent after */
  scope: StopScope;
  logger: Logger;
  onRefunded?(r: TaskRefunded): void;
}

/** TaskStatus.Open in ITaskManager */
const OPEN = 1n;
/** the grace period is governed: read again after this long */
const GRACE_TTL_MS = 60_000;

export class Refunder {
  private readonly handling = new Set<bigint>();
  /** seen closed on chain (the book may hear the event a poll later) */
  private readonly done = new Set<bigint>();
  private lastCheck = 0;
  private checking = false;
  private grace?: { value: bigint; at: number };

  constructor(private readonly d: RefunderDeps) {}

  /** Called on every decided height; throttled, never throws. */
  check(): void {
    const now = Date.now();
    if (this.checking || now - this.lastCheck < this.d.checkMs || this.d.scope.stopped()) return;
    const pos = this.d.position();
    if (!pos) return;
    this.lastCheck = now;
    this.checking = true;
    void this.scan(pos)
      .catch((err: unknown) => {
        if (!this.d.scope.stopped()) this.d.logger.warn({ err: (err as Error).message }, "expired-task scan failed");
      })
      .finally(() => (this.checking = false));
  }

  private async scan(pos: { self: string; members: readonly string[] }): Promise<void> {
    const open = this.d.book.open().filter((t) => !this.handling.has(t.taskId) && !this.done.has(t.taskId));
    if (open.length === 0) return;
    const grace = await this.gracePeriod();
    const block = await this.d.provider.getBlock("latest");
    if (!block) return;
    // refundTask reverts while block.timestamp <= deadline + grace; the next block is not older
    const chainNow = BigInt(block.timestamp);
    for (const t of open) {
      if (chainNow <= t.deadline + grace) continue;
      const rank = rendezvousOrder(t.taskId, pos.members).indexOf(pos.self);
      if (rank < 0) continue;
      this.handling.add(t.taskId);
      void this.refund(t.taskId, rank).finally(() => this.handling.delete(t.taskId));
    }
  }

  private async refund(taskId: bigint, rank: number): Promise<void> {
    if (rank > 0) await this.d.scope.sleep(rank * this.d.fallbackDelayMs);
    if (this.d.scope.stopped()) return;
    let r: TaskRefunded;
    try {
      if ((await this.d.tasks.getTask(taskId)).status !== OPEN) r = { taskId, outcome: "already" };
      else {
        const data = this.d.tasks.interface.encodeFunctionData("refundTask", [taskId]);
        const receipt = await this.d.send({ to: await this.d.tasks.getAddress(), data });
        this.d.logger.info({ task: String(taskId), tx: receipt.hash }, "expired task refunded to its poster");
        r = { taskId, outcome: "refunded", txHash: receipt.hash };
      }
    } catch (err) {
      if (err instanceof TxRevertedError && err.revert.kind === "custom" && err.revert.name === "TaskNotOpen")
        r = { taskId, outcome: "already" };
      else {
        if (!this.d.scope.stopped())
          this.d.logger.warn({ task: String(taskId), err: (err as Error).message }, "refundTask failed");
        r = { taskId, outcome: "failed" };
      }
    }
    if (r.outcome !== "failed") this.done.add(taskId);
    this.d.onRefunded?.(r);
  }

  private async gracePeriod(): Promise<bigint> {
    if (!this.grace || Date.now() - this.grace.at > GRACE_TTL_MS)
      this.grace = { value: await this.d.tasks.finalizeGracePeriod(), at: Date.now() };
    return this.grace.value;
  }
}
