// Reads the JSON config file, applies OPENMESH_* environment overrides, validates the result and
// resolves relative paths. Any bad value stops start-up with a ConfigError naming the field,
// where the value came from, and what was expected.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { KeeperConfigSchema, type KeeperConfig, type ParsedKeeperConfig } from "./schema.js";

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(
    message: string,
    /** one line per offending field */
    readonly problems: string[] = [],
  ) {
    super(problems.length > 0 ? `${message}\n  ${problems.join("\n  ")}` : message);
  }
}

type EnvKind = "string" | "int" | "bool" | "list";

/** Environment variable -> config field. Lists are comma-separated. */
export const ENV_OVERRIDES: ReadonlyArray<{ env: string; path: readonly string[]; kind: EnvKind }> = [
  { env: "OPENMESH_NETWORK", path: ["network"], kind: "string" },
  { env: "OPENMESH_OPERATOR", path: ["operator"], kind: "string" },
  { env: "OPENMESH_RPC_URL", path: ["rpcUrl"], kind: "string" },
  { env: "OPENMESH_DEPLOYMENT_FILE", path: ["deploymentFile"], kind: "string" },
  { env: "OPENMESH_KEY_DIR", path: ["keyDir"], kind: "string" },
  { env: "OPENMESH_DATA_DIR", path: ["dataDir"], kind: "string" },
  { env: "OPENMESH_METRICS_HOST", path: ["metricsHost"], kind: "string" },
  { env: "OPENMESH_METRICS_PORT", path: ["metricsPort"], kind: "int" },
  { env: "OPENMESH_API_PORT", path: ["apiPort"], kind: "int" },
  { env: "OPENMESH_LOG_LEVEL", path: ["logLevel"], kind: "string" },
  { env: "OPENMESH_LISTEN", path: ["p2p", "listen"], kind: "list" },
  { env: "OPENMESH_ANNOUNCE", path: ["p2p", "announce"], kind: "list" },
  { env: "OPENMESH_BOOTSTRAP", path: ["p2p", "bootstrap"], kind: "list" },
  { env: "OPENMESH_SERVICES", path: ["p2p", "services"], kind: "list" },
  { env: "OPENMESH_DHT_ADDRESS_SCOPE", path: ["p2p", "dhtAddressScope"], kind: "string" },
  { env: "OPENMESH_INBOUND_CONNECTION_THRESHOLD", path: ["p2p", "inboundConnectionThreshold"], kind: "int" },
  { env: "OPENMESH_P2P_LOOPBACK_WHITELIST", path: ["p2p", "loopbackWhitelist"], kind: "bool" },
  { env: "OPENMESH_OPERATORS_FILE", path: ["p2p", "operatorsFile"], kind: "string" },
  { env: "OPENMESH_CHAIN_ENABLED", path: ["chain", "enabled"], kind: "bool" },
  { env: "OPENMESH_CONFIRMATIONS", path: ["chain", "confirmations"], kind: "int" },
];

/**
 * Converts an env string to the field's type. A value that does not convert is passed through
 * as the raw string, so validation reports it against the field like any other bad value.
 */
function parseEnvValue(raw: string, kind: EnvKind): unknown {
  switch (kind) {
    case "string":
      return raw;
    case "int":
      return /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    case "bool": {
      const v = raw.trim().toLowerCase();
      if (v === "true" || v === "1") return true;
      if (v === "false" || v === "0") return false;
      return raw;
    }
    case "list":
      return raw
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function describeInput(input: unknown): string {
  const text = JSON.stringify(input);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export interface LoadConfigOptions {
  /** JSON config file; optional when the environment supplies every required field. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** base for relative paths given without a config file, and for env overrides */
  cwd?: string;
}

/** Validates an already-assembled raw config (file contents + overrides). */
export function parseConfig(raw: unknown, sources: Map<string, string> = new Map()): ParsedKeeperConfig {
  const result = KeeperConfigSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path
      .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
      .join("")
      .slice(1);
    const topField = issue.path.filter((p) => typeof p === "string").join(".");
    const source = sources.get(topField) ?? sources.get("*") ?? "no config file or OPENMESH_* variable";
    const missing = "input" in issue && issue.input === undefined;
    const got = "input" in issue && !missing ? `, got ${describeInput(issue.input)}` : "";
    return `${field || "(root)"} (from ${source}): ${missing ? "missing; " : ""}${issue.message}${got}`;
  });
  throw new ConfigError("invalid keeper configuration:", problems);
}

export function loadConfig(opts: LoadConfigOptions = {}): KeeperConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const sources = new Map<string, string>();
  let raw: Record<string, unknown> = {};
  let base = cwd;

  if (opts.file) {
    const file = resolve(cwd, opts.file);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new ConfigError(`config file ${file} must hold a JSON object`);
    }
    sources.set("*", file);
    base = dirname(file);
  }

  // Paths given in the file are relative to the file; paths given by env (and the default
  // deployments/<network>.json), to the working dir.
  const pathBases = new Map<string, string>();
  for (const { env: name, path, kind } of ENV_OVERRIDES) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    setPath(raw, path, parseEnvValue(value, kind));
    sources.set(path.join("."), `env ${name}`);
    pathBases.set(path.join("."), cwd);
  }

  const config = parseConfig(raw, sources);
  const abs = (field: string, p: string, given: boolean) =>
    isAbsolute(p) ? p : resolve(pathBases.get(field) ?? (given ? base : cwd), p);
  const { operatorsFile } = config.p2p;
  return {
    ...config,
    p2p: {
      ...config.p2p,
      operatorsFile: operatorsFile === undefined ? undefined : abs("p2p.operatorsFile", operatorsFile, true),
    },
    keyDir: abs("keyDir", config.keyDir, true),
    dataDir: abs("dataDir", config.dataDir, true),
    deploymentFile: abs(
      "deploymentFile",
      config.deploymentFile ?? `deployments/${config.network}.json`,
      config.deploymentFile !== undefined,
    ),
  };
}
