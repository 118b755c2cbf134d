// Structured logs: one pino root per keeper, a child per module (`logger.child({module: "p2p"})`),
// fields instead of string concatenation.
import { pino, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../config/index.js";

export type { Logger };

export interface LoggerOptions {
  level?: LogLevel;
  /** where lines go (default stdout); tests pass a stream to read what was logged */
  destination?: DestinationStream;
  /** fields on every line, e.g. {keeper: "k1"} when several keepers share one process */
  base?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? "info",
      base: opts.base ?? null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** The module child logger every component gets. */
export function moduleLogger(root: Logger, module: string): Logger {
  return root.child({ module });
}
