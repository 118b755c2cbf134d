// openmesh-keeper: the keeper's command line.
import { Command, CommanderError } from "commander";
import { AGENT_VERSION } from "../p2p/options.js";
import { initCommand } from "./commands/init.js";
import { registerCommand } from "./commands/register.js";
import { relayCommand } from "./commands/relay.js";
import { rotatePeerKeyCommand } from "./commands/rotate-peer-key.js";
import { startCommand } from "./commands/start.js";
import { statusCommand } from "./commands/status.js";
import { isOperatorError } from "./errors.js";
import { processIo, type CliIo } from "./io.js";

export function buildProgram(io: CliIo): Command {
  const program = new Command("openmesh-keeper")
    .description("OpenMesh keeper: one operator's node in the DSMP mesh")
    .version(AGENT_VERSION)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  initCommand(program, io);
  startCommand(program, io);
  statusCommand(program, io);
  registerCommand(program, io);
  rotatePeerKeyCommand(program, io);
  relayCommand(program, io);
  return program;
}

/** Runs the CLI; resolves with the exit code instead of exiting (tests call it in-process). */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  let code = 0;
  const ioWithCode: CliIo = { ...io, setExitCode: (c) => (code = c) };
  try {
    await buildProgram(ioWithCode).parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (isOperatorError(err)) {
      io.err(`error: ${err.message}`);
      return 1;
    }
    io.err(`unexpected error: ${(err as Error)?.stack ?? String(err)}`);
    return 1;
  }
}
