// `openmesh-keeper start`: runs the keeper until SIGINT / SIGTERM, then shuts down cleanly.
import type { Command } from "commander";
import { loadConfig } from "../../config/index.js";
import { Keeper } from "../../node.js";
import type { CliIo } from "../io.js";

export function startCommand(program: Command, io: CliIo): void {
  program
    .command("start")
    .description("start the keeper from its config; stops cleanly on SIGINT / SIGTERM")
    .option("-c, --config <file>", "keeper config file (env OPENMESH_* overrides it)")
    .action(async (opts: { config?: string }) => {
      const config = loadConfig({ file: opts.config, env: io.env, cwd: io.cwd });
      const keeper = await Keeper.init({ config });
      let stopping: Promise<void> | undefined;
      const stopped = new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          if (stopping) {
            keeper.logger.warn({ signal }, "second signal: exiting without waiting");
            process.exit(1);
          }
          keeper.logger.info({ signal }, "shutting down");
          stopping = keeper.stop().finally(() => {
            process.off("SIGINT", onSignal);
            process.off("SIGTERM", onSignal);
            resolve();
          });
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
      });
      await keeper.start();
      await stopped;
    });
}
