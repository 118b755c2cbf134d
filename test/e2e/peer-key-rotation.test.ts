// `openmesh-keeper rotate-peer-key` against a real chain: the operator registers with one libp2p
// key, rotates to a new one through Staking.updateNetwork, and the chain-backed operator directory
// (what every keeper's gossip validation asks) then maps only the new peer id to the operator.
// An interrupted rotation (transaction mined, key files not yet switched) completes on a rerun.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { HDNodeWallet, hexlify, JsonRpcProvider, Network, parseEther, toUtf8Bytes, toUtf8String, Wallet } from "ethers";
import { ChainOperatorDirectory } from "../../keeper/src/bft/chain-directory.js";
import { runCli } from "../../keeper/src/cli/main.js";
import { KeeperIdentity } from "../../keeper/src/identity/index.js";
import { NEXT_LIBP2P_KEY_FILE, nextPeerKey } from "../../keeper/src/identity/peer-key-rotation.js";
import { deployProtocol, type Deployed } from "../../scripts/lib/deploy.js";
import { REPO_ROOT, writeDeployment } from "../../scripts/lib/deployment-file.js";
import { loadGenesisConfig } from "../../scripts/lib/genesis-config.js";
import { LocalChain } from "../../scripts/lib/local-chain.js";
import { silentLogger } from "../keeper/helpers/logs.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const ownerKey = (i: number) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;

describe("e2e: rotate-peer-key moves an operator to a new libp2p key on chain and in the keepers' directory", function () {
  let root: string;
  let chain: LocalChain;
  let provider: JsonRpcProvider;
  let deployed: Deployed;
  let deploymentFile: string;

  async function cli(args: string[], owner?: number): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(["node", "openmesh-keeper", ...args], {
      out: (s) => out.push(s),
      err: (s) => err.push(s),
      env: owner === undefined ? {} : { OPENMESH_OWNER_KEY: ownerKey(owner) },
      cwd: root,
      setExitCode: () => {},
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  /** A keeper directory whose keys are registered by account `owner`; returns its config file. */
  async function registeredKeeper(name: string, owner: number): Promise<string> {
    const keyDir = join(root, name, "keys");
    const identity = await KeeperIdentity.generate(keyDir);
    await (
      await (await provider.getSigner(0)).sendTransaction({ to: identity.signerAddress, value: parseEther("1") })
    ).wait();
    const config = join(root, name, "keeper.json");
    writeFileSync(config, JSON.stringify({ rpcUrl: chain.url, keyDir: "keys", dataDir: "data", deploymentFile }));
    const res = await cli(["register", "--config", config, "--stake", "20000"], owner);
    expect(res.code, res.out + res.err).to.equal(0);
    return config;
  }

  async function directory(): Promise<ChainOperatorDirectory> {
    const d = new ChainOperatorDirectory(deployed.staking.connect(provider), 0, silentLogger());
    await d.refresh();
    return d;
  }

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "openmesh-rotate-"));
    chain = await LocalChain.start();
    const network = Network.from(31337n);
    provider = new JsonRpcProvider(chain.url, network, { staticNetwork: network });
    const cfg = loadGenesisConfig(join(REPO_ROOT, "deployments", "config", "localhost.json"));
    const accounts = (await provider.listAccounts()).map((a) => a.address);
    deployed = await deployProtocol(await provider.getSigner(0), cfg, { localAccounts: accounts });
    deploymentFile = join(root, "deployment.json");
    writeDeployment(deploymentFile, deployed.file, false);
  });

  after(async () => {
    provider?.destroy();
    await chain?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("registers the new peer id and endpoint, switches the key files, keeps the old key retired", async () => {
    const config = await registeredKeeper("a", 1);
    const operator = new Wallet(ownerKey(1)).address;
    const keyDir = join(root, "a", "keys");
    const before = (await KeeperIdentity.init({ config: { keyDir } })).peerId.toString();
    expect((await directory()).byPeerId(before)?.operator).to.equal(operator);

    const res = await cli(["rotate-peer-key", "--config", config], 1);
    expect(res.code, res.out + res.err).to.equal(0);
    const report = JSON.parse(res.out) as { oldPeerId: string; newPeerId: string; retiredKeyFile: string };
    expect(report.oldPeerId).to.equal(before);
    expect(report.newPeerId).to.not.equal(before);

    const [peerIdBytes] = await deployed.staking.networkOf(operator);
    expect(toUtf8String(peerIdBytes)).to.equal(report.newPeerId);
    expect((await KeeperIdentity.init({ config: { keyDir } })).peerId.toString()).to.equal(report.newPeerId);
    expect(readdirSync(keyDir)).to.include(`libp2p.retired-${before}.json`);
    expect(existsSync(join(keyDir, NEXT_LIBP2P_KEY_FILE))).to.equal(false);

    // keepers follow the chain: the old peer id no longer speaks for anyone
    const dir = await directory();
    expect(dir.byPeerId(report.newPeerId)?.operator).to.equal(operator);
    expect(dir.byPeerId(before)).to.equal(undefined);
  });

  it("completes a rotation interrupted after its transaction was mined, without a second transaction", async () => {
    const config = await registeredKeeper("b", 2);
    const owner = new Wallet(ownerKey(2), provider);
    const keyDir = join(root, "b", "keys");
    // the first run got as far as updateNetwork, then died before switching the files
    const pending = (await nextPeerKey(keyDir)).toString();
    await (
      await deployed.staking
        .connect(owner)
        .updateNetwork(hexlify(toUtf8Bytes(pending)), `/ip4/127.0.0.1/tcp/4001/p2p/${pending}`)
    ).wait();
    const nonce = await provider.getTransactionCount(owner.address);

    const res = await cli(["rotate-peer-key", "--config", config], 2);
    expect(res.code, res.out + res.err).to.equal(0);
    expect((JSON.parse(res.out) as { newPeerId: string; tx?: string }).tx).to.equal(undefined);
    expect(await provider.getTransactionCount(owner.address)).to.equal(nonce);
    expect((await KeeperIdentity.init({ config: { keyDir } })).peerId.toString()).to.equal(pending);
  });

  it("refuses an owner key whose registration names another keeper, changing no file and sending nothing", async () => {
    const config = join(root, "a", "keeper.json");
    const keyDir = join(root, "a", "keys");
    const files = readdirSync(keyDir).sort();
    const res = await cli(["rotate-peer-key", "--config", config], 2);
    expect(res.code).to.equal(1);
    expect(res.err + res.out).to.contain("wrong --config or owner key?");
    expect(readdirSync(keyDir).sort()).to.deep.equal(files);
  });

  it("refuses to run without the operator's key, saying how to give it", async () => {
    const res = await cli(["rotate-peer-key", "--config", join(root, "a", "keeper.json")]);
    expect(res.code).to.equal(1);
    expect(res.err + res.out).to.contain("OPENMESH_OWNER_KEY");
  });
});
