// One verifier challenging provers over real libp2p sockets (/openmesh/por/1 and
// /openmesh/por-bandwidth/1): an honest prover proves its claims, a prover keeping less storage
// proves less, a slow or wrong bandwidth sender and a stranger asking are caught; the memory fill
// is made once per epoch and walked by every verifier.
import { expect } from "chai";
import { lpStream } from "@libp2p/utils";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PorConfigSchema } from "../../../keeper/src/config/index.js";
import { InMemoryOperatorDirectory } from "../../../keeper/src/p2p/index.js";
import { bandwidthPieces, bandwidthRequest, verifyBandwidth } from "../../../keeper/src/por/bandwidth.js";
import { challenge, receiveBandwidth } from "../../../keeper/src/por/challenger.js";
import { measureParams, storageChunksOf, type Claims } from "../../../keeper/src/por/params.js";
import { hex } from "../../../keeper/src/por/hash.js";
import { memoryChallenge, memoryFillSeed } from "../../../keeper/src/por/memory.js";
import { memoryBytesOf } from "../../../keeper/src/por/params.js";
import { PorProver } from "../../../keeper/src/por/prover.js";
import { porProtocol } from "../../../keeper/src/por/protocol.js";
import { BANDWIDTH_PROTOCOL } from "../../../keeper/src/por/protocol.js";
import { measureBit } from "../../../keeper/src/por/report.js";
import { StorageDataset } from "../../../keeper/src/por/storage.js";
import { silentLogger } from "../helpers/logs.js";
import { createTestPeer, stopAll, type TestPeer } from "../helpers/p2p.js";

export const TEST_POR = PorConfigSchema.parse({
  enabled: true,
  cpu: { chainLength: 2_000, deadlineMs: 20_000 },
  memory: { sizeDivisor: 64, fillDeadlineMs: 30_000, walkDeadlineMs: 5_000 },
  storage: { chunkWork: 200, sizeDivisor: 4096, deadlineMs: 5_000 },
  bandwidth: { seconds: 0.1, deadlineMs: 20_000 },
  latency: { samples: 3 },
});
const params = measureParams(TEST_POR);
const claims: Claims = { cpuCores: 2, memoryMiB: 64, storageGiB: 4, bandwidthMbps: 10 };
const EPOCH = 7;
const SEED = "0x" + "ab".repeat(32);

