export { ConfigError, ENV_OVERRIDES, loadConfig, parseConfig, type LoadConfigOptions } from "./load.js";
export {
  ChainConfigSchema,
  KeeperConfigSchema,
  P2pConfigSchema,
  type ChainConfig,
  type KeeperConfig,
  type LogLevel,
  type P2pConfig,
  type ParsedKeeperConfig,
} from "./schema.js";
export { PorConfigSchema, type PorConfig } from "./por.js";
