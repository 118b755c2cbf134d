// `openmesh-keeper register`: placeholder until the staking contracts are deployed and wired.
import type { Command } from "commander";
import { loadConfig } from "../../config/index.js";
import { KeeperIdentity } from "../../identity/index.js";
import type { CliIo } from "../io.js";

export function registerCommand(program: Command, io: CliIo): void {
  program
    .command("register")
    .description("stake OPEN and register this keeper on chain (needs the staking contracts: not available yet)")
    .option("-c, --config <file>", "keeper config file")
    .action(async (opts: { config?: string }) => {
      io.err("register is not available yet: it needs the operator registry / staking contracts, which this");
      io.err("deployment does not include. Once they are deployed, register will send, from the operator account:");
      io.err("  stake (>= the minimum), this keeper's peer id, signer address, BLS public key and its proof of");
      io.err("  possession, endpoint and claimed resources.");
      if (opts.config) {
        const config = loadConfig({
          file: opts.config,
          env: { OPENMESH_CHAIN_ENABLED: "false", ...io.env },
          cwd: io.cwd,
        });
        const pub = (await KeeperIdentity.init({ config })).public;
        io.err("What would be registered:");
        io.err(JSON.stringify(pub, null, 2));
      }
      io.setExitCode(2);
    });
}
