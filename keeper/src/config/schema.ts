// The keeper's configuration: one JSON file plus OPENMESH_* environment overrides, validated
// here before anything starts. Defaults are production-safe; loopback conveniences are opt-in
// dev flags.
import { multiaddr } from "@multiformats/multiaddr";
import { z } from "zod";
import { PorConfigSchema } from "./por.js";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

function isMultiaddr(value: string): boolean {
  try {
    multiaddr(value);
    return true;
  } catch {
    return false;
  }
}

const multiaddrString = z.string().refine(isMultiaddr, {
  message: "expected a multiaddr such as /ip4/0.0.0.0/tcp/4001",
});

/** A bootstrap peer must name the peer it expects (…/p2p/<peer id>), so Noise can authenticate it. */
const peerMultiaddrString = z.string().refine((v) => isMultiaddr(v) && /\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/.test(v), {
  message: "expected a multiaddr ending in /p2p/<peer id>, e.g. /ip4/10.0.0.1/tcp/4001/p2p/12D3KooW…",
});

/** 0 asks the OS for a free port (tests); anything else must be a real TCP port. */
const port = z
  .int("expected an integer TCP port")
  .min(0, "expected a port in 0..65535")
  .max(65535, "expected a port in 0..65535");

const nonEmptyPath = z.string("expected a path").min(1, "expected a non-empty path");

export const P2pConfigSchema = z.strictObject({
  /** Where libp2p listens; port 0 picks a free port. */
  listen: z.array(multiaddrString).default(["/ip4/0.0.0.0/tcp/4001"]),
  /** Addresses advertised instead of the listen addresses (e.g. a public IP behind NAT). */
  announce: z.array(multiaddrString).default([]),
  /** Peers dialled at start; the DHT finds everyone else from them. */
  bootstrap: z.array(peerMultiaddrString).default([]),
  /** DHT services this keeper provides, as `dsmp/service/<name>` records. */
  services: z
    .array(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "expected a service name like keeper or api (a-z, 0-9, -)"))
    .default(["keeper"]),
  /**
   * Which peer addresses the DHT keeps: "wan" drops private ones (public internet), "lan" drops
   * public ones (one LAN or loopback), "all" keeps both (mixed deployments; dialers try public first).
   */
  dhtAddressScope: z.enum(["wan", "lan", "all"]).default("all"),
  /** Connection manager cap on open connections (libp2p's default). */
  maxConnections: z.int().positive().default(300),
  /**
   * New inbound connections accepted per second from one host. libp2p's default (5) is right for
   * the internet; local multi-node runs put every peer on one IP and need more.
   */
  inboundConnectionThreshold: z.int().positive().default(5),
  /** Inbound connections allowed to be mid-handshake at once. */
  maxIncomingPendingConnections: z.int().positive().default(10),
  /**
   * DEV ONLY. Exempts 127.0.0.1 from gossipsub's IP-colocation penalty; without it more than 10
   * keepers on one host score each other negative and no mesh forms. Never enable in production:
   * the penalty is the defence against one host posing as many peers.
   */
  loopbackWhitelist: z.boolean().default(false),
  /** Interval between discovery rounds (bootstrap, DHT provide/find, dial) once connected. */
  discoveryIntervalMs: z.int().positive().default(30_000),
  /** Discovered keepers are dialled until this many peers are connected. */
  targetPeers: z.int().positive().default(50),
  /** Interval of the signed liveness heartbeat on /openmesh/heartbeat/1 (also the ping cadence of /mesh). */
  heartbeatIntervalMs: z.int().positive().default(1_000),
  /** Phi-accrual suspicion threshold of the failure detector (observability/phi-accrual.ts). */
  phiThreshold: z.number().positive().max(100).default(8),
  /**
   * DEV ONLY until the chain-backed directory exists: a JSON array of registered operators
   * ({peerId, operator, signer, status}) whose messages count. Without it (and without a chain
   * directory) only this keeper itself is registered.
   */
  operatorsFile: nonEmptyPath.optional(),
  /** Timeout of one direct request/response exchange. */
  requestTimeoutMs: z.int().positive().default(10_000),
});

export const ChainConfigSchema = z.strictObject({
  /**
   * Off runs a mesh-only keeper (no RPC, no deployment file): development and p2p tests. Gossip is
   * then signed for `chainId` below instead of the deployment's chain.
   */
  enabled: z.boolean().default(true),
  /** chain id bound into gossip signatures when the chain is disabled */
  chainId: z.int().positive().default(31337),
  /** Blocks a log must be buried under before the keeper acts on it (reorg safety). */
  confirmations: z.int().min(0).default(2),
  /** Head polling interval of the event watcher. */
  pollIntervalMs: z.int().positive().default(2_000),
});

const ms = (what: string) => z.int(`expected ${what} in milliseconds`).positive(`expected ${what} > 0 ms`);

