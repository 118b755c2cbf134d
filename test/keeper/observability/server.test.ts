import { expect } from "chai";
import { createMetrics, ObservabilityServer, type HealthStatus } from "../../../keeper/src/observability/index.js";
import { capturingLogger, silentLogger } from "../helpers/logs.js";

describe("observability: /metrics and /health", () => {
  const metrics = createMetrics();
  let health: HealthStatus = { ready: false, peers: 0, synced: false, epoch: null, lastCheckpointAgeSeconds: null };
  const server = new ObservabilityServer({
    config: { metricsHost: "127.0.0.1", metricsPort: 0 },
    logger: silentLogger(),
    metrics,
    health: () => health,
  });
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

  before(() => server.start());
  after(() => server.stop());

  it("serves every keeper metric in Prometheus text format, process metrics included", async () => {
    metrics.p2pPeers.set(3);
    metrics.gossipMessagesTotal.inc({ topic: "/openmesh/heartbeat/1", direction: "in", result: "accept" });
    metrics.chainTxTotal.inc({ result: "mined" });
    const res = await fetch(url("/metrics"));
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.match(/^text\/plain/);
    const body = await res.text();
    expect(body).to.include("keeper_p2p_peers 3");
    expect(body).to.include(
      'keeper_gossip_messages_total{topic="/openmesh/heartbeat/1",direction="in",result="accept"} 1',
    );
    expect(body).to.include('keeper_chain_tx_total{result="mined"} 1');
    expect(body).to.include("# TYPE keeper_store_ops_total counter");
    expect(body).to.match(/^keeper_process_resident_memory_bytes \d+/m);
  });

  it("answers /health with 503 until ready, then 200, as JSON", async () => {
    let res = await fetch(url("/health"));
    expect(res.status).to.equal(503);
    expect(await res.json()).to.deep.equal(health);
    health = { ready: true, peers: 4, synced: true, epoch: 7, lastCheckpointAgeSeconds: 12 };
    res = await fetch(url("/health"));
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({
      ready: true,
      peers: 4,
      synced: true,
      epoch: 7,
      lastCheckpointAgeSeconds: 12,
    });
  });

  it("answers 404 on unknown paths and 405 on other methods", async () => {
    expect((await fetch(url("/nope"))).status).to.equal(404);
    expect((await fetch(url("/metrics"), { method: "POST" })).status).to.equal(405);
  });

  it("logs through module child loggers with structured fields", () => {
    const logs = capturingLogger();
    logs.logger.child({ module: "p2p" }).info({ peer: "12D3KooWx" }, "peer connected");
    expect(logs.lines[0]).to.include({ module: "p2p", peer: "12D3KooWx", msg: "peer connected", level: "info" });
  });
});
