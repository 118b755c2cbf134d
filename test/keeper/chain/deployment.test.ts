import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { AbiCoder, Interface, Wallet } from "ethers";
import {
  ChainClient,
  ChainConfigError,
  DeploymentError,
  ErrorDecoder,
  loadDeployment,
  revertDataOf,
} from "../../../keeper/src/chain/index.js";
import { createMetrics } from "../../../keeper/src/observability/index.js";
import { OpenToken__factory } from "../../../types/ethers-contracts/index.js";
import {
  deployOpenToken,
  fundedWallet,
  LocalChain,
  OPEN_TOKEN_ARTIFACT,
  provider,
  writeDeploymentFile,
} from "../helpers/chain.js";
import { capturingLogger, silentLogger } from "../helpers/logs.js";

const tokenAbi = () => (JSON.parse(readFileSync(OPEN_TOKEN_ARTIFACT, "utf8")) as { abi: unknown[] }).abi;
const fakeToken = { address: "0x" + "11".repeat(20), deploymentBlock: 3, holder: "0x" + "22".repeat(20) };

describe("chain deployment file and error decoding", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "openmesh-deploy-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("loads the deploy script's format, resolving the ABI from the Hardhat artifact when abi/ is absent", () => {
    const d = loadDeployment(writeDeploymentFile(dir, fakeToken));
    expect(d.chainId).to.equal(31337n);
    expect(d.deploymentBlock).to.equal(3);
    const token = d.contracts.get("OpenToken")!;
    expect(token.address).to.equal("0x1111111111111111111111111111111111111111");
    expect(token.iface.getFunction("transfer")).to.not.equal(null);
  });

  it("accepts an inline ABI", () => {
    const path = join(dir, "inline.json");
    writeFileSync(
      path,
      JSON.stringify({
        network: "x",
        chainId: 1,
        deploymentBlock: 0,
        contracts: { T: { address: fakeToken.address, abi: tokenAbi() } },
      }),
    );
    expect(loadDeployment(path).contracts.get("T")!.iface.getError("ERC20InsufficientBalance")).to.not.equal(null);
  });

  it("explains a missing file, a malformed file and a contract without an ABI", () => {
    expect(() => loadDeployment(join(dir, "nope.json"))).to.throw(
      DeploymentError,
      /no deployment file at .*deploy first/,
    );
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ network: "x", chainId: "one", contracts: {} }));
    expect(() => loadDeployment(bad)).to.throw(DeploymentError, /malformed: .*chainId/s);
    writeFileSync(
      bad,
      JSON.stringify({
        network: "x",
        chainId: 1,
        deploymentBlock: 0,
        contracts: { Ghost: { address: fakeToken.address, abi: "abi/Ghost.json" } },
      }),
    );
    expect(() => loadDeployment(bad)).to.throw(
      DeploymentError,
      /no ABI for contract Ghost: looked for .*abi\/Ghost\.json/,
    );
  });

  it("decodes custom errors with argument names, Error(string), Panic and unknown selectors", () => {
    const iface = new Interface(tokenAbi() as never);
    const decoder = new ErrorDecoder([{ name: "OpenToken", iface }]);
    const sender = Wallet.createRandom().address;
    const custom = iface.encodeErrorResult("ERC20InsufficientBalance", [sender, 5n, 9n]);
    expect(decoder.decodeData(custom).message).to.equal(
      `OpenToken.ERC20InsufficientBalance(sender=${sender}, balance=5, needed=9)`,
    );
    const reason = "0x08c379a0" + AbiCoder.defaultAbiCoder().encode(["string"], ["nope"]).slice(2);
    expect(decoder.decodeData(reason)).to.deep.equal({
      kind: "error-string",
      reason: "nope",
      message: "reverted: nope",
    });
    const panic = "0x4e487b71" + AbiCoder.defaultAbiCoder().encode(["uint256"], [0x11]).slice(2);
    expect(decoder.decodeData(panic).message).to.equal("panic 0x11: arithmetic overflow or underflow");
    expect(decoder.decodeData("0xdeadbeef").message).to.match(/unknown error 0xdeadbeef/);
    expect(decoder.decodeData("0x").message).to.equal("reverted without a reason");
    // Revert data buried in a JSON-RPC error, as ethers reports it.
    expect(revertDataOf({ code: "UNKNOWN_ERROR", error: { code: 3, data: custom } })).to.equal(custom);
    expect(decoder.describe({ info: { error: { data: custom } } })).to.match(/^OpenToken\.ERC20InsufficientBalance/);
  });

  describe("ChainClient against a real node", function () {
    this.timeout(60_000);
    let chain: LocalChain;
    before(async () => {
      chain = await LocalChain.start();
    });
    after(() => chain?.stop());

    const init = (deploymentFile: string, rpcUrl = chain.url, logger = silentLogger()) =>
      ChainClient.init({
        config: { rpcUrl, deploymentFile },
        logger,
        metrics: createMetrics({ processMetrics: false }),
      });

    it("reads deployed contracts through typed and untyped bindings", async () => {
      const p = provider(chain.url);
      const holder = await fundedWallet(p);
      const token = await deployOpenToken(p, holder.address);
      p.destroy();
      const client = await init(writeDeploymentFile(dir, token));
      try {
        const c = client.contract("OpenToken");
        expect(await c.getFunction("balanceOf")(holder.address)).to.equal(10n ** 27n);
        expect(await c.getFunction("symbol")()).to.equal("OPEN");
        const typed = client.typed("OpenToken", OpenToken__factory);
        expect(await typed.totalSupply()).to.equal(10n ** 27n);
        expect(() => client.contract("Nope")).to.throw(ChainConfigError, /not in .* \(it has: OpenToken\)/);
      } finally {
        await client.stop();
      }
    });

    it("stops start-up when the RPC serves another chain than the deployment file's", async () => {
      const path = writeDeploymentFile(dir, fakeToken);
      writeFileSync(path, readFileSync(path, "utf8").replace('"chainId":31337', '"chainId":1'));
      const err = await init(path).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(ChainConfigError);
      expect((err as Error).message).to.match(/serves chain 31337, but .* is for chain 1/);
    });

    it("starts with an unreachable RPC, logging a warning (loops retry later)", async () => {
      const logs = capturingLogger();
      const client = await init(writeDeploymentFile(dir, fakeToken), "http://127.0.0.1:1", logs.logger);
      await client.stop();
      expect(logs.find(/RPC unreachable at start-up/)).to.have.length(1);
    });
  });
});
