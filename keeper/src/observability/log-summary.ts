// What the keeper logged, in brief, for the Studio's keeper view (/logs): lines per level, warnings
// and errors per module, and the last warnings and errors (a repeat of the last one is counted, not
// kept again, so a flood of one message leaves the others visible). Only the message, module and
// time of a line are kept: its fields (errors, URLs that may carry an RPC key, peer data) stay in
// the log itself.

/** pino's level numbers and labels */
const LABELS: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };
const WARN = 40;
const MAX_MESSAGE = 200;

export interface RecentLine {
  time: string;
  level: string;
  module: string;
  msg: string;
  /** how many times in a row it was logged (time is the last) */
  repeats: number;
}

export interface LogSummaryJson {
  since: string;
  /** lines per level */
  counts: Record<string, number>;
  /** warnings and errors (error + fatal) per module, most first */
  modules: Array<{ module: string; warn: number; error: number }>;
  /** the last warnings and errors, newest first */
  recent: RecentLine[];
}

export class LogSummary {
  private readonly since = new Date().toISOString();
  private readonly counts = new Map<string, number>();
  private readonly modules = new Map<string, { warn: number; error: number }>();
  private readonly recent: RecentLine[] = [];

  constructor(private readonly keep = 20) {}

  /** One line at pino `level` (a number) from `module` (undefined: the root logger). */
  record(level: number, module: string | undefined, msg: string): void {
    const label = LABELS[level] ?? String(level);
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
    if (level < WARN) return;
    const mod = module ?? "keeper";
    const m = this.modules.get(mod) ?? { warn: 0, error: 0 };
    if (level === WARN) m.warn++;
    else m.error++;
    this.modules.set(mod, m);
    const text = msg.length > MAX_MESSAGE ? `${msg.slice(0, MAX_MESSAGE)}…` : msg;
    const time = new Date().toISOString();
    const last = this.recent.at(-1);
    if (last && last.level === label && last.module === mod && last.msg === text) {
      last.repeats++;
      last.time = time;
      return;
    }
    this.recent.push({ time, level: label, module: mod, msg: text, repeats: 1 });
    if (this.recent.length > this.keep) this.recent.shift();
  }

  toJSON(): LogSummaryJson {
    return {
      since: this.since,
      counts: Object.fromEntries(this.counts),
      modules: [...this.modules]
        .map(([module, m]) => ({ module, ...m }))
        .sort((a, b) => b.error + b.warn - (a.error + a.warn)),
      recent: this.recent.map((r) => ({ ...r })).reverse(),
    };
  }
}

/** The message of a pino call's arguments: `(msg, ...)` or `(obj, msg, ...)`; never the object's fields. */
export function messageOf(args: readonly unknown[]): string {
  const [first, second] = args;
  if (typeof first === "string") return first;
  if (typeof second === "string") return second;
  if (first instanceof Error) return first.name; // its message may quote a URL or a peer's data
  return "(no message)";
}
