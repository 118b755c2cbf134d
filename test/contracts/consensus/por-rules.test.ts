import { expect } from "chai";
import { network } from "hardhat";
import { asTimelock, deployFourOperators } from "../../helpers/operators.js";

const { ethers, networkHelpers } = await network.create();

describe("EvidenceHandler: the Proof-of-Resource rules are governed", () => {
  const fixture = async () => (await deployFourOperators(ethers)).d;

  it("starts with 3 verifiers, a quorum of 2 and a 20% fault tolerance (docs/por.md)", async () => {
    const d = await networkHelpers.loadFixture(fixture);
    expect([...(await d.evidence.porRules())]).to.deep.equal([3n, 2n, 20n]);
  });

  it("the DAO timelock sets them (event); nobody else may", async () => {
    const d = await networkHelpers.loadFixture(fixture);
    const [, stranger] = await ethers.getSigners();
    await expect(d.evidence.connect(stranger!).setPorRules(5, 3, 10)).to.be.revertedWithCustomError(
      d.evidence,
      "AccessManagedUnauthorized",
    );
    await asTimelock(d, ethers, networkHelpers, async (tl) => {
      await expect(d.evidence.connect(tl).setPorRules(5, 3, 10))
        .to.emit(d.evidence, "PorRulesSet")
        .withArgs(5n, 3n, 10n);
    });
    expect([...(await d.evidence.porRules())]).to.deep.equal([5n, 3n, 10n]);
  });

  it("refuses no verifier, more than 16, a quorum that is not a majority of them or above them, and a tolerance above 50%", async () => {
    const d = await networkHelpers.loadFixture(fixture);
    await asTimelock(d, ethers, networkHelpers, async (tl) => {
      for (const [k, q, t] of [
        [0, 0, 20],
        [17, 9, 20],
        [3, 1, 20],
        [4, 2, 20],
        [3, 4, 20],
        [3, 2, 51],
      ] as const) {
        await expect(d.evidence.connect(tl).setPorRules(k, q, t))
          .to.be.revertedWithCustomError(d.evidence, "EvidenceInvalidPorRule")
          .withArgs(k, q, t);
      }
      await expect(d.evidence.connect(tl).setPorRules(1, 1, 0)).to.emit(d.evidence, "PorRulesSet");
      await expect(d.evidence.connect(tl).setPorRules(16, 9, 50)).to.emit(d.evidence, "PorRulesSet");
    });
  });
});
