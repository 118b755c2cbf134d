// Test logging: a silent logger, or one whose lines the test can read back.
import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../../keeper/src/observability/index.js";

export function silentLogger(): Logger {
  return createLogger({ level: "silent" });
}

export interface CapturedLogs {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
  /** lines whose msg matches */
  find(msg: RegExp): Array<Record<string, unknown>>;
}

export function capturingLogger(level: "debug" | "info" | "warn" = "info"): CapturedLogs {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) {
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const logger = createLogger({ level, destination });
  return { logger, lines, find: (msg) => lines.filter((l) => msg.test(String(l.msg))) };
}
