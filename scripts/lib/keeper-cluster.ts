// N keepers in this process over real loopback TCP, against a real chain (`hardhat node`), as the
// e2e consensus test starts them: the protocol deployed by the real deploy script, the operators
// registered through the keeper CLI with BLS proofs of possession, the epoch advanced, keeper 0 the
// bootstrap peer. For tests and benches that need a running validator set (scripts/lib/flood.ts).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HDNodeWallet, JsonRpcProvider, Network, parseEther } from "ethers";
import type { ConsensusEvent } from "../../keeper/src/bft/service.js";
import { runCli } from "../../keeper/src/cli/main.js";
import { KeeperConfigSchema, type KeeperConfig } from "../../keeper/src/config/index.js";
import { KeeperIdentity } from "../../keeper/src/identity/index.js";
import { Keeper, type KeeperInit } from "../../keeper/src/node.js";
import { createLogger, type Logger, type LogSummary } from "../../keeper/src/observability/index.js";
import { deployProtocol, type Deployed } from "./deploy.js";
import { REPO_ROOT, writeDeployment } from "./deployment-file.js";
import { loadGenesisConfig } from "./genesis-config.js";
import { LocalChain } from "./local-chain.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const ownerKey = (i: number) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;

export interface ClusterOptions {
  /** keepers (validators); at most 4 (accounts 1..4 hold the early-validator allocation) */
  keepers: number;
  /** each keeper's logger (default: silent) */
  logger?: (index: number) => Logger;
  /** the summary that keeper's logger fills (createLogger's `summary`), served at /logs */
  logSummary?: (index: number) => LogSummary | undefined;
  onConsensusEvent?: (index: number, e: ConsensusEvent) => void;
  /** Tendermint's timeout_commit (default 200 ms) */
  heightIntervalMs?: number;
  /** extra `register` arguments of keeper i (claimed resources) */
  registerArgs?: (index: number) => string[];
  /** the `por` config section of keeper i (default: PoR off) */
  por?: (index: number) => Record<string, unknown>;
  /** the `rewards` config section of keeper i (default: auto-push on) */
  rewards?: (index: number) => Record<string, unknown>;
  /** heartbeat interval (default 500 ms) */
  heartbeatIntervalMs?: number;
  /** task executor hooks of keeper i (task sources on loopback are allowed in a cluster) */
  tasks?: (index: number) => KeeperInit["tasks"];
  /** task config overrides */
  taskConfig?: { graceMs?: number; fallbackDelayMs?: number };
}

export class KeeperCluster {
  readonly keepers: Keeper[] = [];
  private readonly stopped = new Set<number>();

  private constructor(
    readonly root: string,
    readonly chain: LocalChain,
    readonly provider: JsonRpcProvider,
    readonly deployed: Deployed,
    private readonly deploymentFile: string,
    private readonly opts: ClusterOptions,
  ) {}

  static async start(opts: ClusterOptions): Promise<KeeperCluster> {
    if (opts.keepers < 1 || opts.keepers > 4) throw new Error("a cluster has 1 to 4 keepers");
    const root = mkdtempSync(join(tmpdir(), "openmesh-cluster-"));
    const chain = await LocalChain.start();
    const network = Network.from(31337n);
    const provider = new JsonRpcProvider(chain.url, network, { staticNetwork: network });
    try {
      const cfg = loadGenesisConfig(join(REPO_ROOT, "deployments", "config", "localhost.json"));
      const accounts = (await provider.listAccounts()).map((a) => a.address);
      const deployed = await deployProtocol(await provider.getSigner(0), cfg, { localAccounts: accounts });
      const deploymentFile = join(root, "deployment.json");
      writeDeployment(deploymentFile, deployed.file, false);
      const cluster = new KeeperCluster(root, chain, provider, deployed, deploymentFile, opts);
      for (let i = 0; i < opts.keepers; i++) await cluster.register(i);
      await provider.send("evm_increaseTime", [60]);
      await (await deployed.validatorSets.connect(await provider.getSigner(0)).advanceEpoch()).wait();
      for (let i = 0; i < opts.keepers; i++) await cluster.startKeeper(i);
      return cluster;
    } catch (err) {
      provider.destroy();
      await chain.stop();
      rmSync(root, { recursive: true, force: true });
      throw err;
    }
  }

