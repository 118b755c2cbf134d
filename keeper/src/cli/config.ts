// Config loading for commands that never touch the chain (init, status, register): they must not
// demand an rpcUrl or deployment file the operator has not set up yet.
import { loadConfig, type KeeperConfig } from "../config/index.js";
import type { CliIo } from "./io.js";

export function loadOfflineConfig(file: string | undefined, io: CliIo, env: NodeJS.ProcessEnv = {}): KeeperConfig {
  return loadConfig({ file, env: { OPENMESH_CHAIN_ENABLED: "false", ...io.env, ...env }, cwd: io.cwd });
}
