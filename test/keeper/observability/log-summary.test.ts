import { Writable } from "node:stream";
import { expect } from "chai";
import { createLogger, moduleLogger, LogSummary } from "../../../keeper/src/observability/index.js";

/** A real pino logger writing into memory, with its summary. */
function logged(level: "info" | "warn", keep?: number) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      done();
    },
  });
  const summary = new LogSummary(keep);
  const logger = createLogger({ level, summary, destination: sink });
  return { logger, summary, lines };
}

describe("observability: the log summary behind /logs", () => {
  it("counts exactly the lines written, per level, and none below the logger's level", () => {
    const { logger, summary } = logged("warn");
    const p2p = moduleLogger(logger, "p2p");
    p2p.debug("not written");
    p2p.info("not written either");
    p2p.warn("slow peer");
    p2p.error("dial failed");
    logger.fatal("going down");
    expect(summary.toJSON().counts).to.deep.equal({ warn: 1, error: 1, fatal: 1 });
  });

  it("keeps warnings and errors per module and the last ones newest first, a repeat counted once", () => {
    const { logger, summary } = logged("info", 3);
    const chain = moduleLogger(logger, "chain");
    const p2p = moduleLogger(logger, "p2p");
    logger.info("keeper started");
    chain.warn("rpc slow");
    for (let i = 0; i < 5; i++) p2p.warn({ peer: `p${i}` }, "peer rate limited");
    chain.error("rpc down");
    p2p.warn("peer banned");
    const s = summary.toJSON();
    expect(s.counts).to.deep.equal({ info: 1, warn: 7, error: 1 });
    expect(s.modules).to.deep.equal([
      { module: "p2p", warn: 6, error: 0 },
      { module: "chain", warn: 1, error: 1 },
    ]);
    // at most 3 kept: the five rate-limit lines are one entry, the oldest ("rpc slow") dropped
    expect(s.recent.map((r) => [r.level, r.module, r.msg, r.repeats])).to.deep.equal([
      ["warn", "p2p", "peer banned", 1],
      ["error", "chain", "rpc down", 1],
      ["warn", "p2p", "peer rate limited", 5],
    ]);
  });

  it("keeps a line's message only: never its fields, nor an error's message; long ones cut", () => {
    const { logger, summary, lines } = logged("info");
    const secret = "https://rpc.example/v3/SECRET-API-KEY";
    logger.error({ err: new Error(`connect to ${secret} failed`), url: secret }, "chain request failed");
    logger.error(new TypeError(`bad response from ${secret}`));
    logger.warn("x".repeat(500));
    expect(lines.join("\n")).to.include("SECRET-API-KEY"); // the log itself has it all
    const json = JSON.stringify(summary.toJSON());
    expect(json).to.not.include("SECRET-API-KEY");
    const recent = summary.toJSON().recent;
    expect(recent[2]!.msg).to.equal("chain request failed");
    expect(recent[1]!.msg).to.equal("TypeError");
    expect(recent[0]!.msg).to.have.length(201);
  });
});