export const ConsensusConfigSchema = z.strictObject({
  /** Run BFT when this keeper's signer is in the current epoch's validator set (needs the chain). */
  enabled: z.boolean().default(true),
  /** Certificate submitted on chain: one BLS aggregate (constant gas) or ECDSA signatures. */
  certificate: z.enum(["bls", "ecdsa"], "expected bls or ecdsa").default("bls"),
  /** Pause between a decision and the next height (Tendermint's timeout_commit). */
  heightIntervalMs: ms("the height interval").default(2_000),
  /** A fallback submitter of rank r waits r times this before submitting a missing checkpoint. */
  fallbackDelayMs: ms("the fallback delay").default(3_000),
  /** How often the chain is asked whether a new epoch started. */
  epochPollMs: ms("the epoch poll interval").default(2_000),
  /** How often the registered operators (who counts on the mesh) are re-read from the chain. */
  directoryRefreshMs: ms("the directory refresh interval").default(5_000),
  /**
   * Round-0 votes for a value go straight to the round's proposer, which gossips them in bundles
   * (one message per step instead of one per validator). Off: every vote is gossiped to everyone
   * and this keeper bundles nothing as a proposer (it still counts votes sent to it).
   */
  relayVotes: z.boolean().default(true),
  /** A relayed vote whose height is still undecided this long after it was sent is gossiped as well. */
  relayFallbackMs: ms("the relay fallback delay").default(1_000),
  /** Round timeouts: base + round x perRound, per step. */
  timeouts: z
    .strictObject({
      proposeMs: ms("the propose timeout").default(3_000),
      prevoteMs: ms("the prevote timeout").default(1_000),
      precommitMs: ms("the precommit timeout").default(1_000),
      perRoundMs: ms("the per-round timeout increase").default(500),
    })
    .default(() => ({ proposeMs: 3_000, prevoteMs: 1_000, precommitMs: 1_000, perRoundMs: 500 })),
});

/** Relaying certified headers over CCIP (docs/bridge.md); active when the deployment has a CheckpointSender. */
const BridgeConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** A fallback relayer of rank r waits r times this after certification before relaying a missing header. */
  fallbackDelayMs: ms("the relay fallback delay").default(5_000),
  /** How long a decided header may take to be certified on chain before the relayer gives up on it. */
  certifiedTimeoutMs: ms("the certification wait").default(60_000),
  /** How often the chain is polled while waiting for certification. */
  pollMs: ms("the certification poll interval").default(1_000),
});

/** Xnode Studio, the web dashboard under /studio on the metrics server (docs/studio.md). */
const StudioConfigSchema = z.strictObject({
  /** serve the page, /studio/config.json and the read-only JSON-RPC window /studio/rpc */
  enabled: z.boolean().default(true),
});

/** Claiming and pushing each epoch's rewards into the operators' pools (docs/checkpoints.md, "Rewards"). */
const RewardsConfigSchema = z.strictObject({
  autoPush: z.boolean().default(true),
  /** A keeper r places after an operator (set order) settles that operator's unpushed reward after r times this. */
  fallbackDelayMs: ms("the reward push fallback delay").default(10_000),
  /** How long the epoch's first header may take to be certified before the pusher gives up on it. */
  certifiedTimeoutMs: ms("the certification wait").default(120_000),
  /** How often the chain is polled while waiting for certification. */
  pollMs: ms("the certification poll interval").default(1_000),
});

/** Wasm jobs on a lease (docs/workspace.md, "Jobs"): limits derived from the lease's cores and memory. */
export const JobsConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** worker threads running jobs on this keeper (0: one less than the machine's cores, at least 1) */
  workers: z.int().min(0).default(0),
  /** fuel (wasm instructions) one core of a lease buys per second of a job's wall-clock cap */
  fuelPerCoreSecond: z.int().positive().default(1_000_000_000),
  /** a job's wall-clock cap (a request may ask for less) */
  maxWallMs: ms("the job wall-clock cap").default(60_000),
  /** running jobs per lease, at most (also at most the lease's cores) */
  maxConcurrentPerLease: z.int().positive().default(4),
  /** jobs waiting per lease beyond which a submit is refused (429) */
  maxQueuedPerLease: z.int().positive().default(16),
  maxModuleBytes: z
    .int()
    .positive()
    .default(4 << 20),
  maxInputBytes: z
    .int()
    .positive()
    .default(1 << 20),
  maxOutputBytes: z
    .int()
    .positive()
    .default(1 << 20),
  maxLogBytes: z
    .int()
    .positive()
    .default(64 << 10),
  /** finished jobs kept per lease (the oldest are deleted beyond) */
  keepPerLease: z.int().positive().default(100),
});

