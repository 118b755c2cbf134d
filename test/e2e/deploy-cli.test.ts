// The deploy CLI against a real `hardhat node` over JSON-RPC.
import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { JsonRpcProvider } from "ethers";
import { REPO_ROOT, type DeploymentFile } from "../../scripts/lib/deployment-file.js";
import { LocalChain } from "../../scripts/lib/local-chain.js";
import { OpenToken__factory } from "../../types/ethers-contracts/index.js";

const run = promisify(execFile);
const TSX = join(REPO_ROOT, "node_modules", ".bin", "tsx");

describe("deploy CLI (real hardhat node over JSON-RPC)", function () {
  this.timeout(120_000);
  let chain: LocalChain;
  const network = `e2e-deploy-${process.pid}`;
  const out = join(REPO_ROOT, "deployments", `${network}.json`);
  const config = join(REPO_ROOT, "deployments", "config", "localhost.json");
  const deploy = (...extra: string[]) =>
    run(TSX, ["scripts/deploy.ts", "--network", network, "--config", config, "--rpc", chain.url, ...extra], {
      cwd: REPO_ROOT,
    });

  before(async () => {
    chain = await LocalChain.start();
  });
  after(async () => {
    rmSync(out, { force: true });
    await chain?.stop();
  });

  it("deploys from config and writes a deployment file whose addresses hold the contracts", async () => {
    const { stdout } = await deploy();
    expect(stdout).to.contain(`wrote ${out}`);
    const file = JSON.parse(readFileSync(out, "utf8")) as DeploymentFile;
    expect(file.chainId).to.equal(31337);
    expect(file.deploymentBlock).to.be.greaterThan(0);
    const provider = new JsonRpcProvider(chain.url, undefined, { staticNetwork: true });
    try {
      const token = OpenToken__factory.connect(file.contracts.OpenToken!.address, provider);
      expect(await token.totalSupply()).to.equal(10n ** 27n);
      for (const c of Object.values(file.contracts)) expect(await provider.getCode(c.address)).to.not.equal("0x");
    } finally {
      provider.destroy();
    }
  });

  it("refuses to overwrite an existing deployment without --force, and replaces it with --force", async () => {
    const before = readFileSync(out, "utf8");
    const err = await deploy().then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).to.equal(1);
    expect(err?.stderr).to.contain("refusing to overwrite");
    expect(readFileSync(out, "utf8")).to.equal(before);
    await deploy("--force");
    expect(readFileSync(out, "utf8")).to.not.equal(before);
  });

  it("stops on a bad config before any transaction, naming the field", async () => {
    const provider = new JsonRpcProvider(chain.url, undefined, { staticNetwork: true });
    const blockBefore = await provider.getBlockNumber();
    provider.destroy();
    const bad = join(REPO_ROOT, "deployments", "config", "mainnet.example.json");
    const err = await run(
      TSX,
      ["scripts/deploy.ts", "--network", `${network}-bad`, "--config", bad, "--rpc", chain.url],
      {
        cwd: REPO_ROOT,
      },
    ).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).to.equal(1);
    expect(err?.stderr).to.contain("allocation.team.beneficiaries.0.to");
    expect(existsSync(join(REPO_ROOT, "deployments", `${network}-bad.json`))).to.equal(false);
    const provider2 = new JsonRpcProvider(chain.url, undefined, { staticNetwork: true });
    expect(await provider2.getBlockNumber()).to.equal(blockBefore);
    provider2.destroy();
  });
});
