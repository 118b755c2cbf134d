// @openmesh/contracts the way an integrator meets it: `npm pack`, install the tarball into an empty
// project outside the repository (offline, from the npm cache the setup filled), type-check the
// integration guide's program (docs/integrate.md) under three module resolutions with `strict`,
// and run it under plain Node 20 and 24, ESM and CommonJS, against a local chain with the real deploy.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { expect } from "chai";
import { HDNodeWallet, JsonRpcProvider, Network } from "ethers";
import { deployProtocol } from "../../scripts/lib/deploy.js";
import { deploymentPath, DEPLOYMENTS_DIR, REPO_ROOT, writeDeployment } from "../../scripts/lib/deployment-file.js";
import { loadGenesisConfig } from "../../scripts/lib/genesis-config.js";
import { LocalChain } from "../../scripts/lib/local-chain.js";
import { writeAddressBook } from "../../scripts/package/address-book.js";
import { guideProgram } from "./guide-program.js";
import { certifyAnEpoch, type CertifiedEpoch } from "./certified-epoch.js";
import { installOffline, type LocalTarball } from "./offline-project.js";

const PACKAGE_DIR = join(REPO_ROOT, "packages", "contracts");
const MNEMONIC = "test test test test test test test test test test test junk"; // hardhat node's accounts
const accountKey = (i: number) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;
const TEST_NETWORK = "package-test"; // its own deployment file: the demo's localhost.json stays

/** A plain Node of the given major on PATH (the machine's own Node 20 sits behind node_modules/.bin). */
function nodeOfMajor(major: number): string | undefined {
  if (major === 24) return join(REPO_ROOT, "node_modules", "node", "bin", "node");
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "node");
    if (!existsSync(candidate)) continue;
    const r = spawnSync(candidate, ["--version"], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.startsWith(`v${major}.`)) return candidate;
  }
  return undefined;
}

const TSCONFIGS = {
  nodenext: { module: "nodenext", moduleResolution: "nodenext", outDir: "out-esm" },
  bundler: { module: "preserve", moduleResolution: "bundler", noEmit: true },
  node10: { module: "commonjs", moduleResolution: "node10", outDir: "out-cjs" },
} as const;

