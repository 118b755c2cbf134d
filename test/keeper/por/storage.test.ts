import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  datasetSeed,
  deriveChunk,
  StorageDataset,
  storageRequest,
  verifyStorage,
  type StorageParams,
} from "../../../keeper/src/por/storage.js";

const params: StorageParams = {
  chunkBytes: 4096,
  chunkWork: 300,
  challenges: 32,
  derivationChecks: 4,
  deadlineMs: 60_000,
  unitBytes: 64 * 4096,
};
const operator = "0x1111111111111111111111111111111111111111";

describe("PoR storage: seed-derived chunks, Merkle commitment, timed chunk challenges", function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), "por-storage-"))));
  after(() => rm(dir, { recursive: true, force: true }));

  it("an honest prover with the whole data set on disk proves all of it, also after a reopen", async () => {
    const d = await StorageDataset.create(join(dir, "honest"), operator, 256, params);
    const c = d.commitment();
    await d.close();
    const again = await StorageDataset.open(join(dir, "honest"), params);
    expect(again.commitment()).to.deep.equal(c);
    const req = storageRequest(c, params);
    const v = verifyStorage(operator, c, req, await again.answer(req), 5, params);
    await again.close();
    expect(v).to.deep.equal({ provenBytes: 256 * 4096, provenUnits: 4, answered: 32 });
  });

  it("missing chunks: a prover keeping a quarter of its declared data set proves about a quarter", async () => {
    const d = await StorageDataset.create(join(dir, "liar"), operator, 256, params, 64);
    const c = d.commitment();
    // fixed picks: 8 of the 32 challenged chunks fall in the kept quarter
    let k = 0;
    const req = storageRequest(c, params, (n) => Math.min(n - 1, (k++ % 4) * 64 + 7));
    const v = verifyStorage(operator, c, req, await d.answer(req), 5, params);
    await d.close();
    expect(v.failure).to.equal(undefined);
    expect(v.answered).to.equal(8);
    expect(v.provenUnits).to.equal(1);
  });

  it("late answers fail: regenerating challenged chunks from the seed does not fit the deadline", async () => {
    const slow = { ...params, chunkWork: 5_000 };
    // the deadline: half of one chunk's derivation, measured here and now (the cheat rebuilds 7)
    let t = performance.now();
    deriveChunk(datasetSeed(operator), 1, Buffer.alloc(slow.chunkBytes), slow);
    const tight = { ...slow, deadlineMs: Math.max(5, Math.floor((performance.now() - t) / 2)) };
    const d = await StorageDataset.create(join(dir, "regen"), operator, 8, tight, 1);
    const c = d.commitment();
    const req = storageRequest(c, tight, () => 7);
    t = performance.now();
    // the cheat keeps chunk 0 and rebuilds the rest from it when challenged
    const rebuilt = await StorageDataset.create(join(dir, "regen-again"), operator, 8, tight);
    const answer = await rebuilt.answer(req);
    const v = verifyStorage(operator, c, req, answer, performance.now() - t, tight);
    await Promise.all([d.close(), rebuilt.close()]);
    expect(v.provenUnits).to.equal(0);
    expect(v.failure).to.match(/^late/);
  });

  it("chunks of another operator's data set (storage shared between identities) fail the derivation check", async () => {
    const d = await StorageDataset.create(join(dir, "other"), "0x2222222222222222222222222222222222222222", 64, params);
    const c = d.commitment();
    const req = storageRequest(c, params);
    const v = verifyStorage(operator, c, req, await d.answer(req), 5, params);
    await d.close();
    expect(v.provenUnits).to.equal(0);
    expect(v.failure).to.match(/does not derive/);
  });
});
