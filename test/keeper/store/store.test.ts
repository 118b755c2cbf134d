import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { createMetrics } from "../../../keeper/src/observability/index.js";
import { KeeperStore, numericKey, StoreOpenError } from "../../../keeper/src/store/index.js";
import { silentLogger } from "../helpers/logs.js";

const WRITER = fileURLToPath(new URL("./fixtures/store-writer.ts", import.meta.url));

describe("keeper store (LevelDB)", () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "openmesh-store-"));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const open = () => KeeperStore.init({ config: { dataDir }, logger: silentLogger() });

  it("keeps each bucket separate and survives a clean restart", async () => {
    let store = await open();
    await store.peers.put("12D3KooWpeer", { addrs: ["/ip4/127.0.0.1/tcp/1"], lastSeenMs: 1 });
    await store.headers.put(numericKey(7), { height: 7 });
    await store.signingState.put("last", { height: 7, round: 0, step: "precommit" });
    await store.pendingTxs.put("0xabc:5", { nonce: 5 });
    expect(await store.headers.get("12D3KooWpeer")).to.equal(undefined);
    await store.stop();
    expect(store.isOpen).to.equal(false);

    store = await open();
    expect(await store.peers.get("12D3KooWpeer")).to.deep.equal({ addrs: ["/ip4/127.0.0.1/tcp/1"], lastSeenMs: 1 });
    expect(await store.headers.get(numericKey(7))).to.deep.equal({ height: 7 });
    expect(await store.signingState.get("last")).to.deep.equal({ height: 7, round: 0, step: "precommit" });
    expect(await store.pendingTxs.get("0xabc:5")).to.deep.equal({ nonce: 5 });
    await store.stop();
    expect(statSync(join(dataDir, "db")).mode & 0o777).to.equal(0o700);
  });

  it("orders numeric keys numerically and ranges over them", async () => {
    const store = await open();
    for (const h of [2, 10, 1, 255, 16]) await store.headers.put(numericKey(h), h);
    const all = [];
    for await (const [, v] of store.headers.entries()) all.push(v);
    expect(all).to.deep.equal([1, 2, 10, 16, 255]);
    expect(await store.headers.keys({ gte: numericKey(10), lt: numericKey(255) })).to.deep.equal([
      numericKey(10),
      numericKey(16),
    ]);
    expect(() => numericKey(-1)).to.throw(RangeError);
    await store.stop();
  });

  it("appends, replays from a sequence number and truncates the WAL, continuing numbering after a restart", async () => {
    let store = await open();
    for (let i = 0; i < 5; i++) expect(await store.wal.append({ i })).to.equal(BigInt(i));
    await store.wal.truncateBelow(3n);
    await store.stop();

    store = await open();
    expect(store.wal.nextSequence).to.equal(5n);
    expect(await store.wal.append({ i: 5 })).to.equal(5n);
    const replayed = [];
    for await (const e of store.wal.replay()) replayed.push(e);
    expect(replayed).to.deep.equal([
      { seq: 3n, entry: { i: 3 } },
      { seq: 4n, entry: { i: 4 } },
      { seq: 5n, entry: { i: 5 } },
    ]);
    await store.stop();
  });

  it("applies a batch atomically and counts operations in keeper_store_ops_total", async () => {
    const metrics = createMetrics({ processMetrics: false });
    const store = await KeeperStore.init({ config: { dataDir }, logger: silentLogger(), metrics });
    await store.peers.batch([
      { type: "put", key: "a", value: { addrs: [], lastSeenMs: 1 } },
      { type: "put", key: "b", value: { addrs: [], lastSeenMs: 2 } },
      { type: "del", key: "a" },
    ]);
    expect(await store.peers.keys()).to.deep.equal(["b"]);
    await store.peers.get("b");
    const text = await metrics.registry.metrics();
    expect(text).to.include('keeper_store_ops_total{bucket="peers",op="batch"} 1');
    expect(text).to.include('keeper_store_ops_total{bucket="peers",op="get"} 1');
    await store.stop();
  });

  it("refuses a second keeper on the same data dir with a clear error", async () => {
    const store = await open();
    try {
      const err = await open().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(StoreOpenError);
      expect((err as Error).message).to.match(/in use by another keeper process/);
    } finally {
      await store.stop();
    }
  });

  it("loses no acknowledged write when the process is killed with SIGKILL mid-write-loop", async function () {
    this.timeout(20_000);
    const child = spawn(process.execPath, ["--import", "tsx", WRITER, dataDir], { stdio: ["ignore", "pipe", "pipe"] });
    let acked = -1;
    let buffered = "";
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) acked = Number(line);
        // Kill at an arbitrary point well into the loop, while writes are in flight.
        if (acked >= 300 + Math.floor(Math.random() * 200)) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.on("exit", () => reject(new Error(`writer exited early: ${stderr}`)));
    });
    expect(await exited).to.equal("SIGKILL");
    expect(acked).to.be.at.least(300); // killed at 300 + [0, 200)

    const store = await open();
    const walSeqs = new Set<bigint>();
    for await (const { seq, entry } of store.wal.replay()) {
      expect(entry).to.deep.equal({ i: Number(seq), kind: "vote" });
      walSeqs.add(seq);
    }
    for (let i = 0; i <= acked; i++) {
      expect(walSeqs.has(BigInt(i)), `WAL entry ${i}`).to.equal(true);
      expect(await store.headers.get(numericKey(i)), `header ${i}`).to.deep.equal({ height: i, body: "x".repeat(200) });
    }
    const last = (await store.signingState.get("last")) as { height: number };
    expect(last.height).to.be.at.least(acked);
    await store.stop();
  });
});
