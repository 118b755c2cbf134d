import { expect } from "chai";
import { isOneThirdPlus, isQuorum } from "../../../keeper/src/consensus/index.js";

describe("consensus quorum thresholds", () => {
  it("exactly 2/3 of the power is not a quorum; one unit more is", () => {
    expect(isQuorum(2n, 3n)).to.equal(false);
    expect(isQuorum(200n, 300n)).to.equal(false);
    expect(isQuorum(201n, 300n)).to.equal(true);
    const total = 3n * 10n ** 27n; // stake in wei
    expect(isQuorum((total * 2n) / 3n, total)).to.equal(false);
    expect(isQuorum((total * 2n) / 3n + 1n, total)).to.equal(true);
  });

  it("a quorum is strict even when 2/3 is not an integer", () => {
    // total 10: 2/3 is 6.67, so 6 is not enough and 7 is
    expect(isQuorum(6n, 10n)).to.equal(false);
    expect(isQuorum(7n, 10n)).to.equal(true);
  });

  it("exactly 1/3 is not f+1; one unit more is", () => {
    expect(isOneThirdPlus(100n, 300n)).to.equal(false);
    expect(isOneThirdPlus(101n, 300n)).to.equal(true);
    expect(isOneThirdPlus(3n, 10n)).to.equal(false);
    expect(isOneThirdPlus(4n, 10n)).to.equal(true);
  });
});