describe("PoR challenge protocol over libp2p (/openmesh/por/1)", function () {
  this.timeout(60_000);
  const directory = new InMemoryOperatorDirectory();
  let dir: string;
  let verifier: TestPeer;
  let verifier2: TestPeer;
  let honest: TestPeer;
  let liar: TestPeer;
  let stranger: TestPeer;
  const provers: PorProver[] = [];
  const datasets: StorageDataset[] = [];

  async function startProver(peer: TestPeer, keepGiB: number, allowed: () => string[]): Promise<void> {
    const chunks = storageChunksOf(claims.storageGiB, params);
    const d = await StorageDataset.create(
      join(dir, peer.peerId),
      peer.operator,
      chunks,
      params.storage,
      storageChunksOf(keepGiB, params),
    );
    datasets.push(d);
    const prover = new PorProver({
      libp2p: peer.node.libp2p,
      reqresp: peer.node.reqresp,
      logger: silentLogger(),
      operator: peer.operator,
      params,
      claims: () => claims,
      authorize: (p) => allowed().includes(p),
      dataset: () => d,
      epochSeed: (e) => (e === EPOCH ? SEED : undefined),
      verifierCount: () => 2,
      fillHoldMs: 60_000,
    });
    await prover.start();
    provers.push(prover);
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "por-protocol-"));
    const peers = await Promise.all([0, 1, 2, 3, 4].map(() => createTestPeer({ directory })));
    [verifier, honest, liar, stranger, verifier2] = peers as [TestPeer, TestPeer, TestPeer, TestPeer, TestPeer];
    await Promise.all(peers.map((p) => p.node.start()));
    await startProver(honest, 4, () => [verifier.peerId, verifier2.peerId]);
    await startProver(liar, 1, () => [verifier.peerId]);
    for (const p of [honest, liar]) {
      await verifier.node.dial(p.node.multiaddrs[0]!);
      await verifier2.node.dial(p.node.multiaddrs[0]!);
      await stranger.node.dial(p.node.multiaddrs[0]!);
    }
  });
  after(async () => {
    await Promise.all(provers.map((p) => p.stop()));
    await Promise.all(datasets.map((d) => d.close()));
    await stopAll([verifier, honest, liar, stranger, verifier2]);
    await rm(dir, { recursive: true, force: true });
  });

  const run = (from: TestPeer, to: TestPeer) =>
    challenge(
      { libp2p: from.node.libp2p, reqresp: from.node.reqresp, params },
      { peerId: to.node.peerId, operator: to.operator, claims },
      { epoch: EPOCH, seed: SEED, verifier: from.operator },
    );

  it("an honest prover proves every claim, and its RTT is measured", async () => {
    const { body, reasons } = await run(verifier, honest);
    expect(reasons).to.deep.equal({});
    expect(body).to.include({ failed: 0, missed: 0, cpuCores: 2, memoryMiB: 64, storageGiB: 4, bandwidthMbps: 10 });
    expect(body.latencyUs).to.be.greaterThan(0);
    expect(body.operator).to.equal(honest.operator.toLowerCase());
  });

  it("a prover that claims 4 GiB but keeps 1 proves about 1, and is not marked a fraud", async () => {
    const { body } = await run(verifier, liar);
    expect(body.storageGiB).to.be.lessThan(3);
    expect(body.failed & measureBit("storage")).to.equal(0);
    expect(body.cpuCores).to.equal(2);
  });

  it("two verifiers of one epoch walk one shared memory fill; a fill of another seed is refused", async () => {
    const honestProver = provers[0]!;
    const before = honestProver.fillsMade;
    const second = await run(verifier2, honest);
    expect(second.reasons).to.deep.equal({});
    expect(second.body.memoryMiB).to.equal(64);
    // the first test's verifier already had the fill made: the second verifier walked the same one
    expect(honestProver.fillsMade).to.equal(before);
    expect(before).to.equal(1);
    // a verifier asking for a fill of its own seed (not the epoch's) makes the prover burn nothing
    const own = memoryChallenge(Buffer.alloc(32, 7), memoryBytesOf(claims.memoryMiB, params), params.memory);
    const refused = await verifier.node.reqresp
      .request(honest.node.peerId, porProtocol, { kind: "memory-fill", epoch: EPOCH, challenge: own })
      .then(
        () => "answered",
        (err: Error) => err.message,
      );
    expect(refused).to.match(/fill seed/);
    expect(honestProver.fillsMade).to.equal(before);
    // the epoch's seed is bound to the prover's operator: the liar's seed is not the honest one's
    expect(hex(memoryFillSeed(SEED, liar.operator, EPOCH))).to.not.equal(
      hex(memoryFillSeed(SEED, honest.operator, EPOCH)),
    );
  });

  it("a peer that is not an assigned verifier is refused every measure (all missed, nothing proven)", async () => {
    const { body } = await run(stranger, honest);
    expect(body.missed).to.equal(0x1f);
    expect(body).to.include({ cpuCores: 0, memoryMiB: 0, storageGiB: 0, bandwidthMbps: 0, latencyUs: 0 });
  });

  it("bandwidth: a sender slower than its claim proves its real rate; wrong bytes prove nothing", async () => {
    // a cheating prover's handler: the right bytes, 200 ms apart per 64 KiB piece (~2.6 Mbit/s)
    const slow = await createTestPeer({ directory });
    await slow.node.start();
    await slow.node.libp2p.handle(BANDWIDTH_PROTOCOL, async (stream) => {
      const lp = lpStream(stream);
      const req = JSON.parse(new TextDecoder().decode((await lp.read()).subarray())) as { seed: string; bytes: number };
      const wrong = req.seed.endsWith("00");
      for (const piece of bandwidthPieces(req)) {
        if (wrong) piece[0] = piece[0]! ^ 1;
        await lp.write(piece);
        await new Promise((r) => setTimeout(r, 200));
      }
      await stream.close();
    });
    await verifier.node.dial(slow.node.multiaddrs[0]!);
    try {
      const req = bandwidthRequest(claims.bandwidthMbps, params.bandwidth);
      const got = await receiveBandwidth(verifier.node.libp2p, slow.node.peerId, req, 20_000);
      const v = verifyBandwidth(req, got, got.ms, claims.bandwidthMbps, params.bandwidth);
      expect(v.failure).to.equal(undefined);
      expect(v.provenMbps).to.be.lessThan(claims.bandwidthMbps / 2);

      const bad = bandwidthRequest(claims.bandwidthMbps, params.bandwidth, Buffer.alloc(32, 0));
      const gotBad = await receiveBandwidth(verifier.node.libp2p, slow.node.peerId, bad, 20_000);
      const vBad = verifyBandwidth(bad, gotBad, gotBad.ms, claims.bandwidthMbps, params.bandwidth);
      expect(vBad.provenMbps).to.equal(0);
      expect(vBad.failure).to.match(/not the seed's/);
    } finally {
      await stopAll([slow]);
    }
  });
});
