import { expect } from "chai";
import { InMemoryOperatorDirectory } from "../../../keeper/src/p2p/index.js";
import { createTestPeer, stopAll, type TestPeer } from "../helpers/p2p.js";

describe("peer exchange (a keeper short of wanted peers asks a neighbour for its peers)", function () {
  this.timeout(20_000);
  const directory = new InMemoryOperatorDirectory();
  let a: TestPeer, b: TestPeer, c: TestPeer, stranger: TestPeer;
  // one discovery round at start (nobody to ask yet), then none: each test drives the exchange
  const idle = { fastIntervalMs: 3_600_000, intervalMs: 3_600_000 };
  const connected = (from: TestPeer, to: TestPeer) =>
    from.node.libp2p.getPeers().some((p) => p.toString() === to.peerId);

  before(async () => {
    a = await createTestPeer({ directory, discovery: idle });
    b = await createTestPeer({ directory, discovery: idle });
    c = await createTestPeer({ directory, discovery: idle });
    stranger = await createTestPeer({ directory, register: false, discovery: idle }); // not an operator
    await Promise.all([a, b, c, stranger].map((p) => p.node.start()));
    // a - b - c, and the stranger on b: c knows nobody but b
    await a.node.dial(b.node.multiaddrs[0]!);
    await c.node.dial(b.node.multiaddrs[0]!);
    await stranger.node.dial(b.node.multiaddrs[0]!);
    // b learns its peers' listen addresses from identify
    const listed = async () => (await b.node.libp2p.peerStore.all()).filter((p) => p.addresses.length > 0).length;
    for (let i = 0; i < 100 && (await listed()) < 3; i++) await new Promise((r) => setTimeout(r, 50));
  });
  after(() => stopAll([a, b, c, stranger]));

  it("dials the wanted peers a neighbour is connected to, at the addresses it gives, and no one else", async () => {
    expect(connected(c, a)).to.equal(false);
    const dialled = await c.node.discovery.exchangePeers(AbortSignal.timeout(5_000));
    expect(dialled).to.equal(1);
    expect(connected(c, a)).to.equal(true);
    expect(connected(c, stranger), "an unregistered peer is not wanted").to.equal(false);
  });

  it("asks nobody once every wanted peer is connected", async () => {
    const asked = async () =>
      (await b.metrics.reqRespTotal.get()).values
        .filter((v) => v.labels.protocol === "/openmesh/peers/1" && v.labels.direction === "in")
        .reduce((n, v) => n + v.value, 0);
    const before = await asked();
    expect(await c.node.discovery.exchangePeers(AbortSignal.timeout(5_000))).to.equal(0);
    expect(await asked()).to.equal(before);
  });
});
