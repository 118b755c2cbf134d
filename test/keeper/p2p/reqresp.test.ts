import { expect } from "chai";
import { z } from "zod";
import { InMemoryOperatorDirectory, RequestError, type ProtocolSpec } from "../../../keeper/src/p2p/index.js";
import { createTestPeer, stopAll, type TestPeer } from "../helpers/p2p.js";

const echo: ProtocolSpec<
  { text: string; delayMs?: number; fail?: boolean; big?: number },
  { text: string; from: string }
> = {
  name: "echo",
  request: z.strictObject({
    text: z.string(),
    delayMs: z.int().optional(),
    fail: z.boolean().optional(),
    big: z.int().optional(),
  }),
  response: z.strictObject({ text: z.string(), from: z.string() }),
  maxRequestBytes: 256,
  maxResponseBytes: 1024,
};

describe("p2p request/response (/openmesh/<proto>/1, length-prefixed JSON)", function () {
  this.timeout(20_000);
  const directory = new InMemoryOperatorDirectory();
  let server: TestPeer;
  let client: TestPeer;

  before(async () => {
    server = await createTestPeer({ directory });
    client = await createTestPeer({ directory });
    await Promise.all([server.node.start(), client.node.start()]);
    await server.node.reqresp.handle(echo, async (req, ctx) => {
      if (req.delayMs) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, req.delayMs);
          ctx.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()));
        });
      }
      if (req.fail) throw new Error("handler exploded");
      return { text: req.big ? "x".repeat(req.big) : req.text, from: ctx.peer };
    });
    await client.node.dial(server.node.multiaddrs[0]!);
  });
  after(() => stopAll([server, client]));

  const failure = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(RequestError);
    return err as RequestError;
  };

  it("answers a request, telling the handler who asked", async () => {
    const res = await client.node.reqresp.request(server.node.peerId, echo, { text: "hi" });
    expect(res).to.deep.equal({ text: "hi", from: client.peerId });
    expect(await server.metrics.registry.getSingleMetricAsString("keeper_reqresp_requests_total")).to.include(
      'keeper_reqresp_requests_total{protocol="/openmesh/echo/1",direction="in",result="ok"} 1',
    );
  });

  it("turns a handler failure into a remote-error and the server keeps serving", async () => {
    const err = await failure(client.node.reqresp.request(server.node.peerId, echo, { text: "x", fail: true }));
    expect(err.code).to.equal("remote-error");
    expect(err.message).to.match(/handler-error: handler exploded/);
    expect((await client.node.reqresp.request(server.node.peerId, echo, { text: "again" })).text).to.equal("again");
  });

  it("times out a request whose handler hangs", async () => {
    const started = Date.now();
    const err = await failure(
      client.node.reqresp.request(server.node.peerId, echo, { text: "slow", delayMs: 5_000 }, { timeoutMs: 300 }),
    );
    expect(err.code).to.equal("timeout");
    expect(Date.now() - started).to.be.lessThan(2_000);
  });

  it("refuses to send a request above the size limit", async () => {
    const err = await failure(client.node.reqresp.request(server.node.peerId, echo, { text: "y".repeat(300) }));
    expect(err.code).to.equal("too-large");
  });

  it("fails a response above the size limit instead of buffering it", async () => {
    const err = await failure(client.node.reqresp.request(server.node.peerId, echo, { text: "z", big: 5_000 }));
    expect(err.code).to.equal("too-large");
  });

  it("rejects a raw request that is oversized or fails the schema, without crashing the server", async () => {
    const { lpStream } = await import("@libp2p/utils");
    const send = async (bytes: Uint8Array) => {
      const stream = await client.node.libp2p.dialProtocol(server.node.peerId, "/openmesh/echo/1");
      const lp = lpStream(stream);
      await lp.write(bytes);
      try {
        return new TextDecoder().decode((await lp.read({ signal: AbortSignal.timeout(2_000) })).subarray());
      } catch (err) {
        return `closed: ${(err as Error).name}`;
      } finally {
        stream.abort(new Error("done"));
      }
    };
    expect(await send(new TextEncoder().encode(JSON.stringify({ nope: 1 })))).to.match(/"code":"bad-request"/);
    expect(await send(new Uint8Array(1000).fill(0x7b))).to.match(
      /"code":"bad-request","message":"Message length too long - 1000 > 256"/,
    );
    expect(await send(new Uint8Array([0xff, 0xfe]))).to.match(
      /"code":"bad-request","message":"request is not UTF-8 JSON"/,
    );
    expect((await client.node.reqresp.request(server.node.peerId, echo, { text: "fine" })).text).to.equal("fine");
  });

  it("reports dial-failed for a protocol the peer does not speak", async () => {
    const other = { ...echo, name: "nothing-here" };
    const err = await failure(client.node.reqresp.request(server.node.peerId, other, { text: "?" }));
    expect(err.code).to.equal("dial-failed");
  });
});