describe("@openmesh/contracts installed from its tarball into an empty project", function () {
  this.timeout(240_000);
  let chain: LocalChain;
  let project: string;
  let tarball: string;
  let rpcUrl: string;
  let certified: CertifiedEpoch;

  before(async function () {
    if (!existsSync(join(PACKAGE_DIR, "dist", "esm", "index.js"))) {
      throw new Error("packages/contracts is not built: run `npm run build` first");
    }
    chain = await LocalChain.start();
    rpcUrl = chain.url;
    const provider = new JsonRpcProvider(chain.url, Network.from(31337n), { staticNetwork: true });
    const cfg = loadGenesisConfig(join(REPO_ROOT, "deployments", "config", "localhost.json"));
    const accounts = (await provider.listAccounts()).map((a) => a.address);
    const d = await deployProtocol(await provider.getSigner(0), cfg, { localAccounts: accounts });
    writeDeployment(deploymentPath(TEST_NETWORK), { ...d.file, network: TEST_NETWORK }, true); // -> the address book
    certified = await certifyAnEpoch(d, provider, [5, 6, 7, 8]);
    provider.destroy();

    project = mkdtempSync(join(tmpdir(), "openmesh-integrator-"));
    tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", project], {
      cwd: PACKAGE_DIR,
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .at(-1)!;
    const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as LocalTarball;
    installOffline(
      REPO_ROOT,
      project,
      ["ethers", "@noble/curves", "typescript", "@types/node"],
      [{ file: tarball, name: pkg.name, version: pkg.version, peerDependencies: pkg.peerDependencies }],
    );
    writeFileSync(join(project, "rewards.json"), JSON.stringify(certified.rewards));
    writeFileSync(
      join(project, "resources.json"),
      JSON.stringify({ header: certified.header, resources: certified.resources }),
    );
    writeFileSync(
      join(project, "guide.ts"),
      guideProgram(readFileSync(join(REPO_ROOT, "docs", "integrate.md"), "utf8")),
    );
  });

  after(async () => {
    await chain?.stop();
    rmSync(deploymentPath(TEST_NETWORK), { force: true });
    writeAddressBook(PACKAGE_DIR, DEPLOYMENTS_DIR);
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it("ships ABIs with NatSpec, compiled bindings, the address book and interfaces, and nothing of the keeper", () => {
    const listing = execFileSync("tar", ["-tzf", join(project, tarball)], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    const top = new Set(listing.map((p) => p.replace(/^package\//, "").split("/")[0]));
    expect([...top].sort()).to.deep.equal(["README.md", "abi", "addresses.json", "contracts", "dist", "package.json"]);
    expect(listing.some((p) => /test|Harness|keeper/i.test(p))).to.equal(
      false,
      "a test harness or keeper file shipped",
    );
    const abi = JSON.parse(readFileSync(join(PACKAGE_DIR, "abi", "Staking.json"), "utf8")) as Record<string, unknown>;
    expect(abi).to.include.keys("abi", "devdoc", "userdoc");
    const factory = readFileSync(
      join(PACKAGE_DIR, "dist", "esm", "generated", "typechain", "factories", "Staking__factory.js"),
      "utf8",
    );
    expect(factory).not.to.match(/bytecode/);
  });

  it("installs with no dependency but its ethers peer", () => {
    const manifest = JSON.parse(
      readFileSync(join(project, "node_modules", "@openmesh", "contracts", "package.json"), "utf8"),
    ) as {
      dependencies?: object;
      peerDependencies?: object;
    };
    expect(manifest.dependencies ?? {}).to.deep.equal({});
    expect(Object.keys(manifest.peerDependencies ?? {})).to.deep.equal(["ethers"]);
    expect(readdirSync(join(project, "node_modules", "@openmesh"))).to.deep.equal(["contracts"]);
  });

  for (const [resolution, options] of Object.entries(TSCONFIGS)) {
    it(`type-checks the integration guide's program under ${resolution} resolution with strict`, () => {
      const config = {
        compilerOptions: { target: "ES2022", strict: true, skipLibCheck: false, types: ["node"], ...options },
        files: ["guide.ts"],
      };
      writeFileSync(join(project, `tsconfig.${resolution}.json`), JSON.stringify(config));
      const r = spawnSync(
        process.execPath,
        [join(project, "node_modules", "typescript", "bin", "tsc"), "-p", `tsconfig.${resolution}.json`],
        {
          cwd: project,
          encoding: "utf8",
        },
      );
      expect(r.stdout + r.stderr, `tsc under ${resolution}`).to.equal("");
      expect(r.status).to.equal(0);
      if (resolution === "node10")
        writeFileSync(join(project, "out-cjs", "package.json"), JSON.stringify({ type: "commonjs" }));
    });
  }

  const runs = [
    { major: 24, flavour: "esm", dir: "out-esm", operator: 1 },
    { major: 24, flavour: "cjs", dir: "out-cjs", operator: 2 },
    { major: 20, flavour: "esm", dir: "out-esm", operator: 3 },
    { major: 20, flavour: "cjs", dir: "out-cjs", operator: 4 },
  ];
  for (const [i, run] of runs.entries()) {
    it(`runs the integration guide under plain Node ${run.major} (${run.flavour}): token, register, delegate, errors, governance, claim, PoR proof, CCIP relay`, function () {
      const node = nodeOfMajor(run.major);
      if (!node) {
        if (process.env.CI) throw new Error(`no Node ${run.major} on PATH`);
        console.log(`      (skipped: no Node ${run.major} on PATH; CI requires it)`);
        this.skip();
      }
      const compiled = join(project, run.dir, "guide.js");
      expect(existsSync(compiled), `${compiled}: the type-check step emits it`).to.equal(true);
      mkdirSync(join(project, run.dir), { recursive: true });
      const r = spawnSync(node, [compiled], {
        cwd: project,
        encoding: "utf8",
        timeout: 120_000,
        env: {
          PATH: process.env.PATH,
          RPC_URL: rpcUrl,
          HOLDER_KEY: accountKey(0),
          OPERATOR_KEY: accountKey(run.operator),
          REWARDS_JSON: join(project, "rewards.json"),
          RESOURCES_JSON: join(project, "resources.json"),
          REWARDED_OPERATOR: certified.operators[i]!,
        },
      });
      const out = r.stdout + r.stderr;
      expect(r.status, out).to.equal(0);
      expect(out).to.match(/total supply 1000000000\.0/);
      expect(out).to.match(/: Active\n/);
      expect(out).to.match(/delegated 1000\.0 OPEN for \d+ shares/);
      expect(out).to.match(/reverted with StakingZeroAmount\(\)/);
      expect(out).to.match(/checkpointInterval is now 2/);
      expect(out).to.match(/claimed and pushed [1-9][\d.]* OPEN of epoch 1 for 0x/);
      expect(out).to.match(/proven resources of 0x[0-9a-fA-F]{40}: verified \(16 cores\)/);
      expect(out).to.match(/proven resources verified on the receiver: true/);
    });
  }
});
