import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ConfigError, loadConfig } from "../../../keeper/src/config/index.js";

describe("keeper config", () => {
  let dir: string;
  const write = (obj: unknown) => {
    const file = join(dir, "keeper.json");
    writeFileSync(file, typeof obj === "string" ? obj : JSON.stringify(obj));
    return file;
  };
  const minimal = { rpcUrl: "http://127.0.0.1:8545", keyDir: "keys", dataDir: "data" };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "openmesh-config-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("fills production-safe defaults and resolves paths against the config file", () => {
    const cfg = loadConfig({ file: write(minimal), env: {}, cwd: "/somewhere/else" });
    expect(cfg.keyDir).to.equal(join(dir, "keys"));
    expect(cfg.dataDir).to.equal(join(dir, "data"));
    expect(cfg.deploymentFile).to.equal("/somewhere/else/deployments/localhost.json");
    expect(cfg.p2p.listen).to.deep.equal(["/ip4/0.0.0.0/tcp/4001"]);
    expect(cfg.p2p.loopbackWhitelist).to.equal(false);
    expect(cfg.p2p.inboundConnectionThreshold).to.equal(5);
    expect(cfg.chain.confirmations).to.equal(2);
    expect(cfg.logLevel).to.equal("info");
    expect(cfg.metricsHost).to.equal("127.0.0.1");
  });

  it("applies OPENMESH_* environment overrides over the file, converting types", () => {
    const cfg = loadConfig({
      file: write({ ...minimal, metricsPort: 1000 }),
      cwd: "/work",
      env: {
        OPENMESH_RPC_URL: "https://rpc.example.org",
        OPENMESH_DATA_DIR: "override-data",
        OPENMESH_METRICS_PORT: "9100",
        OPENMESH_LISTEN: "/ip4/127.0.0.1/tcp/0, /ip4/127.0.0.1/tcp/5000",
        OPENMESH_P2P_LOOPBACK_WHITELIST: "true",
      },
    });
    expect(cfg.rpcUrl).to.equal("https://rpc.example.org");
    expect(cfg.dataDir).to.equal("/work/override-data");
    expect(cfg.metricsPort).to.equal(9100);
    expect(cfg.p2p.listen).to.deep.equal(["/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/5000"]);
    expect(cfg.p2p.loopbackWhitelist).to.equal(true);
  });

  it("works from the environment alone, without a file", () => {
    const cfg = loadConfig({
      cwd: "/srv",
      env: { OPENMESH_RPC_URL: "http://node:8545", OPENMESH_KEY_DIR: "/keys", OPENMESH_DATA_DIR: "d" },
    });
    expect(cfg.keyDir).to.equal("/keys");
    expect(cfg.dataDir).to.equal("/srv/d");
  });

  const cases: Array<{ name: string; raw: unknown; env?: Record<string, string>; expect: RegExp }> = [
    {
      name: "a missing rpcUrl",
      raw: { keyDir: "k", dataDir: "d" },
      expect:
        /rpcUrl \(from .*keeper\.json\): missing; expected an http\(s\):\/\/ JSON-RPC URL \(or chain\.enabled: false\)$/m,
    },
    {
      name: "a non-URL rpcUrl",
      raw: { ...minimal, rpcUrl: "localhost:8545" },
      expect: /rpcUrl .*JSON-RPC URL, got "localhost:8545"/,
    },
    {
      name: "a bad port from env",
      raw: minimal,
      env: { OPENMESH_METRICS_PORT: "ninety" },
      expect: /metricsPort \(from env OPENMESH_METRICS_PORT\):.*got "ninety"/,
    },
    {
      name: "an out-of-range port",
      raw: { ...minimal, apiPort: 70000 },
      expect: /apiPort .*port in 0\.\.65535, got 70000/,
    },
    {
      name: "a bad multiaddr",
      raw: { ...minimal, p2p: { listen: ["tcp://0.0.0.0:4001"] } },
      expect: /p2p\.listen\[0\] .*expected a multiaddr/,
    },
    {
      name: "a bootstrap peer without /p2p/",
      raw: { ...minimal, p2p: { bootstrap: ["/ip4/10.0.0.1/tcp/4001"] } },
      expect: /p2p\.bootstrap\[0\] .*ending in \/p2p\/<peer id>/,
    },
    { name: "a misspelt key", raw: { ...minimal, p2p: { lisen: [] } }, expect: /p2p .*Unrecognized key.*lisen/ },
    {
      name: "a bad log level",
      raw: { ...minimal, logLevel: "loud" },
      expect: /logLevel .*expected one of fatal, error/,
    },
    {
      name: "a bad dev-flag value",
      raw: minimal,
      env: { OPENMESH_P2P_LOOPBACK_WHITELIST: "yes" },
      expect: /p2p\.loopbackWhitelist \(from env OPENMESH_P2P_LOOPBACK_WHITELIST\).*expected boolean/,
    },
  ];
  for (const c of cases) {
    it(`stops with the field name and what is expected on ${c.name}`, () => {
      const file = write(c.raw);
      expect(() => loadConfig({ file, env: c.env ?? {} }))
        .to.throw(ConfigError)
        .with.property("message")
        .that.matches(c.expect);
    });
  }

  it("needs no rpcUrl for a mesh-only keeper (chain disabled), and resolves the operators file", () => {
    const cfg = loadConfig({
      file: write({ keyDir: "k", dataDir: "d", chain: { enabled: false }, p2p: { operatorsFile: "ops.json" } }),
      env: {},
    });
    expect(cfg.rpcUrl).to.equal(undefined);
    expect(cfg.chain.chainId).to.equal(31337);
    expect(cfg.p2p.operatorsFile).to.equal(join(dir, "ops.json"));
  });

  it("reports unreadable and non-JSON files as such", () => {
    expect(() => loadConfig({ file: join(dir, "nope.json"), env: {} })).to.throw(
      ConfigError,
      /cannot read config file/,
    );
    expect(() => loadConfig({ file: write("{ not json"), env: {} })).to.throw(ConfigError, /is not valid JSON/);
    expect(() => loadConfig({ file: write("[1, 2]"), env: {} })).to.throw(ConfigError, /must hold a JSON object/);
  });
});
