import { expect } from "chai";
import { InMemoryOperatorDirectory } from "../../../keeper/src/p2p/index.js";
import { capturingLogger } from "../helpers/logs.js";
import { createTestPeer, stopAll, type TestPeer } from "../helpers/p2p.js";

describe("discovery rounds back off while they fail", function () {
  this.timeout(20_000);
  let lonely: TestPeer | undefined;
  after(() => stopAll([lonely]));

  it("doubles the pause after each unsettled round (a bootstrap that refuses), up to the steady interval", async () => {
    const logs = capturingLogger("warn");
    // nothing listens on port 1: every round's bootstrap dial fails at once, so no round settles
    lonely = await createTestPeer({
      directory: new InMemoryOperatorDirectory(),
      logger: logs.logger,
      p2p: { bootstrap: ["/ip4/127.0.0.1/tcp/1/p2p/12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp"] },
      discovery: { fastIntervalMs: 50, intervalMs: 60_000 },
    });
    await lonely.node.start();
    await new Promise((r) => setTimeout(r, 2_000));
    const rounds = logs.find(/bootstrap dial failed/).length;
    // at 50 ms apart: ~40 rounds in 2 s; backing off (0, 50, 150, 350, 750, 1550 ms): 6
    expect(rounds).to.be.within(3, 8);
  });
});
