// A real local chain for the demo and end-to-end tests: `hardhat node` as a child process,
// serving JSON-RPC on loopback. start() resolves once the node answers eth_chainId.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { REPO_ROOT } from "./deployment-file.js";

export interface LocalChainOptions {
  port?: number;
  /** give up after this long waiting for the node to answer */
  startTimeoutMs?: number;
  /** receives the node's own output lines (noisy; off by default) */
  onOutput?: (line: string) => void;
}

/**
 * A free TCP port on loopback for a server that binds it later (a keeper process, the chain). It
 * is drawn below the OS's ephemeral range: a port the OS picks (listen on 0) is one it also hands
 * out as the source port of outgoing connections, and with keepers dialling each other and the
 * chain one took a demo keeper's port before it listened (EADDRINUSE). Never the same port twice
 * in one process.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (let attempt = 0; attempt < 50 && low > FIRST_PORT; attempt++) {
    const port = FIRST_PORT + Math.floor(Math.random() * (low - FIRST_PORT));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  return listenOn(0); // no room below the ephemeral range: the OS's choice
}

const FIRST_PORT = 10_000;
const handedOut = new Set<number>();

/** The first port of the OS's ephemeral range (Linux; IANA's 49152 elsewhere). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) ? low : 49_152;
  } catch {
    return 49_152;
  }
}

function canListen(port: number): Promise<boolean> {
  return listenOn(port).then(
    () => true,
    () => false,
  );
}

/** Listens on `port` (0: any) on loopback, closes, and resolves with the port. */
function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(port, "127.0.0.1", () => {
      const addr = srv.address();
      const bound = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(bound));
    });
  });
}

export class LocalChain {
  private child?: ChildProcess;
  private exited?: Promise<void>;

  private constructor(
    readonly port: number,
    readonly url: string,
  ) {}

  static async start(opts: LocalChainOptions = {}): Promise<LocalChain> {
    const port = opts.port ?? (await freePort());
    const chain = new LocalChain(port, `http://127.0.0.1:${port}`);
    await chain.launch(opts);
    return chain;
  }

  private async launch(opts: LocalChainOptions): Promise<void> {
    const bin = join(REPO_ROOT, "node_modules", ".bin", "hardhat");
    const child = spawn(bin, ["node", "--port", String(this.port), "--hostname", "127.0.0.1"], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: process.env,
    });
    this.child = child;
    let output = "";
    const collect = (b: Buffer) => {
      const text = b.toString();
      output = (output + text).slice(-4000);
      if (opts.onOutput) for (const line of text.split("\n")) if (line.trim()) opts.onOutput(line);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));

    const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
    try {
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`hardhat node exited (${child.exitCode}):\n${output}`);
        if (await this.answers()) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`hardhat node did not answer on ${this.url} within the timeout:\n${output}`);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** true when the node answers a JSON-RPC eth_chainId */
  private async answers(): Promise<boolean> {
    try {
      const res = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(1_000),
      });
      return res.ok;
    } catch {
      return false;
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}
