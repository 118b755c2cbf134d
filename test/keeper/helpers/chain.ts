// A real chain for keeper tests: `hardhat node` as a child process (scripts/lib/local-chain.ts),
// a TCP proxy in front of it to simulate RPC outages, and OpenToken deployed from its artifact.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { ContractFactory, JsonRpcProvider, Network, Wallet, parseEther, type JsonRpcSigner } from "ethers";
import { LocalChain, freePort } from "../../../scripts/lib/local-chain.js";
import { PACKAGE_ROOT } from "../../../keeper/src/chain/index.js";

export { LocalChain, freePort };

export const OPEN_TOKEN_ARTIFACT = join(PACKAGE_ROOT, "artifacts/contracts/token/OpenToken.sol/OpenToken.json");
export const TOTAL_SUPPLY = 1_000_000_000n * 10n ** 18n;

export function provider(url: string): JsonRpcProvider {
  const network = Network.from(31337n);
  return new JsonRpcProvider(url, network, { staticNetwork: network, cacheTimeout: -1 });
}

export async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

export async function mine(url: string, blocks = 1): Promise<void> {
  await rpc(url, "hardhat_mine", ["0x" + blocks.toString(16)]);
}

/** A funded random wallet (10 ETH from the node's first unlocked account). */
export async function fundedWallet(p: JsonRpcProvider): Promise<Wallet> {
  const wallet = new Wallet(Wallet.createRandom().privateKey, p);
  const funder: JsonRpcSigner = await p.getSigner(0);
  await (await funder.sendTransaction({ to: wallet.address, value: parseEther("10") })).wait();
  return wallet;
}

export interface DeployedToken {
  address: string;
  deploymentBlock: number;
  holder: string;
}

/** Deploys OpenToken with the whole supply to `holder`, from the compiled artifact. */
export async function deployOpenToken(p: JsonRpcProvider, holder: string): Promise<DeployedToken> {
  if (!existsSync(OPEN_TOKEN_ARTIFACT)) throw new Error(`${OPEN_TOKEN_ARTIFACT} missing: run \`hardhat build\` first`);
  const artifact = JSON.parse(readFileSync(OPEN_TOKEN_ARTIFACT, "utf8")) as { abi: unknown[]; bytecode: string };
  const deployer = await p.getSigner(0);
  const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, deployer);
  // the CCIP admin (governance in a real deploy) does not matter to these tests: the holder
  const contract = await factory.deploy([holder], [TOTAL_SUPPLY], holder);
  const receipt = await contract.deploymentTransaction()!.wait();
  return { address: await contract.getAddress(), deploymentBlock: receipt!.blockNumber, holder };
}

/** Writes deployments/<network>.json in `dir` the way the deploy script does (ABI by artifact). */
export function writeDeploymentFile(dir: string, token: DeployedToken, network = "test"): string {
  mkdirSync(join(dir, "deployments"), { recursive: true });
  const path = join(dir, "deployments", `${network}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      network,
      chainId: 31337,
      deploymentBlock: token.deploymentBlock,
      contracts: {
        OpenToken: {
          address: token.address,
          artifact: "contracts/token/OpenToken.sol:OpenToken",
          abi: "abi/OpenToken.json",
        },
      },
    }),
  );
  return path;
}

/** A TCP proxy in front of the RPC: pause() is an outage (refused + reset), resume() ends it. */
export class RpcProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly target: number,
  ) {}

  static async start(targetPort: number): Promise<RpcProxy> {
    const proxy = new RpcProxy(await freePort(), targetPort);
    await proxy.resume();
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async resume(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", () => resolve()));
    this.server = server;
  }

  async pause(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
