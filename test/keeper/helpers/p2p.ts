// Real libp2p keepers on loopback for tests: fresh keys, an in-memory operator directory,
// discovery timing shortened so tests take seconds.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { Wallet } from "ethers";
import { P2pConfigSchema, type P2pConfig } from "../../../keeper/src/config/index.js";
import { createMetrics, type KeeperMetrics, type Logger } from "../../../keeper/src/observability/index.js";
import {
  InMemoryOperatorDirectory,
  P2pNode,
  type DiscoveryOptions,
  type OperatorDirectory,
  type TopicSpec,
} from "../../../keeper/src/p2p/index.js";
import type { KeeperStore } from "../../../keeper/src/store/index.js";
import { silentLogger } from "./logs.js";

export const TEST_CHAIN_ID = 31337n;

export interface TestPeer {
  node: P2pNode;
  wallet: Wallet;
  operator: string;
  peerId: string;
  metrics: KeeperMetrics;
}

export interface TestPeerOptions {
  directory: OperatorDirectory;
  /** add this peer to the directory (when the directory is an InMemoryOperatorDirectory) */
  register?: boolean;
  p2p?: Partial<P2pConfig>;
  topics?: Array<TopicSpec<unknown>>;
  logger?: Logger;
  store?: KeeperStore;
  /** discovery timing (default: fast rounds, so tests take seconds) */
  discovery?: Partial<DiscoveryOptions>;
}

export function loopbackP2pConfig(overrides: Partial<P2pConfig> = {}): P2pConfig {
  return P2pConfigSchema.parse({
    listen: ["/ip4/127.0.0.1/tcp/0"],
    dhtAddressScope: "lan",
    loopbackWhitelist: true,
    inboundConnectionThreshold: 100,
    discoveryIntervalMs: 500,
    requestTimeoutMs: 2_000,
    ...overrides,
  });
}

export async function createTestPeer(opts: TestPeerOptions): Promise<TestPeer> {
  const privateKey = await generateKeyPair("Ed25519");
  const peerId = peerIdFromPrivateKey(privateKey).toString();
  const wallet = new Wallet(Wallet.createRandom().privateKey);
  const metrics = createMetrics({ processMetrics: false });
  if (opts.register ?? true) {
    if (!(opts.directory instanceof InMemoryOperatorDirectory))
      throw new Error("register needs an in-memory directory");
    opts.directory.set({ peerId, operator: wallet.address, signer: wallet.address, status: "active" });
  }
  const node = await P2pNode.init({
    config: loopbackP2pConfig(opts.p2p),
    privateKey,
    signer: { operator: wallet.address, signingKey: wallet.signingKey, chainId: TEST_CHAIN_ID },
    directory: opts.directory,
    logger: opts.logger ?? silentLogger(),
    metrics,
    topics: opts.topics,
    store: opts.store,
    discovery: { fastIntervalMs: 200, queryTimeoutMs: 3_000, ...opts.discovery },
  });
  return { node, wallet, operator: wallet.address, peerId, metrics };
}

/** Resolves once `check` holds, polling; rejects with `what` after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stopAll(peers: Array<{ node: { stop(): Promise<void> } } | undefined>): Promise<void> {
  await Promise.all(peers.map((p) => p?.node.stop()));
}
