// Wasm modules from peers by hash over real libp2p sockets (/openmesh/wasm-module/1): a holder
// serves the bytes, a peer serving other bytes under the hash is passed over, a hash nobody holds
// comes back undefined.
import { expect } from "chai";
import { keccak256 } from "ethers";
import { InMemoryOperatorDirectory } from "../../../keeper/src/p2p/index.js";
import { ModuleExchange, moduleProtocol } from "../../../keeper/src/tasks/module-exchange.js";
import { ModuleStore } from "../../../keeper/src/wasm/module-store.js";
import { silentLogger } from "../helpers/logs.js";
import { createTestPeer, stopAll, type TestPeer } from "../helpers/p2p.js";
import { HASH_MODULE, TRAPS } from "../wasm/modules.js";

describe("wasm modules from peers by hash (/openmesh/wasm-module/1)", function () {
  this.timeout(30_000);
  const directory = new InMemoryOperatorDirectory();
  let holder: TestPeer, liar: TestPeer, asker: TestPeer;
  let exchange: ModuleExchange;
  const hash = keccak256(HASH_MODULE);

  before(async () => {
    [holder, liar, asker] = (await Promise.all([0, 1, 2].map(() => createTestPeer({ directory })))) as [
      TestPeer,
      TestPeer,
      TestPeer,
    ];
    await Promise.all([holder, liar, asker].map((p) => p.node.start()));
    const held = new ModuleStore({ allowPrivate: true });
    held.put(HASH_MODULE);
    await new ModuleExchange({
      libp2p: holder.node.libp2p,
      reqresp: holder.node.reqresp,
      store: held,
      logger: silentLogger(),
    }).serve();
    // the liar answers every hash with another module's bytes
    await liar.node.reqresp.handle(moduleProtocol, () => ({ bytes: Buffer.from(TRAPS).toString("base64") }));
    exchange = new ModuleExchange({
      libp2p: asker.node.libp2p,
      reqresp: asker.node.reqresp,
      store: new ModuleStore({ allowPrivate: true }),
      logger: silentLogger(),
    });
    await exchange.serve();
    await asker.node.dial(holder.node.multiaddrs[0]!);
    await asker.node.dial(liar.node.multiaddrs[0]!);
  });
  after(() => stopAll([holder, liar, asker]));

  it("gets a module's bytes from the peer that holds it, passing over a peer that serves other bytes", async () => {
    const peers = [liar.node.libp2p.peerId, holder.node.libp2p.peerId];
    const bytes = await exchange.fetch(hash, peers);
    expect(bytes && Buffer.from(bytes).equals(Buffer.from(HASH_MODULE))).to.equal(true);
    // the liar alone: nothing is accepted
    expect(await exchange.fetch(hash, [liar.node.libp2p.peerId])).to.equal(undefined);
  });

  it("returns undefined for a hash no peer holds", async () => {
    const unknown = keccak256(new TextEncoder().encode("no such module"));
    expect(await exchange.fetch(unknown, [holder.node.libp2p.peerId])).to.equal(undefined);
  });
});
