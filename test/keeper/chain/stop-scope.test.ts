import { expect } from "chai";
import { StopScope } from "../../../keeper/src/chain/stop-scope.js";

describe("StopScope: the stop switch of the modules that wait on the chain", () => {
  it("a sleep ends after its time when nothing stops it", async () => {
    const scope = new StopScope();
    const t0 = Date.now();
    await scope.sleep(30);
    expect(Date.now() - t0).to.be.at.least(25);
    expect(scope.stopped()).to.equal(false);
  });

  it("stop() ends every pending sleep at once, and a sleep after stop arms nothing", async () => {
    const scope = new StopScope();
    const t0 = Date.now();
    const sleeps = [scope.sleep(60_000), scope.sleep(60_000)];
    setTimeout(() => scope.stop(), 20);
    await Promise.all(sleeps);
    expect(Date.now() - t0).to.be.below(5_000);
    expect(scope.stopped()).to.equal(true);
    const t1 = Date.now();
    await scope.sleep(60_000);
    expect(Date.now() - t1).to.be.below(1_000);
  });
});
