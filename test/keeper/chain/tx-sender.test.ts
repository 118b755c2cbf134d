import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Interface, Wallet, type JsonRpcProvider } from "ethers";
import {
  ChainClient,
  TxRevertedError,
  TxSender,
  TxSenderInUseError,
  type TxSenderOptions,
} from "../../../keeper/src/chain/index.js";
import { createMetrics, type KeeperMetrics } from "../../../keeper/src/observability/index.js";
import { KeeperStore } from "../../../keeper/src/store/index.js";
import {
  deployOpenToken,
  fundedWallet,
  LocalChain,
  provider,
  rpc,
  RpcProxy,
  writeDeploymentFile,
  type DeployedToken,
} from "../helpers/chain.js";
import { silentLogger } from "../helpers/logs.js";
import { waitFor } from "../helpers/p2p.js";

describe("chain tx sender (real hardhat node)", function () {
  this.timeout(60_000);
  let chain: LocalChain;
  let proxy: RpcProxy;
  let direct: JsonRpcProvider;
  let client: ChainClient;
  let holder: Wallet;
  let token: DeployedToken;
  let iface: Interface;
  let dir: string;
  let store: KeeperStore;
  const senders: TxSender[] = [];

  before(async () => {
    chain = await LocalChain.start();
    proxy = await RpcProxy.start(chain.port);
    direct = provider(chain.url);
    holder = await fundedWallet(direct);
    token = await deployOpenToken(direct, holder.address);
    dir = mkdtempSync(join(tmpdir(), "openmesh-tx-"));
    const deploymentFile = writeDeploymentFile(dir, token);
    client = await ChainClient.init({
      config: { rpcUrl: proxy.url, deploymentFile },
      logger: silentLogger(),
      metrics: createMetrics({ processMetrics: false }),
    });
    iface = client.info("OpenToken").iface;
    store = await KeeperStore.init({ config: { dataDir: join(dir, "data") }, logger: silentLogger() });
  });
  afterEach(async () => {
    await Promise.all(senders.splice(0).map((s) => s.stop()));
    await rpc(chain.url, "evm_setAutomine", [true]);
  });
  after(async () => {
    await store?.stop();
    await client?.stop();
    direct?.destroy();
    await proxy?.pause();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function sender(wallet: Wallet, options: Partial<TxSenderOptions> = {}, metrics?: KeeperMetrics) {
    const m = metrics ?? createMetrics({ processMetrics: false });
    const s = await TxSender.init(
      {
        signer: wallet.connect(client.provider) as Wallet,
        provider: client.provider,
        logger: silentLogger(),
        metrics: m,
        decoder: client.decoder,
        pending: store.pendingTxs,
        chainId: client.chainId,
      },
      { receiptPollMs: 50, backoff: { initialMs: 50, maxMs: 300 }, ...options },
    );
    senders.push(s);
    return { s, metrics: m };
  }
  const transferData = (to: string, amount: bigint) => iface.encodeFunctionData("transfer", [to, amount]);
  const count = async (m: KeeperMetrics, result: string) => {
    const metric = await m.chainTxTotal.get();
    return metric.values.find((v) => v.labels.result === result)?.value ?? 0;
  };

  it("sends concurrent transactions with consecutive nonces from one local counter", async () => {
    const { s, metrics } = await sender(holder);
    const start = await direct.getTransactionCount(holder.address);
    const receipts = await Promise.all(
      [1n, 2n, 3n, 4n, 5n].map((a) =>
        s.send({ to: token.address, data: transferData(Wallet.createRandom().address, a) }),
      ),
    );
    const nonces = await Promise.all(receipts.map(async (r) => (await direct.getTransaction(r.hash))!.nonce));
    expect(nonces.sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4].map((i) => start + i));
    expect(receipts.every((r) => r.status === 1)).to.equal(true);
    expect(await count(metrics, "sent")).to.equal(5);
    expect(await count(metrics, "mined")).to.equal(5);
  });

  it("decodes a custom error when the transaction would revert, and consumes no nonce", async () => {
    const poor = await fundedWallet(direct);
    const { s } = await sender(poor);
    const err = await s.send({ to: token.address, data: transferData(holder.address, 1n) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(TxRevertedError);
    expect((err as TxRevertedError).stage).to.equal("estimate");
    expect((err as Error).message).to.equal(
      `transaction would revert: OpenToken.ERC20InsufficientBalance(sender=${poor.address}, balance=0, needed=1)`,
    );
    const receipt = await s.send({ to: holder.address, value: 1n });
    expect((await direct.getTransaction(receipt.hash))!.nonce).to.equal(0);
  });

  it("decodes the custom error of a transaction that was mined and reverted", async () => {
    const poor = await fundedWallet(direct);
    const { s } = await sender(poor);
    const err = await s.send({ to: token.address, data: transferData(holder.address, 7n), gasLimit: 100_000n }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(TxRevertedError);
    expect((err as TxRevertedError).stage).to.equal("mined");
    expect((err as TxRevertedError).receipt?.status).to.equal(0);
    expect((err as Error).message).to.match(
      /reverted: OpenToken\.ERC20InsufficientBalance\(sender=0x\w+, balance=0, needed=7\)/,
    );
  });

  it("replaces a transaction that is not mined in time with higher fees and the same nonce", async () => {
    const { s, metrics } = await sender(holder, { stuckAfterMs: 300 });
    await rpc(chain.url, "evm_setAutomine", [false]);
    const nonce = await direct.getTransactionCount(holder.address, "pending");
    const sent = s.send({ to: token.address, data: transferData(Wallet.createRandom().address, 42n) });
    await waitFor(async () => (await count(metrics, "replaced")) >= 1, "a fee bump");
    await rpc(chain.url, "evm_mine");
    const receipt = await sent;
    const mined = (await direct.getTransaction(receipt.hash))!;
    expect(mined.nonce).to.equal(nonce);
    const block = await direct.getBlock(receipt.blockNumber, true);
    expect(block!.transactions).to.have.length(1); // the original was replaced, not mined too
    expect(await count(metrics, "mined")).to.equal(1);
  });

  it("retries with backoff across an RPC outage and then sends", async () => {
    const { s, metrics } = await sender(holder);
    await proxy.pause();
    const sent = s.send({ to: token.address, data: transferData(Wallet.createRandom().address, 3n) });
    await waitFor(async () => (await count(metrics, "retried")) >= 2, "retries during the outage");
    await proxy.resume();
    expect((await sent).status).to.equal(1);
  });

  it("allows one sender per key in a process", async () => {
    const { s } = await sender(holder);
    const err = await sender(holder).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(TxSenderInUseError);
    await s.stop();
    await sender(holder); // released by stop()
  });

  it("after a restart, rebroadcasts what was in flight and never reuses its nonce", async () => {
    const first = await sender(holder);
    await rpc(chain.url, "evm_setAutomine", [false]);
    const nonce = await direct.getTransactionCount(holder.address, "pending");
    const lost = first.s
      .send({ to: token.address, data: transferData(Wallet.createRandom().address, 11n) })
      .catch((e: unknown) => e);
    await waitFor(async () => (await store.pendingTxs.keys()).length === 1, "the in-flight record");
    await first.s.stop(); // the "crash": nobody waits for it any more
    expect(await lost).to.be.instanceOf(Error);
    const [key] = await store.pendingTxs.keys();
    const [hash] = ((await store.pendingTxs.get(key!)) as { hashes: string[] }).hashes;
    expect(await rpc(chain.url, "hardhat_dropTransaction", [hash])).to.equal(true); // the node forgot it too
    expect(await direct.getTransactionCount(holder.address, "pending")).to.equal(nonce);

    const second = await sender(holder);
    const next = second.s.send({ to: token.address, data: transferData(Wallet.createRandom().address, 12n) });
    await waitFor(
      async () => (await direct.getTransactionCount(holder.address, "pending")) === nonce + 2,
      "both in the pool",
    );
    await rpc(chain.url, "evm_mine");
    const receipt = await next;
    expect((await direct.getTransaction(receipt.hash))!.nonce).to.equal(nonce + 1);
    expect(await direct.getTransactionCount(holder.address, "latest")).to.equal(nonce + 2);
    await waitFor(async () => (await store.pendingTxs.keys()).length <= 1, "mined record removed");
  });
});
