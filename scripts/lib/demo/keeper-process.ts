// A keeper as the demo runs it: the real `openmesh-keeper` CLI in its own process, with its own
// key directory, data directory and config file.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../deployment-file.js";

const run = promisify(execFile);
export const KEEPER_BIN = join(REPO_ROOT, "keeper", "bin", "openmesh-keeper.js");

export interface KeeperProcessOptions {
  index: number;
  root: string;
  rpcUrl: string;
  deploymentFile: string;
  p2pPort: number;
  metricsPort: number;
  bootstrap: string[];
  certificate: "bls" | "ecdsa";
  /** the keeper config's `por` section (Proof-of-Resource; off when absent) */
  por?: object;
}

export class KeeperProcess {
  readonly dir: string;
  readonly configFile: string;
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  peerId = "";
  signer = "";

  constructor(readonly opts: KeeperProcessOptions) {
    this.dir = join(opts.root, `keeper-${opts.index}`);
    this.configFile = join(this.dir, "keeper.json");
  }

  get multiaddr(): string {
    return `/ip4/127.0.0.1/tcp/${this.opts.p2pPort}/p2p/${this.peerId}`;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.opts.metricsPort}`;
  }

  writeConfig(bootstrap: string[]): void {
    mkdirSync(this.dir, { recursive: true });
    const o = this.opts;
    writeFileSync(
      this.configFile,
      JSON.stringify(
        {
          network: "localhost",
          rpcUrl: o.rpcUrl,
          deploymentFile: o.deploymentFile,
          keyDir: "keys",
          dataDir: "data",
          metricsPort: o.metricsPort,
          logLevel: "info",
          chain: { confirmations: 0, pollIntervalMs: 500 },
          consensus: {
            certificate: o.certificate,
            heightIntervalMs: 1_000,
            fallbackDelayMs: 2_000,
            epochPollMs: 500,
            directoryRefreshMs: 1_000,
            timeouts: { proposeMs: 2_000, prevoteMs: 800, precommitMs: 800, perRoundMs: 400 },
          },
          p2p: {
            listen: [`/ip4/127.0.0.1/tcp/${o.p2pPort}`],
            bootstrap,
            dhtAddressScope: "lan",
            loopbackWhitelist: true,
            inboundConnectionThreshold: 100,
            heartbeatIntervalMs: 1_000,
            discoveryIntervalMs: 2_000,
          },
          ...(o.por ? { por: o.por } : {}),
          // the demo's task sources are on loopback
          tasks: { allowPrivate: true },
        },
        null,
        2,
      ),
    );
  }

  /** `openmesh-keeper init`: fresh keys; reads the peer id and signer address it prints. */
  async init(): Promise<void> {
    this.writeConfig([]);
    const { stdout } = await run(process.execPath, [KEEPER_BIN, "init", "--config", this.configFile], {
      cwd: this.dir,
    });
    this.peerId = /^peer id: +(\S+)$/m.exec(stdout)?.[1] ?? "";
    this.signer = /^signer address: +(0x[0-9a-fA-F]{40})$/m.exec(stdout)?.[1] ?? "";
    if (!this.peerId || !this.signer) throw new Error(`keeper ${this.opts.index}: unexpected init output:\n${stdout}`);
  }

  /** `openmesh-keeper register` from the operator (owner) account. */
  async register(ownerKey: string, stakeOpen: number, extraArgs: string[] = []): Promise<string> {
    const { stdout } = await run(
      process.execPath,
      [
        KEEPER_BIN,
        "register",
        "--config",
        this.configFile,
        "--stake",
        String(stakeOpen),
        "--commission",
        "10",
        ...extraArgs,
      ],
      { cwd: this.dir, env: { ...process.env, OPENMESH_OWNER_KEY: ownerKey } },
    );
    return stdout;
  }

  /** `openmesh-keeper start` in the background; its logs go to keeper.log in its directory. */
  start(): void {
    this.writeConfig(this.opts.bootstrap);
    const log = openSync(join(this.dir, "keeper.log"), "a");
    const child = spawn(
      process.execPath,
      ["--max-semi-space-size=4", KEEPER_BIN, "start", "--config", this.configFile],
      {
        cwd: this.dir,
        stdio: ["ignore", log, log],
      },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: no shutdown at all, as a crash. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill("SIGKILL");
    await this.exited;
  }

  /** SIGTERM, the clean shutdown; SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child!.kill("SIGTERM");
    const timer = setTimeout(() => this.child?.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  async get<T>(path: string): Promise<T | undefined> {
    try {
      const res = await fetch(this.apiUrl + path, { signal: AbortSignal.timeout(2_000) });
      if (!res.ok) return undefined;
      return (await res.json()) as T;
    } catch {
      return undefined;
    }
  }
}
