// What a task poster serves and posts: a loopback HTTP server for task specs, oracle sources and
// wasm modules (the spec's keccak is the on-chain specHash, so the exact bytes served are the ones
// hashed), and the approve + postTask calls. Used by the e2e task test, the demo and the bench.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { keccak256, type Signer } from "ethers";
import { TASK_KINDS } from "../../keeper/src/tasks/spec.js";
import type { OpenToken, TaskManager } from "../../types/ethers-contracts/index.js";

interface Route {
  body: Uint8Array;
  type: string;
  /** answer this much later (a slow source: an executor can be killed mid-task) */
  delayMs: number;
}

export class TaskSource {
  private constructor(
    private readonly server: Server,
    readonly base: string,
    private readonly routes: Map<string, Route>,
  ) {}

  static async start(): Promise<TaskSource> {
    const routes = new Map<string, Route>();
    const server = createServer((req, res) => {
      const route = routes.get(req.url ?? "");
      if (!route) {
        res.writeHead(404).end();
        return;
      }
      setTimeout(() => {
        res.writeHead(200, { "content-type": route.type }).end(route.body);
      }, route.delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new TaskSource(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, routes);
  }

  /** Serves `body` at `path`; returns its URL. */
  serve(path: string, body: Uint8Array | string | object, opts: { delayMs?: number } = {}): string {
    const bytes =
      body instanceof Uint8Array
        ? body
        : new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body));
    const type = body instanceof Uint8Array ? "application/wasm" : "application/json";
    this.routes.set(path, { body: bytes, type, delayMs: opts.delayMs ?? 0 });
    return this.base + path;
  }

  /** Serves a spec document; returns its URI and the keccak of the served bytes (the specHash). */
  serveSpec(name: string, spec: object): { uri: string; hash: string } {
    const bytes = new TextEncoder().encode(JSON.stringify(spec));
    return { uri: this.serve(`/specs/${name}.json`, bytes), hash: keccak256(bytes) };
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface PostedTask {
  taskId: bigint;
  txHash: string;
}

/** Approves the reward and posts a one-round task; the poster must hold `reward` OPEN. */
export async function postTask(
  c: { token: OpenToken; tasks: TaskManager },
  poster: Signer,
  t: {
    kind: keyof typeof TASK_KINDS;
    spec: { uri: string; hash: string };
    reward: bigint;
    redundancy: number;
    deadlineSeconds: number;
  },
): Promise<PostedTask> {
  const tasks = c.tasks.connect(poster);
  await (await c.token.connect(poster).approve(await tasks.getAddress(), t.reward)).wait();
  const block = await poster.provider!.getBlock("latest");
  const deadline = BigInt(block!.timestamp + t.deadlineSeconds);
  const args = [TASK_KINDS[t.kind], t.spec.hash, t.spec.uri, t.reward, t.redundancy, deadline] as const;
  // a margin over the estimate: OPEN's vote checkpoints can cost a new slot in the block that mines it
  const gasLimit = ((await tasks.postTask.estimateGas(...args)) * 3n) / 2n;
  const tx = await tasks.postTask(...args, { gasLimit });
  const receipt = await tx.wait();
  for (const log of receipt!.logs) {
    const ev = tasks.interface.parseLog(log);
    if (ev?.name === "TaskPosted") return { taskId: ev.args.taskId as bigint, txHash: tx.hash };
  }
  throw new Error("postTask emitted no TaskPosted");
}
