import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { KeeperConfigSchema } from "../../../keeper/src/config/index.js";
import { KeeperIdentity } from "../../../keeper/src/identity/index.js";
import { Keeper } from "../../../keeper/src/node.js";
import { DvmAccess__factory } from "../../../types/ethers-contracts/index.js";
import { runDemoJob } from "../../../scripts/lib/demo/job-step.js";
import { storeAndReadBack } from "../../../scripts/lib/workspace-client.js";
import { silentLogger } from "../helpers/logs.js";
import { startLeaseChain, type LeaseChain } from "./lease-chain.js";

describe("Keeper serves the workspace of its operator's leases (demo step: wallet sign-in, S3 keys, store and read back, run a job)", function () {
  this.timeout(90_000);
  let lc: LeaseChain;
  let dir: string;

  before(async () => {
    lc = await startLeaseChain();
    dir = mkdtempSync(join(tmpdir(), "om-keeper-ws-"));
  });
  after(async () => {
    await lc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("mounts /api and /s3 on the keeper's HTTP server when the deployment has DvmAccess", async () => {
    const operator = await lc.wallet();
    const renter = await lc.wallet();
    const leaseId = await lc.mint(renter.address, operator.address, 1, 3600);
    const otherLease = await lc.mint(renter.address, (await lc.wallet()).address, 1, 3600);
    mkdirSync(join(dir, "deployments"));
    const deploymentFile = join(dir, "deployments", "test.json");
    writeFileSync(
      deploymentFile,
      JSON.stringify({
        network: "test",
        chainId: 31337,
        deploymentBlock: 0,
        contracts: { DvmAccess: { address: await lc.dvm.getAddress(), abi: DvmAccess__factory.abi } },
      }),
    );
    await KeeperIdentity.generate(join(dir, "keys"));
    const config = {
      ...KeeperConfigSchema.parse({
        rpcUrl: lc.chain.url,
        operator: operator.address,
        keyDir: join(dir, "keys"),
        dataDir: join(dir, "data"),
        metricsPort: 0,
        chain: { confirmations: 0, pollIntervalMs: 200 },
        p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], dhtAddressScope: "lan" },
      }),
      deploymentFile,
    };
    const keeper = await Keeper.init({ config, logger: silentLogger() });
    await keeper.start();
    try {
      expect(keeper.workspace).to.not.equal(undefined);
      const baseUrl = `http://127.0.0.1:${keeper.server.port}`;
      const body = Buffer.from("hello from the renter's wallet\n".repeat(100));
      const r = await storeAndReadBack({
        baseUrl,
        wallet: renter,
        chainId: 31337,
        leaseId,
        bucket: "demo",
        key: "hello.txt",
        body,
      });
      expect(r.matches).to.equal(true);
      expect(r.status).to.deep.include({ mode: "read-write" });
      expect((r.status.storage as { usedBytes: number }).usedBytes).to.equal(body.length);
      // the demo's job: a wasm module on the keeper's job workers, output and logs back
      const run = await runDemoJob(baseUrl, r.token, leaseId, "hello, OpenMesh");
      expect([run.output, run.logs]).to.deep.equal(["hseMnepO ,olleh", "reversing the input\n"]);
      // a lease served by another provider is not this keeper's business
      const other = await storeAndReadBack({
        baseUrl,
        wallet: renter,
        chainId: 31337,
        leaseId: otherLease,
        bucket: "demo",
        key: "x",
        body,
      }).catch((e: Error) => e);
      expect(String(other)).to.match(/404 lease_unknown/);
      // the metrics server still answers as before
      expect((await fetch(`${baseUrl}/health`)).status).to.be.oneOf([200, 503]);
    } finally {
      await keeper.stop();
    }
  });
});