/** The renters' workspace (docs/workspace.md): SIWE, lease keys, S3; on when the deployment has DvmAccess. */
export const WorkspaceConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** SIWE domains (host[:port]) users sign in to, besides the server's bound address (e.g. a public name) */
  domains: z.array(z.string().min(1)).default([]),
  /** browser origins allowed by CORS besides the server's own (a Studio served elsewhere); "*" for any */
  corsOrigins: z.array(z.string().min(1)).default([]),
  /** lifetime of a session (and of the S3 keys issued to it) */
  sessionTtlMs: ms("the session lifetime").default(3_600_000),
  /** how long a sign-in nonce stays usable */
  nonceTtlMs: ms("the nonce lifetime").default(300_000),
  /** after a lease ends its data is readable (not writable) this long, then deleted; only without a ResourceMarket
   * in the deployment (governance's ResourceMarket.dataGraceSeconds otherwise) */
  graceSeconds: z
    .int()
    .min(0)
    .default(7 * 24 * 3600),
  /** bytes per GiB of lease storage: DEV ONLY below 2^30 (tests and demos shrink quotas with it) */
  storageUnitBytes: z
    .int()
    .positive()
    .default(2 ** 30),
  /** how often ended leases are checked for deletion */
  sweepIntervalMs: ms("the grace sweep interval").default(600_000),
  /**
   * Requests within this many ms share one read of the chain head (0: each request reads it, so a
   * transfer takes effect on the very next request); answers are cached per block either way.
   */
  headMaxAgeMs: z.int().min(0).default(0),
  jobs: JobsConfigSchema.default(() => JobsConfigSchema.parse({})),
});

/** Executing and finalizing TaskManager rounds (docs/tasks.md). */
const TasksConfigSchema = z.strictObject({
  /**
   * Execute the TaskManager rounds this keeper is assigned. A validator always checks and commits
   * other executors' results (every validator runs the same checkpoint parts), whatever this says.
   */
  execute: z.boolean().default(true),
  /** Let task sources, specs and modules live on private / loopback addresses (tests, the demo). */
  allowPrivate: z.boolean().default(false),
  /** A keeper r places after a round's first executor finalizes it after r times this. */
  fallbackDelayMs: ms("the task finalize fallback delay").default(3_000),
  /** How long a committing header may take to be certified before the finalizer gives up on it. */
  certifiedTimeoutMs: ms("the certification wait").default(120_000),
  pollMs: ms("the certification poll interval").default(500),
  /** A round with a quorum of results waits this long for its other executors before it is proposed. */
  graceMs: ms("the task result grace period").default(1_000),
});

const RPC_URL_EXPECTED = "expected an http(s):// JSON-RPC URL";

export const KeeperConfigSchema = z
  .strictObject({
    /** Network name; picks deployments/<network>.json unless deploymentFile is set. */
    network: z
      .string()
      .regex(/^[a-z0-9-]+$/, "expected a network name like localhost or sepolia")
      .default("localhost"),
    /**
     * The operator (staking) account this keeper acts for. Defaults to the signer address from
     * the key directory: an operator may stake from a cold account and bind a hot signer to it.
     */
    operator: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address")
      .optional(),
    /** JSON-RPC endpoint over HTTP(S); required unless chain.enabled is false. */
    rpcUrl: z.url({ protocol: /^https?$/, error: RPC_URL_EXPECTED }).optional(),
    /** deployments/<network>.json written by the deploy script; resolved against the config file. */
    deploymentFile: nonEmptyPath.optional(),
    /** Directory holding the operator, BLS and libp2p keys (0700, files 0600). */
    keyDir: nonEmptyPath,
    /** Directory of the LevelDB store. */
    dataDir: nonEmptyPath,
    /** Host the metrics/health server binds to; loopback by default, expose deliberately. */
    metricsHost: z.string().min(1).default("127.0.0.1"),
    /** Port of /metrics and /health. */
    metricsPort: port.default(9464),
    /** Port of the keeper's HTTP API (served by the api module). */
    apiPort: port.default(8080),
    logLevel: z.enum(LOG_LEVELS, `expected one of ${LOG_LEVELS.join(", ")}`).default("info"),
    p2p: P2pConfigSchema.default(() => P2pConfigSchema.parse({})),
    chain: ChainConfigSchema.default(() => ChainConfigSchema.parse({})),
    consensus: ConsensusConfigSchema.default(() => ConsensusConfigSchema.parse({})),
    bridge: BridgeConfigSchema.default(() => BridgeConfigSchema.parse({})),
    studio: StudioConfigSchema.default(() => StudioConfigSchema.parse({})),
    rewards: RewardsConfigSchema.default(() => RewardsConfigSchema.parse({})),
    por: PorConfigSchema.prefault({}),
    workspace: WorkspaceConfigSchema.default(() => WorkspaceConfigSchema.parse({})),
    tasks: TasksConfigSchema.default(() => TasksConfigSchema.parse({})),
  })
  .superRefine((c, ctx) => {
    if (c.chain.enabled && c.rpcUrl === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["rpcUrl"],
        input: undefined,
        message: `${RPC_URL_EXPECTED} (or chain.enabled: false)`,
      });
    }
  });

/** What the schema yields: paths still as written. */
export type ParsedKeeperConfig = z.infer<typeof KeeperConfigSchema>;
/** What the keeper runs with: every path absolute, the deployment file resolved. */
export type KeeperConfig = ParsedKeeperConfig & { deploymentFile: string };
export type P2pConfig = z.infer<typeof P2pConfigSchema>;
export type ChainConfig = z.infer<typeof ChainConfigSchema>;
export type ConsensusConfig = z.infer<typeof ConsensusConfigSchema>;
export type BridgeConfig = z.infer<typeof BridgeConfigSchema>;
export type LogLevel = (typeof LOG_LEVELS)[number];
