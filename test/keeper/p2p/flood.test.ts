import { connect, type Socket } from "node:net";
import { expect } from "chai";
import { InMemoryOperatorDirectory } from "../../../keeper/src/p2p/index.js";
import { createTestPeer, stopAll, waitFor, type TestPeer } from "../helpers/p2p.js";

/** host/port of a /ip4/.../tcp/... multiaddr */
function tcpTarget(addr: string): { host: string; port: number } {
  const m = /^\/ip4\/([\d.]+)\/tcp\/(\d+)/.exec(addr);
  if (!m) throw new Error(`not a tcp multiaddr: ${addr}`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** Opens `count` raw sockets at once; each misbehaves in one of three ways. */
async function rawFlood(addr: string, count: number): Promise<void> {
  const { host, port } = tcpTarget(addr);
  const sockets: Socket[] = [];
  await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<void>((resolve) => {
          const s = connect({ host, port });
          sockets.push(s);
          s.on("error", () => resolve()); // refused / reset: expected under flood
          s.on("close", () => resolve());
          s.on("connect", () => {
            if (i % 3 === 0)
              s.resetAndDestroy(); // RST straight away
            else if (i % 3 === 1)
              s.write(Buffer.alloc(4096, 0xab)); // garbage instead of multistream-select
            else s.write("/multistream/1.0.0\n"); // a handshake that never completes
            setTimeout(resolve, 50);
          });
        }),
    ),
  );
  for (const s of sockets) s.destroy();
}

describe("p2p inbound connection flood", function () {
  this.timeout(30_000);
  const directory = new InMemoryOperatorDirectory();
  const peers: TestPeer[] = [];
  after(() => stopAll(peers));

  async function survives(target: TestPeer): Promise<void> {
    // Still accepting and serving: a fresh peer connects and pings it.
    const probe = await createTestPeer({ directory });
    peers.push(probe);
    await probe.node.start();
    await waitFor(async () => {
      try {
        await probe.node.dial(target.node.multiaddrs[0]!, AbortSignal.timeout(2_000));
        return true;
      } catch {
        return false; // the per-host rate limit may still be refusing loopback for a second
      }
    }, "probe connection after the flood");
    expect(await probe.node.ping(target.peerId)).to.be.a("number");
  }

  it("keeps a keeper with the production threshold (5/s per host) alive under raw and libp2p dial floods", async () => {
    const target = await createTestPeer({ directory, p2p: { inboundConnectionThreshold: 5 } });
    peers.push(target);
    await target.node.start();
    const addr = target.node.multiaddrs[0]!;

    await rawFlood(addr, 150);

    const dialers = await Promise.all(Array.from({ length: 20 }, () => createTestPeer({ directory })));
    peers.push(...dialers);
    await Promise.all(dialers.map((d) => d.node.start()));
    const results = await Promise.allSettled(dialers.map((d) => d.node.dial(addr, AbortSignal.timeout(5_000))));
    const refused = results.filter((r) => r.status === "rejected").length;
    // Every dial settled (none hung) and the rate limit did refuse most of them.
    expect(results).to.have.length(20);
    expect(refused).to.be.greaterThan(10);
    await Promise.all(dialers.map((d) => d.node.stop()));

    await survives(target);
  });

  it("accepts a burst of 20 keepers on one host with the raised local threshold", async () => {
    const target = await createTestPeer({
      directory,
      p2p: { inboundConnectionThreshold: 100, maxIncomingPendingConnections: 50 },
    });
    peers.push(target);
    await target.node.start();
    const dialers = await Promise.all(Array.from({ length: 20 }, () => createTestPeer({ directory })));
    peers.push(...dialers);
    await Promise.all(dialers.map((d) => d.node.start()));
    const results = await Promise.allSettled(dialers.map((d) => d.node.dial(target.node.multiaddrs[0]!)));
    expect(results.filter((r) => r.status === "fulfilled")).to.have.length(20);
    await Promise.all(dialers.map((d) => d.node.stop()));
    await survives(target);
  });
});
