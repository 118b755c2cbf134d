// Signers of a certificate, read from the submit call's calldata (docs/certificates.md layouts):
// one 77-byte record per ECDSA signer; for BLS, the set's size less one 205-byte record per
// non-signer. Any other calldata has no answer rather than a wrong one.
import { expect } from "chai";
import { signersOf } from "../../../keeper/src/studio/checkpoint-feed.js";
import { CheckpointStore__factory } from "../../../types/ethers-contracts/index.js";
import { makeHeader } from "../../helpers/checkpoints.js";

const store = CheckpointStore__factory.createInterface();
const bytes = (n: number) => "0x" + "ab".repeat(n);

describe("studio: signers of a certificate from its calldata", () => {
  const header = makeHeader({ epoch: 1n, height: 5n });

  it("counts every ECDSA vote record, for any number of signers", () => {
    for (const n of [1, 3, 16, 100]) {
      const data = store.encodeFunctionData("submitCheckpointEcdsa", [
        header,
        { round: 0, votes: bytes(77 * n), proof: [], proofFlags: 0n },
      ]);
      expect(signersOf(data, null)).to.equal(n);
    }
  });

  it("subtracts BLS non-signers from the set size, and needs the set size", () => {
    for (const [validators, nonSigners] of [
      [4, 0],
      [4, 1],
      [32, 10],
    ] as const) {
      const data = store.encodeFunctionData("submitCheckpointBls", [
        header,
        {
          round: 1,
          aggregateSignature: bytes(96),
          aggregatePubkey: bytes(192),
          nonSigners: bytes(205 * nonSigners),
          proof: [],
          proofFlags: 0n,
        },
      ]);
      expect(signersOf(data, validators)).to.equal(validators - nonSigners);
      expect(signersOf(data, null)).to.equal(null);
    }
  });

  it("answers null for calldata that is not a direct submit", () => {
    expect(signersOf(store.encodeFunctionData("setCheckpointInterval", [2n]), 4)).to.equal(null);
    expect(signersOf("0xdeadbeef", 4)).to.equal(null);
    expect(signersOf("0x", 4)).to.equal(null);
  });
});
