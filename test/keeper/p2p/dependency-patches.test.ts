// patches/ (applied by patch-package when npm installs) changes three libp2p dependencies, each for
// a keeper's CPU per height at 32 keepers (scripts/bench/bft.ts, docs/benchmarks.md):
//  - @chainsafe/libp2p-yamux: a window update once half the receive window is used, as go-yamux and
//    rust-yamux do, instead of after every data frame (a second frame per gossip message received);
//  - @libp2p/tcp: a socket is corked for the rest of the tick, so a noise frame's length prefix and
//    ciphertext, and the frames of one tick, go out in one writev instead of a syscall each;
//  - @libp2p/utils: the length-prefixed decoder stops at an empty buffer instead of catching the
//    RangeError its length decoder threw there, once per chunk read (3.7% of the busy time).
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

function installed(path: string): string {
  return readFileSync(fileURLToPath(new URL(`../../../node_modules/${path}`, import.meta.url)), "utf8");
}

describe("patched dependencies (npm install ran patch-package)", () => {
  it("yamux sends a window update only once half the receive window is used", () => {
    expect(installed("@chainsafe/libp2p-yamux/dist/src/stream.js")).to.include(
      "(this.recvWindow - this.recvWindowCapacity) * 2 < this.recvWindow",
    );
  });

  it("tcp corks the socket until the next tick instead of writing each chunk", () => {
    const source = installed("@libp2p/tcp/dist/src/socket-to-conn.js");
    expect(source).to.include("this.socket.cork();");
    expect(source).to.include("this.socket.uncork();");
  });

  it("the length-prefixed decoder stops at an empty buffer without throwing", () => {
    expect(installed("@libp2p/utils/dist/src/length-prefixed-decoder.js")).to.include(
      "if (this.buffer.byteLength === 0) {",
    );
  });
});
