// Four keepers (and one outsider) over real loopback TCP: discovery through the DHT from one
// bootstrap peer, gossip to everyone, outsiders and garbage rejected, clean shutdown.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { z } from "zod";
import { KeeperConfigSchema, type KeeperConfig } from "../../../keeper/src/config/index.js";
import { KeeperIdentity } from "../../../keeper/src/identity/index.js";
import { Keeper } from "../../../keeper/src/node.js";
import type { MeshView } from "../../../keeper/src/observability/mesh-monitor.js";
import {
  defineTopic,
  heartbeatTopic,
  InMemoryOperatorDirectory,
  KEEPER_SERVICE,
  topicId,
  type GossipMessage,
  type TopicSpec,
} from "../../../keeper/src/p2p/index.js";
import { capturingLogger, silentLogger, type CapturedLogs } from "../helpers/logs.js";
import { waitFor } from "../helpers/p2p.js";

const noteTopic = defineTopic({ name: "note", schema: z.strictObject({ text: z.string().max(100) }) });
const topics = [noteTopic as TopicSpec<unknown>];

describe("integration: 4 keepers on loopback TCP", function () {
  this.timeout(60_000);
  let root: string;
  const directory = new InMemoryOperatorDirectory();
  const keepers: Keeper[] = [];
  let outsider: Keeper;
  const logs: CapturedLogs[] = [];
  const notes: Array<Array<GossipMessage<{ text: string }>>> = [[], [], [], []];

  async function makeKeeper(name: string, registered: boolean, bootstrap: string[], logger = silentLogger()) {
    const keyDir = join(root, name, "keys");
    const identity = await KeeperIdentity.generate(keyDir);
    if (registered) {
      directory.set({
        peerId: identity.peerId.toString(),
        operator: identity.signerAddress,
        signer: identity.signerAddress,
        status: "active",
      });
    }
    const config: KeeperConfig = {
      ...KeeperConfigSchema.parse({
        keyDir,
        dataDir: join(root, name, "data"),
        metricsPort: 0,
        chain: { enabled: false },
        p2p: {
          listen: ["/ip4/127.0.0.1/tcp/0"],
          bootstrap,
          dhtAddressScope: "lan",
          loopbackWhitelist: true,
          inboundConnectionThreshold: 100,
          heartbeatIntervalMs: 300,
        },
      }),
      deploymentFile: join(root, "unused.json"),
    };
    return Keeper.init({
      config,
      directory,
      logger,
      topics,
      discovery: { fastIntervalMs: 200, intervalMs: 500, queryTimeoutMs: 3_000 },
    });
  }
  const meshOf = async (k: Keeper) =>
    (await (await fetch(`http://127.0.0.1:${k.server.port}/mesh`)).json()) as MeshView;
  const operatorOf = (k: Keeper) => k.operator.toLowerCase();
  const peersOf = (k: Keeper) => new Set(k.p2p.libp2p.getPeers().map((p) => p.toString()));
  const idOf = (k: Keeper) => k.identity.peerId.toString();

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "openmesh-mesh-"));
    logs.push(...[0, 1, 2, 3].map(() => capturingLogger("warn")));
    const boot = await makeKeeper("k0", true, [], logs[0]!.logger);
    await boot.start();
    keepers.push(boot);
    const bootstrap = [boot.p2p.multiaddrs[0]!];
    for (const i of [1, 2, 3]) keepers.push(await makeKeeper(`k${i}`, true, bootstrap, logs[i]!.logger));
    keepers.forEach((k, i) => k.p2p.gossip.subscribe(noteTopic, (m) => void notes[i]!.push(m)));
    await Promise.all(keepers.slice(1).map((k) => k.start()));
  });
  after(async () => {
    await Promise.all([...keepers, outsider].map((k) => k?.stop()));
    rmSync(root, { recursive: true, force: true });
  });

  it("every keeper finds every other through the DHT, starting from one bootstrap peer", async () => {
    await waitFor(
      () => keepers.every((k) => keepers.every((o) => o === k || peersOf(k).has(idOf(o)))),
      "a full mesh of connections",
      20_000,
    );
    // The non-bootstrap keepers were only told about k0: they found each other by service. A DHT
    // lookup can run before every provider record has propagated (slow, loaded machine): retry.
    const others = [idOf(keepers[0]!), idOf(keepers[1]!), idOf(keepers[2]!)];
    let found: string[] = [];
    await waitFor(
      async () => {
        found = (await keepers[3]!.p2p.discovery.findByService(KEEPER_SERVICE)).map((p) => p.id.toString());
        return others.every((id) => found.includes(id));
      },
      "keeper 3 to find the three others by service",
      20_000,
    );
    expect(found).to.include.members(others);
    expect(keepers.every((k) => k.health().ready && k.health().peers === 3)).to.equal(true);
  });

  it("stops searching the DHT once connected to every active operator in the directory", async () => {
    const finds = async (k: Keeper) =>
      (await k.metrics.dhtOperationsTotal.get()).values
        .filter((v) => v.labels.op === "find")
        .reduce((sum, v) => sum + v.value, 0);
    // full mesh (previous test): the 500 ms discovery rounds go on, but find nothing to look for
    await new Promise((r) => setTimeout(r, 600));
    const before = await Promise.all(keepers.map(finds));
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await Promise.all(keepers.map(finds))).to.deep.equal(before);
  });

  it("gossip from any keeper reaches all the others", async () => {
    await waitFor(
      () => keepers.every((k) => k.p2p.gossip.subscribers(noteTopic).length === 3),
      "topic subscriptions everywhere",
    );
    for (const [i, k] of keepers.entries()) await k.p2p.gossip.publish(noteTopic, { text: `from k${i}` });
    await waitFor(() => notes.every((n) => n.length === 3), "every note everywhere");
    notes.forEach((received, i) => {
      expect(received.map((m) => m.payload.text).sort()).to.deep.equal(
        [0, 1, 2, 3].filter((j) => j !== i).map((j) => `from k${j}`),
      );
    });
    // Heartbeats too: everyone has heard everyone else's operator.
    await waitFor(() => keepers.every((k) => k.heartbeats.lastSeen.size === 3), "heartbeats from all");
  });

  it("/mesh shows every peer with round-trip times, failure rates and the latency matrix; /metrics too", async () => {
    // every keeper pings one peer per heartbeat interval (300 ms here): all three within a few
    await waitFor(
      async () => (await Promise.all(keepers.map(meshOf))).every((v) => v.peers.every((p) => p.rttMs.samples > 0)),
      "RTT samples to every peer",
    );
    const view = await meshOf(keepers[0]!);
    expect(view.peers.map((p) => p.operator).sort()).to.deep.equal(keepers.slice(1).map(operatorOf).sort());
    expect(view.peers.every((p) => !p.suspected && p.phi < view.phiThreshold && p.heartbeats > 0)).to.equal(true);
    expect(view.peers.every((p) => p.failureRate !== null && p.rttMs.p50 !== null)).to.equal(true);
    expect(view.medianRttMs).to.be.a("number");
    // each keeper's RTT row rides on every 10th heartbeat: k0 draws the full 4 x 3 matrix
    await waitFor(async () => {
      const m = (await meshOf(keepers[0]!)).latencyMs;
      return Object.keys(m).length === 4 && Object.values(m).every((row) => Object.keys(row).length === 3);
    }, "every keeper's RTT row at k0");
    const metrics = await (await fetch(`http://127.0.0.1:${keepers[0]!.server.port}/metrics`)).text();
    expect(metrics).to.match(/keeper_mesh_rtt_seconds_count\{peer="0x[0-9a-f]{40}"\} [1-9]/);
    expect(metrics).to.match(/keeper_mesh_heartbeats_total\{peer="0x[0-9a-f]{40}"\} [1-9]/);
    expect(metrics).to.match(/keeper_mesh_pings_total\{peer="0x[0-9a-f]{40}",result="ok"\} [1-9]/);
  });

  it("rejects a non-registered peer's messages, logged with its peer id, and never delivers them", async () => {
    const bootstrap = [keepers[0]!.p2p.multiaddrs[0]!];
    outsider = await makeKeeper("outsider", false, bootstrap);
    outsider.p2p.gossip.subscribe(noteTopic, () => {});
    await outsider.start();
    await waitFor(() => keepers[0]!.p2p.gossip.subscribers(noteTopic).includes(idOf(outsider)), "outsider subscribed");
    await waitFor(() => outsider.p2p.gossip.subscribers(noteTopic).length > 0, "outsider sees subscribers");
    await outsider.p2p.gossip.publish(noteTopic, { text: "let me in" });
    await waitFor(
      () =>
        logs[0]!
          .find(/gossip message rejected/)
          .some((l) => l.peer === idOf(outsider) && l.reason === "unknown-sender"),
      "rejection logged with the outsider's peer id",
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(notes.flat().some((m) => m.payload.text === "let me in")).to.equal(false);
  });

  it("survives malformed messages: rejected, logged, and the mesh keeps working", async () => {
    const raw = keepers[1]!.p2p.libp2p.services.pubsub;
    // gossipsub ids unsigned messages by content: vary the bytes per topic so none is a duplicate.
    const garbage = (topic: number) => [
      new Uint8Array([0, 1, 2, topic]),
      new TextEncoder().encode(`{"from":"0x${topic}","payload":1}`),
      new Uint8Array(70_000).fill(topic),
    ];
    for (const data of garbage(1)) await raw.publish(topicId(noteTopic), data);
    for (const data of garbage(2)) await raw.publish(topicId(heartbeatTopic), data);
    // each rejection is counted; the log gets the first of each kind per peer (then a summary line)
    const rejectedAtK0 = async () =>
      (await keepers[0]!.metrics.p2pRejectedInputTotal.get()).values
        .filter((v) => String(v.labels.kind).startsWith("gossip/"))
        .reduce((a, v) => a + v.value, 0);
    await waitFor(async () => (await rejectedAtK0()) >= 4, "rejections at k0");
    expect(
      logs[0]!.find(/gossip message rejected/).filter((l) => l.peer === idOf(keepers[1]!)).length,
    ).to.be.greaterThan(0);
    expect(keepers.every((k) => k.isRunning && k.health().ready)).to.equal(true);
    const before = notes[3]!.length;
    await keepers[2]!.p2p.gossip.publish(noteTopic, { text: "after the garbage" });
    await waitFor(() => notes[3]!.length > before, "delivery after the garbage");
  });

  it("a stopped keeper becomes suspected by the other three; live ones are not", async () => {
    const stopped = keepers[3]!;
    await stopped.stop();
    const stoppedAt = Date.now();
    await waitFor(
      async () =>
        (await Promise.all(keepers.slice(0, 3).map(meshOf))).every(
          (v) => v.peers.find((p) => p.operator === operatorOf(stopped))?.suspected === true,
        ),
      "the stopped keeper suspected by the other three",
    );
    // phi 8 at 300 ms heartbeats: 1.6 s after the last one (250 ms minimum deviation), with margin for load
    expect(Date.now() - stoppedAt).to.be.below(8_000);
    // keeper 2 sent no garbage (keeper 1 did, and may be graylisted by k0's gossip scores for a while);
    // at worst briefly suspected, after a stall of this loaded machine
    await waitFor(() => !keepers[0]!.mesh.isSuspected(operatorOf(keepers[2]!)), "live keeper 2 not suspected");
  });

  it("stops every keeper cleanly (mocha then exits on its own: no leaked handles)", async () => {
    await Promise.all([...keepers, outsider].map((k) => k.stop()));
    expect(keepers.every((k) => !k.isRunning && !k.store.isOpen)).to.equal(true);
  });
});
