import { expect } from "chai";
import { network } from "hardhat";
import { hexlify, keccak256, toBeHex, toUtf8Bytes, ZeroHash } from "ethers";
import {
  buildBlsCertificate,
  buildEcdsaCertificate,
  compactPoint,
  decodeEcdsaVotes,
  decodeNonSigners,
  ECDSA_VOTE_LENGTH,
  encodeEcdsaVotes,
  encodeNonSigners,
  NON_SIGNER_LENGTH,
  packProofFlags,
} from "../../../keeper/src/checkpoint/certificate.js";
import { blsSign, ecdsaSign, makeValidators, validatorTree, type TestValidator } from "../../helpers/validators.js";
import type { CertificateVerifierHarness } from "../../../types/ethers-contracts/index.js";

const { ethers } = await network.create();
const OPEN = 10n ** 18n;

describe("CertificateVerifier (library, independent of storage)", () => {
  let harness: CertificateVerifierHarness;
  const digest = keccak256(toUtf8Bytes("precommit digest"));

  before(async () => {
    harness = (await ethers.deployContract("CertificateVerifierHarness")) as unknown as CertificateVerifierHarness;
  });

  function ecdsaCert(vals: TestValidator[], signers: number[], d = digest) {
    const set = validatorTree(vals);
    const votes = signers.map((i) => ({ index: i, signature: ecdsaSign(vals[i]!, d) }));
    return { set, cert: buildEcdsaCertificate(set, 0, votes) };
  }

  function blsCert(vals: TestValidator[], signers: number[], d = digest) {
    const set = validatorTree(vals);
    const sigs = new Map(signers.map((i) => [i, blsSign(vals[i]!, d)]));
    return { set, cert: buildBlsCertificate(set, 0, sigs) };
  }

  describe("ECDSA certificates", () => {
    const vals = makeValidators(7, (i) => BigInt(i + 1) * 1000n * OPEN);

    it("accepts signers holding more than 2/3 of the stake and returns their stake", async () => {
      const { set, cert } = ecdsaCert(vals, [6, 5, 4, 3, 2]); // 7+6+5+4+3 = 25 of 28
      expect(await harness.verifyEcdsa(digest, cert, set.root, set.totalStake)).to.equal(25_000n * OPEN);
    });

    it("rejects exactly 2/3 of the stake and accepts one wei more", async () => {
      // Three validators of stake 1: 2 of 3 is exactly two thirds.
      const three = makeValidators(3, () => 1n, "thirds");
      const { set, cert } = ecdsaCert(three, [0, 1]);
      await expect(harness.verifyEcdsa(digest, cert, set.root, 3n))
        .to.be.revertedWithCustomError(harness, "CertificateQuorumNotReached")
        .withArgs(2n, 3n);
      const tipped = makeValidators(3, (i) => (i === 0 ? 2n : 1n), "thirds"); // total 4: 3 > 8/3
      const t = ecdsaCert(tipped, [0, 1]);
      expect(await harness.verifyEcdsa(digest, t.cert, t.set.root, 4n)).to.equal(3n);
      // and with a large stake: 2/3 exactly vs 2/3 + 1 wei
      const big = makeValidators(3, (i) => (i === 2 ? 1000n * OPEN : 1000n * OPEN + (i === 0 ? 1n : 0n)), "big");
      const b = ecdsaCert(big, [0, 1]);
      expect(await harness.verifyEcdsa(digest, b.cert, b.set.root, b.set.totalStake)).to.equal(2000n * OPEN + 1n);
    });

    it("rejects a duplicate signer", async () => {
      const { set, cert } = ecdsaCert(vals, [6, 5, 4, 3, 2]);
      const votes = decodeEcdsaVotes(cert.votes);
      votes[1] = votes[0]!;
      cert.votes = encodeEcdsaVotes(votes);
      await expect(harness.verifyEcdsa(digest, cert, set.root, set.totalStake))
        .to.be.revertedWithCustomError(harness, "CertificateDuplicateValidator")
        .withArgs(votes[0]!.index);
    });

    it("rejects a signature over another digest (the recovered signer is not in the set)", async () => {
      const { set, cert } = ecdsaCert(vals, [6, 5, 4, 3, 2]);
      const other = keccak256(toUtf8Bytes("another header"));
      await expect(harness.verifyEcdsa(other, cert, set.root, set.totalStake)).to.be.revertedWithCustomError(
        harness,
        "CertificateInvalidMembershipProof",
      );
    });

    it("rejects an inflated stake claim", async () => {
      const { set, cert } = ecdsaCert(vals, [0, 1, 2]);
      const votes = decodeEcdsaVotes(cert.votes);
      votes[0]!.stake = 100_000n * OPEN;
      cert.votes = encodeEcdsaVotes(votes);
      await expect(harness.verifyEcdsa(digest, cert, set.root, set.totalStake)).to.be.revertedWithCustomError(
        harness,
        "CertificateInvalidMembershipProof",
      );
    });

    it("rejects an empty certificate and a vote list that is not a whole number of records", async () => {
      const { set, cert } = ecdsaCert(vals, [6]);
      await expect(
        harness.verifyEcdsa(digest, { ...cert, votes: "0x" }, set.root, set.totalStake),
      ).to.be.revertedWithCustomError(harness, "CertificateNoSigners");
      await expect(harness.verifyEcdsa(digest, { ...cert, votes: cert.votes + "00" }, set.root, set.totalStake))
        .to.be.revertedWithCustomError(harness, "CertificateInvalidPackedLength")
        .withArgs(ECDSA_VOTE_LENGTH + 1, ECDSA_VOTE_LENGTH);
    });

    it("rejects a high-s (malleable) signature and one that does not recover, naming the vote", async () => {
      const { set, cert } = ecdsaCert(vals, [6, 5, 4, 3, 2]);
      const votes = decodeEcdsaVotes(cert.votes);
      // s above n/2 is the malleable half (EIP-2098 can still express s up to 2^255 - 1): rejected before recovery,
      // where it would recover some other address and fail the membership proof instead.
      const halfN = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
      const parity = BigInt(votes[2]!.yParityAndS) >> 255n;
      votes[2]!.yParityAndS = toBeHex((parity << 255n) | (halfN + 1n), 32);
      await expect(harness.verifyEcdsa(digest, { ...cert, votes: encodeEcdsaVotes(votes) }, set.root, set.totalStake))
        .to.be.revertedWithCustomError(harness, "CertificateInvalidEcdsaSignature")
        .withArgs(2n);
      const zeroR = decodeEcdsaVotes(cert.votes);
      zeroR[4]!.r = ZeroHash;
      await expect(harness.verifyEcdsa(digest, { ...cert, votes: encodeEcdsaVotes(zeroR) }, set.root, set.totalStake))
        .to.be.revertedWithCustomError(harness, "CertificateInvalidEcdsaSignature")
        .withArgs(4n);
    });

    it("rejects proof flags with bits beyond the multiproof's steps", async () => {
      const { set, cert } = ecdsaCert(vals, [6, 5, 4, 3, 2]);
      expect(await harness.verifyEcdsa(digest, cert, set.root, set.totalStake)).to.equal(25_000n * OPEN);
      await expect(
        harness.verifyEcdsa(digest, { ...cert, proofFlags: cert.proofFlags | (1n << 200n) }, set.root, set.totalStake),
      ).to.be.revertedWithCustomError(harness, "CertificateInvalidMembershipProof");
    });
  });

  describe("BLS certificates", () => {
    const vals = makeValidators(10, (i) => BigInt(10 + i) * 1000n * OPEN, "bls");

    it("accepts an aggregate of all validators (no non-signers)", async () => {
      const { set, cert } = blsCert(
        vals,
        vals.map((v) => v.index),
      );
      expect(cert.nonSigners).to.equal("0x");
      expect(await harness.verifyBls(digest, cert, set.root, set.totalStake, set.aggregatePubkeyHash)).to.equal(
        set.totalStake,
      );
    });

    it("subtracts proven non-signers and still verifies with more than 2/3", async () => {
      const signers = [0, 1, 2, 4, 5, 7, 8, 9];
      const { set, cert } = blsCert(vals, signers);
      expect(decodeNonSigners(cert.nonSigners).map((n) => n.index)).to.have.members([3, 6]);
      const expected = signers.reduce((s, i) => s + vals[i]!.stake, 0n);
      expect(await harness.verifyBls(digest, cert, set.root, set.totalStake, set.aggregatePubkeyHash)).to.equal(
        expected,
      );
    });

    it("rejects when the non-signers hold a third or more", async () => {
      const { set, cert } = blsCert(vals, [5, 6, 7, 8, 9, 0]);
      await expect(
        harness.verifyBls(digest, cert, set.root, set.totalStake, set.aggregatePubkeyHash),
      ).to.be.revertedWithCustomError(harness, "CertificateQuorumNotReached");
    });

    it("rejects a signature over another digest", async () => {
      const { set, cert } = blsCert(
        vals,
        vals.map((v) => v.index),
      );
      await expect(
        harness.verifyBls(keccak256("0x01"), cert, set.root, set.totalStake, set.aggregatePubkeyHash),
      ).to.be.revertedWithCustomError(harness, "CertificateInvalidBlsSignature");
    });

    it("rejects a signer claimed as signing who did not sign (missing share)", async () => {
      const { set, cert } = blsCert(vals, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
      // Claim validator 9 signed as well: drop it from the non-signers with a fresh proof.
      const forged = buildBlsCertificate(set, 0, new Map(vals.slice(0, 9).map((v) => [v.index, blsSign(v, digest)])));
      forged.nonSigners = "0x";
      forged.proof = [];
      forged.proofFlags = 0n;
      expect(decodeNonSigners(cert.nonSigners)).to.have.length(1);
      await expect(
        harness.verifyBls(digest, forged, set.root, set.totalStake, set.aggregatePubkeyHash),
      ).to.be.revertedWithCustomError(harness, "CertificateInvalidBlsSignature");
    });

    it("rejects an aggregate key that is not the epoch's", async () => {
      const { set, cert } = blsCert(
        vals,
        vals.map((v) => v.index),
      );
      const other = validatorTree(makeValidators(10, () => 1n, "other"));
      cert.aggregatePubkey = hexlify(compactPoint(other.aggregatePubkey));
      await expect(harness.verifyBls(digest, cert, set.root, set.totalStake, set.aggregatePubkeyHash))
        .to.be.revertedWithCustomError(harness, "CertificateAggregateKeyMismatch")
        .withArgs(keccak256(other.aggregatePubkey), set.aggregatePubkeyHash);
    });

    it("rejects the all-zero signature (point at infinity)", async () => {
      const { set, cert } = blsCert(
        vals,
        vals.map((v) => v.index),
      );
      cert.aggregateSignature = "0x" + "00".repeat(96);
      await expect(
        harness.verifyBls(digest, cert, set.root, set.totalStake, set.aggregatePubkeyHash),
      ).to.be.revertedWithCustomError(harness, "BLSPointAtInfinity");
    });

    it("rejects a non-signer listed twice and a non-signer whose key is not its leaf's", async () => {
      const { set, cert } = blsCert(vals, [0, 1, 2, 3, 4, 5, 6, 7]);
      const dup = decodeNonSigners(cert.nonSigners);
      dup[1] = dup[0]!;
      await expect(
        harness.verifyBls(
          digest,
          { ...cert, nonSigners: encodeNonSigners(dup) },
          set.root,
          set.totalStake,
          set.aggregatePubkeyHash,
        ),
      )
        .to.be.revertedWithCustomError(harness, "CertificateDuplicateValidator")
        .withArgs(dup[0]!.index);
      const swapped = decodeNonSigners(cert.nonSigners);
      swapped[0]!.blsPubkey = vals[0]!.blsPubkey;
      await expect(
        harness.verifyBls(
          digest,
          { ...cert, nonSigners: encodeNonSigners(swapped) },
          set.root,
          set.totalStake,
          set.aggregatePubkeyHash,
        ),
      ).to.be.revertedWithCustomError(harness, "CertificateInvalidMembershipProof");
    });

    it("rejects an inflated non-signer stake claim", async () => {
      const { set, cert } = blsCert(vals, [0, 1, 2, 3, 4, 5, 6, 7]);
      const list = decodeNonSigners(cert.nonSigners);
      list[0]!.stake = 1n; // claiming less missing stake would raise the signed stake
      await expect(
        harness.verifyBls(
          digest,
          { ...cert, nonSigners: encodeNonSigners(list) },
          set.root,
          set.totalStake,
          set.aggregatePubkeyHash,
        ),
      ).to.be.revertedWithCustomError(harness, "CertificateInvalidMembershipProof");
    });

    it("rejects an aggregate key at infinity and points or records of the wrong length", async () => {
      const { set, cert } = blsCert(vals, [0, 1, 2, 3, 4, 5, 6, 7]);
      const verify = (c: typeof cert) =>
        harness.verifyBls(digest, c, set.root, set.totalStake, set.aggregatePubkeyHash);
      await expect(verify({ ...cert, aggregatePubkey: "0x" + "00".repeat(192) })).to.be.revertedWithCustomError(
        harness,
        "BLSPointAtInfinity",
      );
      await expect(verify({ ...cert, aggregateSignature: cert.aggregateSignature + "00" }))
        .to.be.revertedWithCustomError(harness, "CertificateInvalidPointLength")
        .withArgs(97n, 96n);
      await expect(verify({ ...cert, aggregatePubkey: hexlify(set.aggregatePubkey) }))
        .to.be.revertedWithCustomError(harness, "CertificateInvalidPointLength")
        .withArgs(256n, 192n);
      await expect(verify({ ...cert, nonSigners: cert.nonSigners.slice(0, -2) }))
        .to.be.revertedWithCustomError(harness, "CertificateInvalidPackedLength")
        .withArgs(2 * NON_SIGNER_LENGTH - 1, NON_SIGNER_LENGTH);
    });

    it("accepts only the empty proof when everyone signed", async () => {
      const { set, cert } = blsCert(
        vals,
        vals.map((v) => v.index),
      );
      const verify = (c: typeof cert) =>
        harness.verifyBls(digest, c, set.root, set.totalStake, set.aggregatePubkeyHash);
      await expect(verify({ ...cert, proofFlags: 1n })).to.be.revertedWithCustomError(
        harness,
        "CertificateInvalidMembershipProof",
      );
      await expect(verify({ ...cert, proof: [set.root] })).to.be.revertedWithCustomError(
        harness,
        "CertificateInvalidMembershipProof",
      );
    });

    it("rejects a certificate in which every validator is a non-signer, by quorum and by the infinity key", async () => {
      const { set, cert: one } = blsCert(vals, [0]);
      const everyone = set.multiProof(
        "keys",
        vals.map((v) => v.index),
      );
      const cert = {
        ...one,
        nonSigners: encodeNonSigners(everyone.order.map((i) => set.member(i))),
        proof: everyone.proof,
        proofFlags: packProofFlags(everyone.proofFlags),
      };
      await expect(harness.verifyBls(digest, cert, set.root, set.totalStake, set.aggregatePubkeyHash))
        .to.be.revertedWithCustomError(harness, "CertificateQuorumNotReached")
        .withArgs(0n, (set.totalStake * 2n) / 3n + 1n);
      // With a (wrong) total that lets the quorum arithmetic pass, the signers' key is the point at infinity,
      // which the infinity signature would match: rejected before the pairing.
      const inflatedTotal = set.totalStake * 10n;
      await expect(
        harness.verifyBls(digest, cert, set.root, inflatedTotal, set.aggregatePubkeyHash),
      ).to.be.revertedWithCustomError(harness, "BLSPointAtInfinity");
    });
  });
});
