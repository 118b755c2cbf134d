import { expect } from "chai";
import { z } from "zod";
import { lpStream } from "@libp2p/utils";
import { InMemoryOperatorDirectory, PushChannel, pushProtocolId } from "../../../keeper/src/p2p/index.js";
import { createMetrics } from "../../../keeper/src/observability/index.js";
import { capturingLogger, silentLogger } from "../helpers/logs.js";
import { createTestPeer, stopAll, waitFor, type TestPeer } from "../helpers/p2p.js";

const note = { name: "note", schema: z.strictObject({ n: z.int(), text: z.string() }), maxBytes: 128 };
type Note = z.infer<typeof note.schema>;

describe("p2p push channel (one-way length-prefixed JSON over one long-lived stream per peer)", function () {
  this.timeout(20_000);
  const directory = new InMemoryOperatorDirectory();
  let server: TestPeer;
  let client: TestPeer;
  let inbox: PushChannel<Note>;
  let outbox: PushChannel<Note>;
  const logs = capturingLogger("warn");
  const received: Array<{ message: Note; peer: string }> = [];
  let refuse = false;
  const id = pushProtocolId(note);
  const openStreams = () =>
    client.node.libp2p
      .getConnections(server.node.peerId)
      .flatMap((c) => c.streams)
      .filter((s) => s.protocol === id && s.status === "open");

  before(async () => {
    server = await createTestPeer({ directory });
    client = await createTestPeer({ directory });
    await Promise.all([server.node.start(), client.node.start()]);
    inbox = new PushChannel(
      { libp2p: server.node.libp2p, logger: logs.logger, metrics: server.metrics, openTimeoutMs: 2_000 },
      note,
    );
    outbox = new PushChannel(
      {
        libp2p: client.node.libp2p,
        logger: silentLogger(),
        metrics: createMetrics({ processMetrics: false }),
        openTimeoutMs: 2_000,
      },
      note,
    );
    await inbox.handle((message, peer) => {
      if (refuse) return false;
      received.push({ message, peer });
      return true;
    });
    await client.node.dial(server.node.multiaddrs[0]!);
  });
  after(async () => {
    await Promise.all([inbox.stop(), outbox.stop()]);
    await stopAll([server, client]);
  });

  it("delivers messages in order, naming the sending peer, all over one stream", async () => {
    received.length = 0;
    for (let n = 0; n < 50; n++) await outbox.send(server.node.peerId, { n, text: `m${n}` });
    await waitFor(() => received.length === 50, "50 messages");
    expect(received.map((r) => r.message.n)).to.deep.equal([...Array(50).keys()]);
    expect(new Set(received.map((r) => r.peer))).to.deep.equal(new Set([client.peerId]));
    expect(openStreams()).to.have.length(1);
  });

  it("counts a message its handler refuses as refused, not delivered", async () => {
    const inOk = async (result: string) =>
      (await server.metrics.pushMessagesTotal.get()).values.find(
        (v) => v.labels.direction === "in" && v.labels.result === result,
      )?.value ?? 0;
    const [ok, refused] = [await inOk("ok"), await inOk("refused")];
    refuse = true;
    try {
      await outbox.send(server.node.peerId, { n: 500, text: "no" });
      await waitFor(async () => (await inOk("refused")) === refused + 1, "the refusal counted");
    } finally {
      refuse = false;
    }
    expect(await inOk("ok")).to.equal(ok);
  });

  it("refuses to send a message over the limit or off the schema", async () => {
    let err = await outbox.send(server.node.peerId, { n: 1, text: "x".repeat(200) }).catch((e: unknown) => e);
    expect((err as Error).message).to.match(/exceeds 128/);
    err = await outbox.send(server.node.peerId, { n: 1.5, text: "" }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
  });

  it("drops and logs a pushed frame that is not JSON or fails the schema, and closes that stream, not the channel", async () => {
    received.length = 0;
    for (const bad of ["{not json", JSON.stringify({ n: "one" })]) {
      const stream = await client.node.libp2p.dialProtocol(server.node.peerId, id);
      const lp = lpStream(stream);
      await lp.write(new TextEncoder().encode(bad));
      await lp.write(new TextEncoder().encode(JSON.stringify({ n: 7, text: "after the bad frame" })));
      await waitFor(() => stream.status !== "open", "the stream closed after its bad frame");
    }
    expect(logs.find(/invalid pushed message/)).to.have.length(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(received).to.have.length(0); // nothing after a refused frame is read
    for (let i = 0; i < 5 && received.length === 0; i++) {
      await outbox.send(server.node.peerId, { n: 8, text: "fine" }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(received.map((r) => r.message)).to.deep.include({ n: 8, text: "fine" });
  });

  it("closes a stream whose frame is over the limit; the sender's next message opens a fresh stream", async () => {
    received.length = 0;
    const stream = await client.node.libp2p.dialProtocol(server.node.peerId, id);
    await lpStream(stream).write(new Uint8Array(1000).fill(0x7b));
    await waitFor(() => logs.find(/push stream aborted/).length === 1, "the oversized stream aborted");
    await waitFor(() => stream.status !== "open", "the stream closed");
    // the channel's own stream is unaffected; abort it too and the next send reopens one
    for (const s of openStreams()) s.abort(new Error("test: broken stream"));
    await waitFor(() => openStreams().length === 0, "no open stream");
    const sendUntilDelivered = async () => {
      // the first send after a broken stream may still go to it before its close is seen
      for (let i = 0; i < 5 && received.length === 0; i++) {
        await outbox.send(server.node.peerId, { n: 99, text: "after" }).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await sendUntilDelivered();
    expect(received.map((r) => r.message.n)).to.include(99);
    expect(openStreams()).to.have.length(1);
  });
});
