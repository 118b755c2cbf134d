// patches/@chainsafe+libp2p-yamux+8.0.1.patch (applied by patch-package on install) makes yamux send
// a window update once half the receive window is used instead of after every data frame: at 32
// keepers that was a second frame (encrypted, written) per gossip message received.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

describe("yamux window-update patch", () => {
  it("is applied to the installed @chainsafe/libp2p-yamux (npm install ran patch-package)", () => {
    const stream = new URL("../../../node_modules/@chainsafe/libp2p-yamux/dist/src/stream.js", import.meta.url);
    const source = readFileSync(fileURLToPath(stream), "utf8");
    expect(source).to.include("(this.recvWindow - this.recvWindowCapacity) * 2 < this.recvWindow");
  });
});
