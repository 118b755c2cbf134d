// What the keeper knows of TaskManager: tasks and their rounds, built from its events (delivered
// by the chain EventWatcher, in block order, possibly again after a reorg: ingesting is idempotent).
import { Interface, type Log } from "ethers";

export interface TaskRecord {
  taskId: bigint;
  poster: string;
  kind: string;
  specHash: string;
  specURI: string;
  rewardPerRound: bigint;
  redundancy: number;
  deadline: bigint;
  rounds: number;
  periodHeights: number;
  startHeight: bigint;
  /** counting positions after the executors, fixed on chain when the task was posted (TaskScheduled) */
  spares: number;
  /** lowest round that may still finalize (from finalize events) */
  nextRound: number;
  closed: boolean;
}

export const TASK_EVENTS = [
  "event TaskPosted(uint256 indexed taskId, address indexed poster, bytes32 indexed kind, bytes32 specHash, string specURI, uint256 reward, uint8 redundancy, uint64 deadline)",
  "event TaskScheduled(uint256 indexed taskId, uint32 rounds, uint32 periodHeights, uint64 startHeight, uint8 spares)",
  "event TaskRoundFinalized(uint256 indexed taskId, uint32 indexed round, bytes result, address[] executors, uint256 fee)",
  "event TaskCancelled(uint256 indexed taskId, uint32 rounds)",
  "event TaskRefunded(uint256 indexed taskId, address indexed poster, uint256 reward)",
];
const iface = new Interface(TASK_EVENTS);
/** topic0 filter for the EventWatcher */
export const TASK_TOPICS = [TASK_EVENTS.map((e) => iface.getEvent(e.slice(6, e.indexOf("(")))!.topicHash)];

export class TaskBook {
  private readonly tasks = new Map<bigint, TaskRecord>();
  private readonly cancelTx = new Map<bigint, string>();

  get(taskId: bigint): TaskRecord | undefined {
    return this.tasks.get(taskId);
  }

  open(): TaskRecord[] {
    return [...this.tasks.values()].filter((t) => !t.closed);
  }

  ingest(logs: readonly Log[]): void {
    for (const log of logs) {
      const ev = iface.parseLog(log);
      if (!ev) continue;
      const id = ev.args.taskId as bigint;
      const t = this.tasks.get(id);
      switch (ev.name) {
        case "TaskPosted":
          if (!t) {
            this.tasks.set(id, {
              taskId: id,
              poster: ev.args.poster as string,
              kind: ev.args.kind as string,
              specHash: ev.args.specHash as string,
              specURI: ev.args.specURI as string,
              rewardPerRound: ev.args.reward as bigint,
              redundancy: Number(ev.args.redundancy),
              deadline: ev.args.deadline as bigint,
              rounds: 1,
              periodHeights: 1,
              startHeight: 0n,
              spares: 0, // TaskScheduled follows in the same transaction
              nextRound: 0,
              closed: false,
            });
          }
          break;
        case "TaskScheduled":
          if (t) {
            t.rounds = Number(ev.args.rounds);
            t.periodHeights = Number(ev.args.periodHeights);
            t.startHeight = ev.args.startHeight as bigint;
            t.spares = Number(ev.args.spares);
          }
          break;
        case "TaskRoundFinalized":
          if (t) {
            t.nextRound = Math.max(t.nextRound, Number(ev.args.round) + 1);
            if (t.nextRound >= t.rounds) t.closed = true;
          }
          break;
        case "TaskCancelled":
          if (t) {
            this.cancelTx.set(id, log.transactionHash);
            t.rounds = Number(ev.args.rounds);
            if (t.nextRound >= t.rounds) t.closed = true;
          }
          break;
        case "TaskRefunded":
          // a cancel's partial refund (same transaction as TaskCancelled) leaves the task open; an
          // expiry refund (refundTask) closes it; the refund after a last round closes it again (harmless)
          if (t && this.cancelTx.get(id) !== log.transactionHash) t.closed = true;
          break;
      }
    }
  }
}

/** The height from which round `round` is due (TaskManager.roundDueHeight). */
export function dueHeight(t: Pick<TaskRecord, "startHeight" | "periodHeights">, round: number): bigint {
  return t.startHeight + 1n + BigInt(round) * BigInt(t.periodHeights);
}

/** The newest round due at `height` that is still finalizable, or undefined. */
export function currentRound(t: TaskRecord, height: bigint): number | undefined {
  if (t.closed || height < dueHeight(t, 0)) return undefined;
  const r = Number((height - t.startHeight - 1n) / BigInt(t.periodHeights));
  const round = Math.min(r, t.rounds - 1);
  return round >= t.nextRound ? round : undefined;
}
