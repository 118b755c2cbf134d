import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { InMemoryOperatorDirectory } from "../../../keeper/src/p2p/index.js";
import { KeeperStore } from "../../../keeper/src/store/index.js";
import { silentLogger } from "../helpers/logs.js";
import { createTestPeer, stopAll, waitFor, type TestPeer } from "../helpers/p2p.js";

describe("p2p peers remembered across restarts", function () {
  this.timeout(30_000);
  const directory = new InMemoryOperatorDirectory();
  let dataDir: string;
  let store: KeeperStore;
  const peers: TestPeer[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "openmesh-peers-"));
    store = await KeeperStore.init({ config: { dataDir }, logger: silentLogger() });
  });
  after(async () => {
    await stopAll(peers);
    await store.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("stores identified peers, redials them after a restart without bootstrap, and forgets week-old ones", async () => {
    const remote = await createTestPeer({ directory });
    const first = await createTestPeer({ directory, store });
    peers.push(remote, first);
    await Promise.all([remote.node.start(), first.node.start()]);
    await first.node.dial(remote.node.multiaddrs[0]!);
    await waitFor(async () => (await store.peers.get(remote.peerId)) !== undefined, "the remote peer stored");
    expect((await store.peers.get(remote.peerId))!.addrs).to.include(remote.node.multiaddrs[0]!.split("/p2p/")[0]);
    await first.node.stop();

    const stale = "12D3KooWLwW3p8qjRkNjJ6sWcQ4UAfYjLM1fE7kGZtT9yXHqD5Ab";
    await store.peers.put(stale, { addrs: ["/ip4/127.0.0.1/tcp/1"], lastSeenMs: Date.now() - 8 * 24 * 3600 * 1000 });

    const restarted = await createTestPeer({ directory, store });
    peers.push(restarted);
    await restarted.node.start();
    await waitFor(() => restarted.node.libp2p.getPeers().some((p) => p.toString() === remote.peerId), "redial");
    expect(await store.peers.get(stale)).to.equal(undefined);
  });
});