  /** Keys, gas and an on-chain registration (the keeper CLI's `register`) for keeper `i`. */
  private async register(i: number): Promise<void> {
    const identity = await KeeperIdentity.generate(join(this.root, `k${i}`, "keys"));
    const funder = await this.provider.getSigner(0);
    await (await funder.sendTransaction({ to: identity.signerAddress, value: parseEther("10") })).wait();
    const cfgFile = join(this.root, `k${i}`, "keeper.json");
    writeFileSync(
      cfgFile,
      JSON.stringify({
        rpcUrl: this.chain.url,
        keyDir: "keys",
        dataDir: "data",
        deploymentFile: this.deploymentFile,
        logLevel: "silent",
      }),
    );
    const out: string[] = [];
    const code = await runCli(
      [
        "node",
        "openmesh-keeper",
        "register",
        "--config",
        cfgFile,
        "--stake",
        String(20_000 + 1_000 * i),
        ...(this.opts.registerArgs?.(i) ?? []),
      ],
      {
        out: (s) => out.push(s),
        err: (s) => out.push(s),
        env: { OPENMESH_OWNER_KEY: ownerKey(i + 1) },
        cwd: this.root,
        setExitCode: () => {},
      },
    );
    if (code !== 0) throw new Error(`register of keeper ${i} failed:\n${out.join("\n")}`);
  }

  private config(i: number): KeeperConfig {
    const bootstrap = i === 0 ? [] : [this.keepers[0]!.p2p.multiaddrs[0]!];
    return {
      ...KeeperConfigSchema.parse({
        rpcUrl: this.chain.url,
        keyDir: join(this.root, `k${i}`, "keys"),
        dataDir: join(this.root, `k${i}`, "data"),
        metricsPort: 0,
        logLevel: "silent",
        chain: { confirmations: 0, pollIntervalMs: 200 },
        consensus: {
          heightIntervalMs: this.opts.heightIntervalMs ?? 200,
          fallbackDelayMs: 1_500,
          epochPollMs: 300,
          directoryRefreshMs: 500,
          timeouts: { proposeMs: 1_500, prevoteMs: 500, precommitMs: 500, perRoundMs: 250 },
          relayFallbackMs: 300,
        },
        p2p: {
          listen: ["/ip4/127.0.0.1/tcp/0"],
          bootstrap,
          dhtAddressScope: "lan",
          loopbackWhitelist: true,
          inboundConnectionThreshold: 100,
          heartbeatIntervalMs: this.opts.heartbeatIntervalMs ?? 500,
        },
        por: this.opts.por?.(i) ?? {},
        rewards: this.opts.rewards?.(i) ?? {},
        tasks: { allowPrivate: true, pollMs: 200, fallbackDelayMs: 2_000, ...this.opts.taskConfig },
      }),
      deploymentFile: this.deploymentFile,
    };
  }

  private async startKeeper(i: number): Promise<Keeper> {
    const k = await Keeper.init({
      config: this.config(i),
      logger: this.opts.logger?.(i) ?? createLogger({ level: "silent" }),
      logSummary: this.opts.logSummary?.(i),
      discovery: { fastIntervalMs: 200, intervalMs: 500, queryTimeoutMs: 3_000 },
      onConsensusEvent: (e) => this.opts.onConsensusEvent?.(i, e),
      tasks: this.opts.tasks?.(i),
    });
    await k.start();
    this.keepers[i] = k;
    return k;
  }

  /** Stops keeper `i` (if running) and starts it again on the same keys and data. */
  async restart(i: number): Promise<Keeper> {
    await this.keepers[i]?.stop();
    this.stopped.delete(i);
    return this.startKeeper(i);
  }

  /** Stops keeper `i` for good (its validator stays in the epoch's set, as a tombstoned one would). */
  async stopKeeper(i: number): Promise<void> {
    const k = this.keepers[i];
    if (!k) throw new Error(`no keeper ${i} in the cluster`);
    this.stopped.add(i);
    await k.stop();
  }

  /** Indices of the keepers not stopped by stopKeeper. */
  running(): number[] {
    return this.keepers.flatMap((_, i) => (this.stopped.has(i) ? [] : [i]));
  }

  /** Lowercase signer address -> operator address, of every keeper. */
  operators(): Map<string, string> {
    return new Map(this.keepers.map((k) => [k.identity.signerAddress.toLowerCase(), k.operator]));
  }

  async stop(): Promise<void> {
    for (const k of this.keepers) await k.stop().catch(() => undefined);
    this.provider.destroy();
    await this.chain.stop();
    rmSync(this.root, { recursive: true, force: true });
  }
}
