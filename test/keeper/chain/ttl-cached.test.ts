import { expect } from "chai";
import { ttlCached } from "../../../keeper/src/chain/ttl-cached.js";

describe("ttlCached: a chain value read at most once per interval", () => {
  it("serves one read to concurrent and later callers within the interval, and reads again after it", async () => {
    let reads = 0;
    const get = ttlCached(50, async () => ++reads);
    expect(await Promise.all([get(), get(), get()])).to.deep.equal([1, 1, 1]);
    expect(await get()).to.equal(1);
    await new Promise((r) => setTimeout(r, 70));
    expect(await get()).to.equal(2);
    expect(reads).to.equal(2);
  });

  it("keeps no failed read: the next call reads again", async () => {
    let reads = 0;
    const get = ttlCached(60_000, async () => {
      if (++reads === 1) throw new Error("rpc down");
      return reads;
    });
    let failed = false;
    await get().catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect(await get()).to.equal(2);
  });
});
