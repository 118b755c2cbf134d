import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toUtf8Bytes } from "ethers";
import { deployLocal } from "../../helpers/protocol.js";
import { advanceEpoch, registerOperators, OPEN } from "../../helpers/operators.js";
import { blsCertificate, ecdsaCertificate, headerHash, makeHeader } from "../../helpers/checkpoints.js";
import type { TestValidator } from "../../helpers/validators.js";

const { ethers, networkHelpers } = await network.create();

describe("CheckpointStore: certified headers", () => {
  async function fixture() {
    const d = await deployLocal(ethers);
    const signers = await ethers.getSigners();
    // stakes 40k, 30k, 20k, 10k OPEN: any 3 of the top 3 hold 90 of 100
    const ops = await registerOperators(
      d,
      signers.slice(1, 5),
      [40_000n, 30_000n, 20_000n, 10_000n].map((x) => x * OPEN),
    );
    const bySigner = new Map<string, TestValidator>(ops.map((o) => [o.validator.signer, o.validator]));
    const { set, tree } = await advanceEpoch(d, networkHelpers);
    return { d, ops, bySigner, set, tree, submitter: signers[9]! };
  }

  it("certifies a header with a BLS aggregate of all validators, then links the next one with ECDSA", async () => {
    const { d, bySigner, set, tree, submitter } = await networkHelpers.loadFixture(fixture);
    expect(set.epoch).to.equal(1n);
    const h1 = makeHeader({ epoch: 1n, height: 1n });
    const cert1 = await blsCertificate(d, tree, bySigner, h1, [0, 1, 2, 3]);
    await expect(d.checkpoints.connect(submitter).submitCheckpointBls(h1, cert1))
      .to.emit(d.checkpoints, "CheckpointCertified")
      .withArgs(1n, 1n, headerHash(h1), 1n, 0n, set.totalStake, submitter.address);
    expect(await d.checkpoints.latestHeight()).to.equal(1n);
    expect(await d.checkpoints.checkpointHash(1n)).to.equal(headerHash(h1));

    const h2 = makeHeader({ epoch: 1n, height: 2n, parentHash: headerHash(h1) });
    const cert2 = await ecdsaCertificate(d, tree, bySigner, h2, [0, 1, 2]);
    await expect(d.checkpoints.submitCheckpointEcdsa(h2, cert2)).to.emit(d.checkpoints, "CheckpointCertified");
    expect(await d.checkpoints.requireCertified(h2)).to.equal(headerHash(h2));
  });

  it("treats a second submission of a certified header as a harmless no-op", async () => {
    const { d, bySigner, tree } = await networkHelpers.loadFixture(fixture);
    const h1 = makeHeader({ epoch: 1n, height: 1n });
    const cert = await blsCertificate(d, tree, bySigner, h1, [0, 1, 2, 3]);
    await d.checkpoints.submitCheckpointBls(h1, cert);
    await expect(d.checkpoints.submitCheckpointBls(h1, cert))
      .to.emit(d.checkpoints, "CheckpointAlreadyCertified")
      .withArgs(1n, headerHash(h1), (await ethers.getSigners())[0]!.address);
    expect(await d.checkpoints.latestHeight()).to.equal(1n);
  });

  it("rejects a different header at a certified height", async () => {
    const { d, bySigner, tree } = await networkHelpers.loadFixture(fixture);
    const h1 = makeHeader({ epoch: 1n, height: 1n });
    await d.checkpoints.submitCheckpointBls(h1, await blsCertificate(d, tree, bySigner, h1, [0, 1, 2, 3]));
    const other = makeHeader({ epoch: 1n, height: 1n, taskRoot: keccak256(toUtf8Bytes("x")) });
    const cert = await blsCertificate(d, tree, bySigner, other, [0, 1, 2, 3]);
    await expect(d.checkpoints.submitCheckpointBls(other, cert))
      .to.be.revertedWithCustomError(d.checkpoints, "CheckpointConflict")
      .withArgs(1n, headerHash(h1), headerHash(other));
  });

  it("rejects a header of another epoch, another chain, a lower height or a broken parent link", async () => {
    const { d, bySigner, tree } = await networkHelpers.loadFixture(fixture);
    const wrongEpoch = makeHeader({ epoch: 2n, height: 1n });
    await expect(
      d.checkpoints.submitCheckpointBls(wrongEpoch, await blsCertificate(d, tree, bySigner, wrongEpoch, [0, 1, 2, 3])),
    )
      .to.be.revertedWithCustomError(d.checkpoints, "CheckpointWrongEpoch")
      .withArgs(2n, 1n);
    const wrongChain = makeHeader({ epoch: 1n, height: 1n, chainId: 1n });
    await expect(
      d.checkpoints.submitCheckpointBls(wrongChain, await blsCertificate(d, tree, bySigner, wrongChain, [0, 1, 2, 3])),
    )
      .to.be.revertedWithCustomError(d.checkpoints, "CheckpointWrongChain")
      .withArgs(1n, 31337n);
    const h5 = makeHeader({ epoch: 1n, height: 5n });
    await d.checkpoints.submitCheckpointBls(h5, await blsCertificate(d, tree, bySigner, h5, [0, 1, 2, 3]));
    const h3 = makeHeader({ epoch: 1n, height: 3n });
    await expect(d.checkpoints.submitCheckpointBls(h3, await blsCertificate(d, tree, bySigner, h3, [0, 1, 2, 3])))
      .to.be.revertedWithCustomError(d.checkpoints, "CheckpointHeightNotIncreasing")
      .withArgs(3n, 5n);
    const h6 = makeHeader({ epoch: 1n, height: 6n, parentHash: keccak256("0x01") });
    await expect(d.checkpoints.submitCheckpointBls(h6, await blsCertificate(d, tree, bySigner, h6, [0, 1, 2, 3])))
      .to.be.revertedWithCustomError(d.checkpoints, "CheckpointParentMismatch")
      .withArgs(keccak256("0x01"), headerHash(h5));
  });

  it("rejects a certificate whose signers hold two thirds or less of the epoch's stake", async () => {
    const { d, bySigner, tree, set } = await networkHelpers.loadFixture(fixture);
    const h1 = makeHeader({ epoch: 1n, height: 1n });
    // leaf 0 (40k) + leaf 2 (20k) + leaf 3 (10k) = 70 of 100 > 2/3: accepted; 0 + 1 = 70 too; 1 + 2 + 3 = 60: rejected
    const cert = await ecdsaCertificate(d, tree, bySigner, h1, [1, 2, 3]);
    await expect(d.checkpoints.submitCheckpointEcdsa(h1, cert))
      .to.be.revertedWithCustomError(d.checkpoints, "CertificateQuorumNotReached")
      .withArgs(60_000n * OPEN, (set.totalStake * 2n) / 3n + 1n);
    const bls = await blsCertificate(d, tree, bySigner, h1, [1, 2, 3]);
    await expect(d.checkpoints.submitCheckpointBls(h1, bls)).to.be.revertedWithCustomError(
      d.checkpoints,
      "CertificateQuorumNotReached",
    );
    await expect(d.checkpoints.submitCheckpointBls(h1, await blsCertificate(d, tree, bySigner, h1, [0, 2, 3]))).to.emit(
      d.checkpoints,
      "CheckpointCertified",
    );
  });

  it("rejects a certificate signed for another round than it claims", async () => {
    const { d, bySigner, tree } = await networkHelpers.loadFixture(fixture);
    const h1 = makeHeader({ epoch: 1n, height: 1n });
    const cert = await blsCertificate(d, tree, bySigner, h1, [0, 1, 2, 3], 0);
    cert.round = 1;
    await expect(d.checkpoints.submitCheckpointBls(h1, cert)).to.be.revertedWithCustomError(
      d.checkpoints,
      "CertificateInvalidBlsSignature",
    );
  });

  it("rejects certificates in epoch 0, which has no validators", async () => {
    const d = await deployLocal(ethers);
    const h1 = makeHeader({ epoch: 0n, height: 1n });
    await expect(
      d.checkpoints.submitCheckpointEcdsa(h1, { round: 0, votes: "0x", proof: [], proofFlags: 0n }),
    ).to.be.revertedWithCustomError(d.checkpoints, "CertificateEmptyValidatorSet");
  });
});
