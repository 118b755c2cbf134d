import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { Log } from "ethers";
import { KeeperConfigSchema, type KeeperConfig } from "../../keeper/src/config/index.js";
import { KeeperIdentity } from "../../keeper/src/identity/index.js";
import { Keeper } from "../../keeper/src/node.js";
import {
  deployOpenToken,
  fundedWallet,
  LocalChain,
  provider,
  writeDeploymentFile,
  type DeployedToken,
} from "./helpers/chain.js";
import { silentLogger } from "./helpers/logs.js";
import { waitFor } from "./helpers/p2p.js";

describe("Keeper (modules wired, real chain)", function () {
  this.timeout(60_000);
  let chain: LocalChain;
  let dir: string;
  let token: DeployedToken;
  let config: KeeperConfig;

  before(async () => {
    chain = await LocalChain.start();
    const p = provider(chain.url);
    token = await deployOpenToken(p, (await fundedWallet(p)).address);
    p.destroy();
    dir = mkdtempSync(join(tmpdir(), "openmesh-keeper-"));
    await KeeperIdentity.generate(join(dir, "keys"));
    config = {
      ...KeeperConfigSchema.parse({
        rpcUrl: chain.url,
        keyDir: join(dir, "keys"),
        dataDir: join(dir, "data"),
        metricsPort: 0,
        chain: { confirmations: 0, pollIntervalMs: 100 },
        p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], dhtAddressScope: "lan" },
      }),
      deploymentFile: writeDeploymentFile(dir, token),
    };
  });
  after(async () => {
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts, follows the deployment's contract logs from the deployment block, reports health, and stops", async () => {
    const keeper = await Keeper.init({ config, logger: silentLogger() });
    const logs: Log[] = [];
    keeper.onProtocolLogs((batch) => void logs.push(...batch));
    expect(keeper.health().ready).to.equal(false);
    await keeper.start();
    try {
      await waitFor(() => logs.length > 0, "the genesis mint log");
      expect(logs[0]!.address).to.equal(token.address);
      expect(logs[0]!.blockNumber).to.equal(token.deploymentBlock);
      await waitFor(() => keeper.health().synced, "synced");
      const res = await fetch(`http://127.0.0.1:${keeper.server.port}/health`);
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({
        ready: true,
        peers: 0,
        synced: true,
        epoch: null,
        lastCheckpointAgeSeconds: null,
        consensus: null, // no consensus runs on this deployment
        notReadyReason: null,
      });
      keeper.statusSources.epoch = () => 3;
      keeper.statusSources.lastCheckpointAtMs = () => Date.now() - 30_000;
      expect(keeper.health()).to.include({ epoch: 3, lastCheckpointAgeSeconds: 30 });
    } finally {
      await keeper.stop();
    }
    expect(keeper.store.isOpen).to.equal(false);
    await keeper.stop(); // idempotent
  });

  it("resumes the protocol log cursor from the store after a restart", async () => {
    const keeper = await Keeper.init({ config, logger: silentLogger() });
    const logs: Log[] = [];
    keeper.onProtocolLogs((batch) => void logs.push(...batch));
    await keeper.start();
    try {
      await waitFor(() => keeper.health().synced, "synced");
      expect(logs).to.deep.equal([]); // the mint was delivered in the previous run
    } finally {
      await keeper.stop();
    }
  });

  it("refuses to start a second keeper on the same data dir", async () => {
    const first = await Keeper.init({ config, logger: silentLogger() });
    try {
      const err = await Keeper.init({ config, logger: silentLogger() }).then(
        () => null,
        (e: unknown) => e,
      );
      expect((err as Error).name).to.equal("StoreOpenError");
    } finally {
      await first.stop();
    }
  });
});
