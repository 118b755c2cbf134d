// Property: for any sequence of submissions (heights ahead, behind or equal; right or wrong parents;
// re-submissions; conflicting headers), the store accepts exactly what a model of the rules accepts:
// heights strictly increase, a header at latest + 1 links to the latest by parentHash, a certified
// header can be re-submitted as a no-op, and a different header at a certified height is refused.
import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toUtf8Bytes } from "ethers";
import { ZERO_HASH, type Header } from "../../../keeper/src/checkpoint/header.js";
import { deployLocal } from "../../helpers/protocol.js";
import { advanceEpoch, registerOperators, OPEN } from "../../helpers/operators.js";
import { blsCertificate, headerHash, makeHeader } from "../../helpers/checkpoints.js";
import type { TestValidator } from "../../helpers/validators.js";

const { ethers, networkHelpers } = await network.create();

function prng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

describe("CheckpointStore header linking (model-based property)", function () {
  this.timeout(120_000);

  async function fixture() {
    const d = await deployLocal(ethers);
    const signers = await ethers.getSigners();
    const ops = await registerOperators(
      d,
      signers.slice(1, 5),
      [10_000n, 10_000n, 10_000n, 10_000n].map((x) => x * OPEN),
    );
    const bySigner = new Map<string, TestValidator>(ops.map((o) => [o.validator.signer, o.validator]));
    const { tree } = await advanceEpoch(d, networkHelpers);
    return { d, tree, bySigner };
  }

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: 30 random submissions, accepted exactly when the linking rules allow`, async () => {
      const { d, tree, bySigner } = await networkHelpers.loadFixture(fixture);
      const rand = prng(seed);
      const certified = new Map<bigint, string>(); // model: height -> hash
      let latest = 0n;
      const hashAt = (h: bigint) => certified.get(h) ?? ZERO_HASH;
      for (let step = 0; step < 30; step++) {
        const height = latest === 0n ? 1n + BigInt(rand(2)) : latest - 1n + BigInt(rand(4)); // behind, equal, +1, +2
        if (height === 0n) continue;
        const parent = rand(3) === 0 ? keccak256(toUtf8Bytes(`wrong ${step}`)) : hashAt(height - 1n);
        const salt = rand(4) === 0 ? keccak256(toUtf8Bytes(`variant ${step}`)) : ZERO_HASH;
        const header: Header = makeHeader({ epoch: 1n, height, parentHash: parent, taskRoot: salt });
        const hash = headerHash(header);
        // the model
        let expected: "certified" | "noop" | string;
        const existing = certified.get(height);
        if (existing !== undefined) expected = existing === hash ? "noop" : "CheckpointConflict";
        else if (height <= latest) expected = "CheckpointHeightNotIncreasing";
        else if (height === latest + 1n && parent !== hashAt(latest)) expected = "CheckpointParentMismatch";
        else expected = "certified";

        const cert = await blsCertificate(d, tree, bySigner, header, [0, 1, 2, 3]);
        const tx = d.checkpoints.submitCheckpointBls(header, cert);
        if (expected === "certified") {
          await expect(tx, `step ${step} height ${height}`).to.emit(d.checkpoints, "CheckpointCertified");
          certified.set(height, hash);
          latest = height;
        } else if (expected === "noop") {
          await expect(tx, `step ${step}`).to.emit(d.checkpoints, "CheckpointAlreadyCertified");
        } else {
          await expect(tx, `step ${step} height ${height}`).to.be.revertedWithCustomError(d.checkpoints, expected);
        }
        expect(await d.checkpoints.latestHeight()).to.equal(latest);
      }
    });
  }
});
