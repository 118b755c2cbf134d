// Structured logs: one pino root per keeper, a child per module (`logger.child({module: "p2p"})`),
// fields instead of string concatenation.
import { pino, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../config/index.js";
import { messageOf, type LogSummary } from "./log-summary.js";

export type { Logger };

export interface LoggerOptions {
  level?: LogLevel;
  /** where lines go (default stdout); tests pass a stream to read what was logged */
  destination?: DestinationStream;
  /** fields on every line, e.g. {keeper: "k1"} when several keepers share one process */
  base?: Record<string, unknown>;
  /** counts every line written (levels below `level` are never written) for /logs */
  summary?: LogSummary;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const summary = opts.summary;
  return pino(
    {
      level: opts.level ?? "info",
      base: opts.base ?? null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: summary
        ? {
            logMethod(args, method, level) {
              summary.record(level, (this.bindings() as { module?: string }).module, messageOf(args));
              method.apply(this, args);
            },
          }
        : {},
    },
    opts.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** The module child logger every component gets. */
export function moduleLogger(root: Logger, module: string): Logger {
  return root.child({ module });
}
