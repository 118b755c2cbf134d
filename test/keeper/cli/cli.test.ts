import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { getAddress, getBytes } from "ethers";
import { verifyProofOfPossession } from "../../../keeper/src/crypto/bls.js";
import { runCli } from "../../../keeper/src/cli/main.js";
import type { CliIo } from "../../../keeper/src/cli/io.js";
import { KEEPER_NODE_FLAGS } from "../../../keeper/src/cli/node-flags.js";
import { PACKAGE_ROOT } from "../../../keeper/src/chain/index.js";
import { freePort } from "../helpers/chain.js";
import { waitFor } from "../helpers/p2p.js";

const BIN = join(PACKAGE_ROOT, "keeper", "bin", "openmesh-keeper.js");

function captureIo(env: NodeJS.ProcessEnv = {}, cwd = process.cwd()) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env, cwd, setExitCode: () => {} };
  return { io, out, err };
}

const cli = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const c = captureIo(env);
  const code = await runCli(["node", "openmesh-keeper", ...args], c.io);
  return { code, out: c.out.join("\n"), err: c.err.join("\n") };
};

describe("openmesh-keeper CLI", function () {
  this.timeout(60_000);
  let dir: string;
  let child: ChildProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "openmesh-cli-"));
  });
  afterEach(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    child = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints help through the bin launcher (tsx registered by keeper/bin/openmesh-keeper.js)", async () => {
    const p = spawn(process.execPath, [BIN, "--help"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const code = await new Promise((r) => p.on("exit", r));
    expect(code).to.equal(0);
    for (const cmd of ["init", "start", "status", "register"]) expect(out).to.match(new RegExp(`^  ${cmd} `, "m"));
  });

  it("passes the keeper's Node flags in the launcher's shebang", () => {
    const shebang = readFileSync(BIN, "utf8").split("\n")[0]!;
    expect(shebang.startsWith("#!/usr/bin/env -S node ")).to.equal(true);
    for (const flag of KEEPER_NODE_FLAGS) expect(shebang.split(" ")).to.include(flag);
  });

  it("init writes keys and prints the peer id, signer address, BLS key and addresses; a second init refuses", async () => {
    const keyDir = join(dir, "keys");
    const config = join(dir, "keeper.json");
    writeFileSync(config, JSON.stringify({ keyDir, dataDir: "data", p2p: { listen: ["/ip4/10.0.0.5/tcp/4001"] } }));
    const first = await cli(["init", "--config", config]);
    expect(first.code).to.equal(0);
    expect(first.out).to.match(/^peer id: +12D3KooW\w+$/m);
    expect(first.out).to.match(/^signer address: +0x[0-9a-fA-F]{40}$/m);
    expect(first.out).to.match(/^BLS public key: +0x[0-9a-f]{512}$/m);
    expect(first.out).to.match(/^address: +\/ip4\/10\.0\.0\.5\/tcp\/4001\/p2p\/12D3KooW\w+$/m);
    expect(existsSync(join(keyDir, "bls.json"))).to.equal(true);
    const again = await cli(["init", "--key-dir", keyDir]);
    expect(again.code).to.equal(1);
    expect(again.err).to.match(/^error: key directory .* refusing to replace keys/);
  });

  it("init --operator prints the BLS proof of possession made for that operator address, and it verifies", async () => {
    const keyDir = join(dir, "keys-pop");
    const operator = "0x00000000000000000000000000000000000A0000";
    const res = await cli(["init", "--key-dir", keyDir, "--json", "--operator", operator]);
    expect(res.code).to.equal(0);
    const pub = JSON.parse(res.out) as { blsPublicKey: string; blsProofOfPossession: string; operator: string };
    expect(pub.operator).to.equal(getAddress(operator));
    const [pk, pop] = [getBytes(pub.blsPublicKey), getBytes(pub.blsProofOfPossession)];
    expect(verifyProofOfPossession(pk, pop, operator)).to.equal(true);
    expect(verifyProofOfPossession(pk, pop, "0x00000000000000000000000000000000000B0B00")).to.equal(false);
    const bad = await cli(["init", "--key-dir", join(dir, "keys-bad"), "--operator", "not-an-address"]);
    expect(bad.code).to.equal(1);
    expect(bad.err).to.match(/--operator must be an address/);
  });

  it("refuses to start on a bad config, naming the field", async () => {
    const config = join(dir, "bad.json");
    writeFileSync(config, JSON.stringify({ keyDir: "k", dataDir: "d", rpcUrl: "http://x", metricsPort: "abc" }));
    const res = await cli(["start", "--config", config]);
    expect(res.code).to.equal(1);
    expect(res.err).to.match(/metricsPort \(from .*bad\.json\): expected an integer TCP port, got "abc"/);
  });

  it("starts a keeper that serves /health, reports through `status`, and shuts down cleanly on SIGTERM", async () => {
    const keyDir = join(dir, "keys");
    expect((await cli(["init", "--key-dir", keyDir])).code).to.equal(0);
    const metricsPort = await freePort();
    const config = join(dir, "keeper.json");
    writeFileSync(
      config,
      JSON.stringify({
        keyDir,
        dataDir: join(dir, "data"),
        metricsPort,
        logLevel: "info",
        chain: { enabled: false },
        p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], dhtAddressScope: "lan" },
      }),
    );
    child = spawn(process.execPath, [BIN, "start", "--config", config], { stdio: ["ignore", "pipe", "pipe"] });
    let logs = "";
    child.stdout!.on("data", (c: Buffer) => (logs += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (logs += c.toString()));
    const exited = new Promise<number | null>((r) => child!.on("exit", (code) => r(code)));

    const url = `http://127.0.0.1:${metricsPort}`;
    await waitFor(async () => (await cli(["status", "--url", url])).code === 0, "keeper ready", 20_000);
    const status = await cli(["status", "--config", config]);
    expect(status.out).to.match(/^ready: +yes$/m);
    expect(status.out).to.match(/^peers: +0$/m);
    expect(status.out).to.match(/^chain synced: +yes$/m);
    expect(status.out).to.match(/^last checkpoint: +none yet$/m);
    expect(JSON.parse((await cli(["status", "--url", url, "--json"])).out)).to.include({ ready: true, peers: 0 });

    child.kill("SIGTERM");
    expect(await exited).to.equal(0);
    expect(logs).to.match(/"msg":"keeper started"/);
    expect(logs).to.match(/"msg":"keeper stopped"/);
  });

  it("status fails clearly when no keeper answers", async () => {
    const res = await cli(["status", "--url", `http://127.0.0.1:${await freePort()}`]);
    expect(res.code).to.equal(1);
    expect(res.err).to.match(/no keeper answered at http:\/\/127\.0\.0\.1:\d+\/health/);
  });

  it("register refuses to run without the operator's key, saying how to give it", async () => {
    const config = join(dir, "register.json");
    writeFileSync(config, JSON.stringify({ keyDir: "k", dataDir: "d", rpcUrl: "http://127.0.0.1:1" }));
    const res = await cli(["register", "--config", config]);
    expect(res.code).to.equal(1);
    expect(res.err).to.match(/operator's private key is needed: --owner-key/);
  });

  it("relay explains a bad height, a bad lane and a missing payer key before touching the chain", async () => {
    const config = join(dir, "relay.json");
    writeFileSync(config, JSON.stringify({ keyDir: "k", dataDir: "d", rpcUrl: "http://127.0.0.1:1" }));
    const badHeight = await cli(["relay", "twelve", "--config", config]);
    expect(badHeight.code).to.equal(1);
    expect(badHeight.err).to.match(/<height> must be a checkpoint height/);
    const badLane = await cli(["relay", "12", "--lane", "sepolia", "--config", config]);
    expect(badLane.err).to.match(/--lane must be a CCIP chain selector/);
    const noKey = await cli(["relay", "12", "--config", config]);
    expect(noKey.code).to.equal(1);
    expect(noKey.err).to.match(/paying account's key is needed: --payer-key/);
  });
});
