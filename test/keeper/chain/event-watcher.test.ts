import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Contract, id, type JsonRpcProvider, type Log, type Wallet } from "ethers";
import { EventWatcher, type ReorgInfo } from "../../../keeper/src/chain/index.js";
import { createMetrics } from "../../../keeper/src/observability/index.js";
import { KeeperStore } from "../../../keeper/src/store/index.js";
import {
  deployOpenToken,
  fundedWallet,
  LocalChain,
  mine,
  OPEN_TOKEN_ARTIFACT,
  provider,
  rpc,
  RpcProxy,
  type DeployedToken,
} from "../helpers/chain.js";
import { silentLogger } from "../helpers/logs.js";
import { waitFor } from "../helpers/p2p.js";

const TRANSFER = id("Transfer(address,address,uint256)");

describe("chain event watcher (real hardhat node)", function () {
  this.timeout(60_000);
  let chain: LocalChain;
  let proxy: RpcProxy;
  let direct: JsonRpcProvider;
  let viaProxy: JsonRpcProvider;
  let holder: Wallet;
  let token: DeployedToken;
  let openToken: Contract;
  let dataDir: string;
  let store: KeeperStore;
  const watchers: EventWatcher[] = [];

  before(async () => {
    chain = await LocalChain.start();
    proxy = await RpcProxy.start(chain.port);
    direct = provider(chain.url);
    viaProxy = provider(proxy.url);
    holder = await fundedWallet(direct);
    token = await deployOpenToken(direct, holder.address);
    const { abi } = JSON.parse(readFileSync(OPEN_TOKEN_ARTIFACT, "utf8")) as { abi: unknown[] };
    openToken = new Contract(token.address, abi as never, holder);
    dataDir = mkdtempSync(join(tmpdir(), "openmesh-watcher-"));
    store = await KeeperStore.init({ config: { dataDir }, logger: silentLogger() });
  });
  afterEach(async () => {
    await Promise.all(watchers.splice(0).map((w) => w.stop()));
  });
  after(async () => {
    await store?.stop();
    direct?.destroy();
    viaProxy?.destroy();
    await proxy?.pause();
    await chain?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** amounts of the Transfer logs delivered, in delivery order */
  function watch(opts: { name: string; confirmations: number; fromBlock: number; onReorg?: (i: ReorgInfo) => void }) {
    const delivered: Log[] = [];
    const metrics = createMetrics({ processMetrics: false });
    const watcher = new EventWatcher(
      { provider: viaProxy, logger: silentLogger(), metrics, cursorStore: store.chainState },
      {
        ...opts,
        address: token.address,
        topics: [TRANSFER],
        pollIntervalMs: 50,
        backoff: { initialMs: 50, maxMs: 200 },
        onLogs: (logs) => void delivered.push(...logs),
      },
    );
    watchers.push(watcher);
    const amounts = () => delivered.map((l) => BigInt(l.data));
    return { watcher, delivered, amounts, metrics };
  }

  const transfer = async (amount: bigint) => {
    const tx = (await openToken.getFunction("transfer")(holder.address, amount)) as { wait(): Promise<unknown> };
    await tx.wait();
  };
  const head = () => direct.getBlockNumber();
  const settle = () => new Promise((r) => setTimeout(r, 300));

  it("delivers a log only once it is `confirmations` blocks deep, in order, exactly once", async () => {
    const w = watch({ name: "confirm", confirmations: 2, fromBlock: (await head()) + 1 });
    await w.watcher.start();
    await transfer(1n);
    await transfer(2n);
    await settle();
    expect(w.amounts()).to.deep.equal([]); // the first has one block on top, it needs two
    await mine(chain.url, 1);
    await waitFor(() => w.amounts().length === 1, "first log confirmed");
    await settle();
    expect(w.amounts()).to.deep.equal([1n]);
    await mine(chain.url, 1);
    await waitFor(() => w.amounts().length === 2, "second log confirmed");
    await mine(chain.url, 3);
    await settle();
    expect(w.amounts()).to.deep.equal([1n, 2n]);
    expect(w.watcher.synced).to.equal(true);
  });

  it("never delivers a log from blocks dropped by a reorg shallower than the confirmation depth", async () => {
    const w = watch({ name: "shallow", confirmations: 3, fromBlock: (await head()) + 1 });
    await w.watcher.start();
    const snapshot = await rpc(chain.url, "evm_snapshot");
    await transfer(111n);
    await mine(chain.url, 1); // 2 deep: not yet confirmed
    await settle();
    await rpc(chain.url, "evm_revert", [snapshot]);
    await transfer(222n);
    await mine(chain.url, 3);
    await waitFor(() => w.amounts().length > 0, "confirmed log on the new branch");
    await settle();
    expect(w.amounts()).to.deep.equal([222n]);
  });

  it("detects a reorg deeper than the confirmation depth, rewinds and delivers the new branch", async () => {
    const reorgs: ReorgInfo[] = [];
    const w = watch({ name: "deep", confirmations: 1, fromBlock: (await head()) + 1, onReorg: (i) => reorgs.push(i) });
    await w.watcher.start();
    const snapshot = await rpc(chain.url, "evm_snapshot");
    await transfer(333n);
    await mine(chain.url, 1);
    await waitFor(() => w.amounts().includes(333n), "delivery before the reorg");
    await rpc(chain.url, "evm_revert", [snapshot]);
    await transfer(444n);
    await mine(chain.url, 2);
    await waitFor(() => w.amounts().includes(444n), "delivery of the new branch");
    expect(reorgs).to.have.length(1);
    expect(reorgs[0]!.expectedHash).to.not.equal(reorgs[0]!.actualHash);
    expect(await w.metrics.registry.getSingleMetricAsString("keeper_chain_reorgs_total")).to.match(/ 1$/m);
  });

  it("rides out an RPC outage with backoff, then delivers everything missed exactly once", async () => {
    const w = watch({ name: "outage", confirmations: 1, fromBlock: (await head()) + 1 });
    await w.watcher.start();
    await proxy.pause();
    for (const a of [5n, 6n, 7n]) await transfer(a);
    await mine(chain.url, 1);
    await waitFor(
      async () =>
        /keeper_chain_rpc_errors_total\{component="event-watcher"\} [2-9]/.test(await w.metrics.registry.metrics()),
      "failed polls during the outage",
    );
    expect(w.amounts()).to.deep.equal([]);
    await proxy.resume();
    await waitFor(() => w.amounts().length === 3, "catch-up after the outage");
    await settle();
    expect(w.amounts()).to.deep.equal([5n, 6n, 7n]);
  });

  it("resumes from its persisted cursor after a restart without redelivering", async () => {
    const first = watch({ name: "restart", confirmations: 1, fromBlock: (await head()) + 1 });
    await first.watcher.start();
    await transfer(8n);
    await mine(chain.url, 1);
    await waitFor(() => first.amounts().length === 1, "first delivery");
    await first.watcher.stop();
    await transfer(9n);
    await mine(chain.url, 1);
    const second = watch({ name: "restart", confirmations: 1, fromBlock: 0 });
    await second.watcher.start();
    await waitFor(() => second.amounts().length === 1, "delivery after restart");
    await settle();
    expect(second.amounts()).to.deep.equal([9n]);
  });
});
