// The keeper's double-sign evidence (keeper/src/bft/evidence.ts) from votes signed the way keepers
// sign them (keeper/src/bft/votes.ts) is accepted on chain, and its replay key is the contract's.
import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toUtf8Bytes } from "ethers";
import { buildDoubleSignEvidence, doubleSignKey } from "../../../keeper/src/bft/evidence.js";
import { signVote } from "../../../keeper/src/bft/votes.js";
import { checkpointDomain } from "../../../keeper/src/checkpoint/header.js";
import type { Vote } from "../../../keeper/src/consensus/types.js";
import { deployLocal } from "../../helpers/protocol.js";
import { advanceEpoch, registerOperators, OPEN } from "../../helpers/operators.js";

const { ethers, networkHelpers } = await network.create();

describe("keeper-built double-sign evidence on chain", () => {
  it("slashes and tombstones the equivocating validator; its replay key matches the contract's", async () => {
    const d = await deployLocal(ethers);
    const signers = await ethers.getSigners();
    const ops = await registerOperators(
      d,
      signers.slice(1, 5),
      [40_000n, 30_000n, 20_000n, 10_000n].map((x) => x * OPEN),
    );
    const { set, tree } = await advanceEpoch(d, networkHelpers);
    const offender = ops[2]!;
    const domain = checkpointDomain(31337n, await d.checkpoints.getAddress());
    const vote = (valueHash: string): Vote => ({
      type: "precommit",
      height: 12,
      round: 3,
      valueHash,
      validator: offender.validator.signer.toLowerCase(),
    });
    const keys = { signer: offender.validator.wallet, blsSecret: offender.validator.blsSecret };
    const a = vote(keccak256(toUtf8Bytes("header A")));
    const b = vote(keccak256(toUtf8Bytes("header B")));
    const evidence = buildDoubleSignEvidence(
      tree,
      set.epoch,
      { vote: a, signature: signVote(domain, set.epoch, a, keys).ecdsa },
      { vote: b, signature: signVote(domain, set.epoch, b, keys).ecdsa },
    )!;
    expect(await d.evidence.used(doubleSignKey(evidence))).to.equal(false);
    await expect(d.evidence.submitDoubleSign(evidence)).to.emit(d.evidence, "DoubleSignPunished");
    expect(await d.evidence.used(doubleSignKey(evidence))).to.equal(true);
    expect((await d.staking.operatorInfo(offender.owner.address)).status).to.equal(4n); // Tombstoned
  });
});
