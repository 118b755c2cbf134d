// Issue 16, item 3: what one peer can make a keeper do is bounded. Real libp2p nodes on loopback.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lpStream } from "@libp2p/utils";
import { expect } from "chai";
import { z } from "zod";
import { peerIdFromString } from "@libp2p/peer-id";
import { defineTopic, InMemoryOperatorDirectory, topicId, type TopicSpec } from "../../../keeper/src/p2p/index.js";
import { PushChannel } from "../../../keeper/src/p2p/push.js";
import { RejectLog } from "../../../keeper/src/p2p/reject-log.js";
import { KeeperStore } from "../../../keeper/src/store/index.js";
import { capturingLogger, silentLogger } from "../helpers/logs.js";
import { createTestPeer, stopAll, waitFor, type TestPeer } from "../helpers/p2p.js";

const noteTopic = defineTopic({ name: "note", maxBytes: 512, schema: z.strictObject({ text: z.string().max(200) }) });
const topics = [noteTopic as TopicSpec<unknown>];
const counter = async (p: TestPeer, name: "reqRespTotal" | "pushMessagesTotal", result: string) =>
  (await p.metrics[name].get()).values
    .filter((v) => v.labels.direction === "in" && v.labels.result === result)
    .reduce((a, v) => a + v.value, 0);

describe("p2p bounds: bans, rate limits, bounded rejection logs (real nodes)", function () {
  this.timeout(40_000);
  const directory = new InMemoryOperatorDirectory();
  const dir = mkdtempSync(join(tmpdir(), "openmesh-bounds-"));
  const peers: TestPeer[] = [];
  let store: KeeperStore;
  let target: TestPeer;

  before(async () => {
    store = await KeeperStore.init({ config: { dataDir: dir }, logger: silentLogger() });
    target = await createTestPeer({ directory, topics, store });
    peers.push(target);
    await target.node.start();
    target.node.gossip.subscribe(noteTopic, () => {});
  });
  after(async () => {
    await stopAll(peers);
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A banned peer dials again: whatever its side sees, the target keeps no connection to it. */
  async function refusedRedial(x: TestPeer, to: TestPeer): Promise<void> {
    await x.node.dial(to.node.multiaddrs[0]!).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    expect(to.node.libp2p.getConnections(peerIdFromString(x.peerId))).to.have.length(0);
  }

  async function attacker(): Promise<TestPeer> {
    const x = await createTestPeer({ directory, topics, register: false });
    peers.push(x);
    await x.node.start();
    await x.node.dial(target.node.multiaddrs[0]!);
    return x;
  }

  it("disconnects and bans a peer whose score falls below the ban threshold, refuses its redial, and keeps the ban across a restart", async () => {
    const x = await attacker();
    x.node.gossip.subscribe(noteTopic, () => {});
    await waitFor(() => x.node.gossip.subscribers(noteTopic).includes(target.peerId), "subscription");
    const started = Date.now();
    const raw = x.node.libp2p.services.pubsub;
    for (let i = 0; i < 5; i++) await raw.publish(topicId(noteTopic), new TextEncoder().encode(`garbage ${i}`));
    await waitFor(() => target.node.bans.isBanned(x.peerId), "the ban", 10_000);
    await waitFor(() => target.node.libp2p.getConnections(peerIdFromString(x.peerId)).length === 0, "disconnected");
    const secondsToBan = (Date.now() - started) / 1000;
    expect(secondsToBan).to.be.lessThan(5);
    await refusedRedial(x, target);
    expect((await store.bans.get(x.peerId))?.reason).to.be.oneOf(["score", "penalty"]);

    // a keeper started again on the same store still refuses it
    await target.node.stop();
    const again = await createTestPeer({ directory, topics, store });
    peers.push(again);
    await again.node.start();
    expect(again.node.bans.isBanned(x.peerId)).to.equal(true);
    await refusedRedial(x, again);
    target = again;
  });

  it("rate-limits requests per peer and protocol, closing the excess, and keeps serving others", async () => {
    const spec = { name: "echo-bounds", request: z.strictObject({ n: z.int() }), response: z.int() };
    await target.node.reqresp.handle(spec, (req) => req.n);
    const x = await attacker();
    let answered = 0;
    for (let n = 0; n < 60; n++) {
      answered += await x.node.reqresp.request(target.node.peerId, spec, { n }).then(
        () => 1,
        () => 0,
      );
    }
    expect(answered).to.be.at.least(10); // the burst
    expect(answered).to.be.lessThan(60);
    expect(await counter(target, "reqRespTotal", "rate-limited")).to.be.greaterThan(0);
    const honest = await createTestPeer({ directory, topics });
    peers.push(honest);
    await honest.node.start();
    await honest.node.dial(target.node.multiaddrs[0]!);
    expect(await honest.node.reqresp.request(target.node.peerId, spec, { n: 7 })).to.equal(7);
  });

  it("closes a push stream once its peer goes over the frame rate, and caps push streams per connection", async () => {
    const spec = { name: "push-bounds", schema: z.strictObject({ n: z.int() }), maxBytes: 64 };
    let delivered = 0;
    const inbox = new PushChannel(
      {
        libp2p: target.node.libp2p,
        logger: silentLogger(),
        metrics: target.metrics,
        openTimeoutMs: 2_000,
        guard: target.node.guard,
      },
      spec,
    );
    await inbox.handle(() => void delivered++);
    const x = await attacker();
    const stream = await x.node.libp2p.dialProtocol(target.node.peerId, "/openmesh/push-bounds/1");
    const lp = lpStream(stream);
    const frame = new TextEncoder().encode(JSON.stringify({ n: 1 }));
    for (let i = 0; i < 1_000 && stream.status === "open"; i++) await lp.write(frame).catch(() => undefined);
    await waitFor(() => stream.status !== "open", "the flooding stream closed");
    expect(delivered).to.be.lessThan(1_000);
    expect(await counter(target, "pushMessagesTotal", "rate-limited")).to.be.greaterThan(0);
    // at most 2 inbound push streams of one protocol on one connection
    const y = await attacker();
    const opened = await Promise.allSettled(
      Array.from({ length: 5 }, async () => {
        const s = await y.node.libp2p.dialProtocol(target.node.peerId, "/openmesh/push-bounds/1");
        await lpStream(s).write(frame);
        await new Promise((r) => setTimeout(r, 200));
        if (s.status !== "open") throw new Error("closed");
        return s;
      }),
    );
    expect(opened.filter((o) => o.status === "fulfilled").length).to.be.at.most(2);
    await inbox.stop();
  });
});

describe("rejected-input log", () => {
  it("writes at most one line per (peer, kind) per interval, then one summary line per peer with the counts", () => {
    const logs = capturingLogger("debug");
    const log = new RejectLog(logs.logger, 60_000);
    for (let i = 0; i < 10_000; i++) log.note(`peer${i % 3}`, i % 2 ? "gossip/non-canonical" : "push/invalid", "bad");
    expect(logs.find(/^bad$/)).to.have.length(6);
    log.flush();
    const summaries = logs.find(/summary/);
    expect(summaries).to.have.length(3);
    expect(summaries.reduce((a, l) => a + (l.total as number), 0)).to.equal(10_000 - 6);
    log.flush();
    expect(logs.find(/summary/)).to.have.length(3); // nothing new: no line
  });
});
