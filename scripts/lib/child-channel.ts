// A forked child process spoken to over Node's IPC channel with `{ kind }`-tagged replies: send a
// command, wait for the reply of a given kind (with a timeout). The bench scripts drive their
// keeper processes this way.
import type { ChildProcess } from "node:child_process";

export class ChildChannel<ToChild, FromChild extends { kind: string }> {
  private waiters: Array<(m: FromChild) => boolean> = [];
  readonly exited: Promise<number | null>;

  /** `name` says whose reply is missing when one times out; replies wait `timeoutMs` by default. */
  constructor(
    readonly proc: ChildProcess,
    private readonly name: string,
    private readonly timeoutMs = 60_000,
  ) {
    proc.on("message", (m: FromChild) => {
      this.waiters = this.waiters.filter((w) => !w(m));
    });
    this.exited = new Promise((r) => proc.on("exit", (code) => r(code)));
  }

  /** The next message of this kind. */
  next<K extends FromChild["kind"]>(kind: K, timeoutMs = this.timeoutMs): Promise<Extract<FromChild, { kind: K }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${kind} from ${this.name} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push((m) => {
        if (m.kind !== kind) return false;
        clearTimeout(timer);
        resolve(m as Extract<FromChild, { kind: K }>);
        return true;
      });
    });
  }

  /** Sends a command and waits for the reply of this kind. */
  ask<K extends FromChild["kind"]>(msg: ToChild, kind: K, timeoutMs?: number) {
    const reply = this.next(kind, timeoutMs);
    this.proc.send(msg as object);
    return reply;
  }
}
