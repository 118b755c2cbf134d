import { expect } from "chai";
import { network } from "hardhat";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { getAddress, hexlify, toBeHex, toUtf8Bytes, concat } from "ethers";
import type { BLS12381Harness } from "../../../types/ethers-contracts/index.js";
import * as bls from "../../../keeper/src/crypto/bls.js";
import { encodeFp, encodeG1, encodeG2 } from "../../../keeper/src/crypto/eip2537.js";
import {
  hexToBytes,
  loadVectorJson,
  skipWithoutVectors,
  type ExpandMessageSuite,
  type G1SignVectorSuite,
  type G1SignatureVerifySuite,
  type HashToCurveEip2537Suite,
  type HashToCurveSuite,
  type PrecompileVector,
} from "../../helpers/vectors.js";

const { ethers } = await network.create();

const precompile = (address: number): string => getAddress(toBeHex(address, 20));
/** The operator a proof of possession names in these tests. */
const OPERATOR = "0x00000000000000000000000000000000000A0000";
const G1ADD = precompile(0x0b);
const G2ADD = precompile(0x0d);
const PAIRING = precompile(0x0f);
const MAP_FP_TO_G1 = precompile(0x10);

const G1_ZERO = new Uint8Array(128);
const G2_ZERO = new Uint8Array(256);

/** Deterministic keys: seed = 48 bytes of `index`. */
function keyPair(index: number): { sk: Uint8Array; pk: Uint8Array } {
  const sk = bls.generateSecretKey(new Uint8Array(bls.SEED_LENGTH).fill(index + 1));
  return { sk, pk: bls.publicKeyG2(sk) };
}

/** An EIP-2537 G1 point from a 48-byte compressed encoding (decoding with noble, re-encoding ours). */
function g1FromCompressed(hex: string): Uint8Array {
  return encodeG1(bls12_381.shortSignatures.Signature.fromHex(hex));
}

function g2FromCompressed(hex: string): Uint8Array {
  return encodeG2(bls12_381.G2.Point.fromHex(hex));
}

function loadPrecompileVectors(...files: string[]): PrecompileVector[] {
  return files.flatMap((file) => loadVectorJson<PrecompileVector[]>(`eip2537/${file}`));
}

describe("BLS12381 library (EIP-2537, signatures in G1, public keys in G2)", function () {
  let harness: BLS12381Harness;
  const message = toUtf8Bytes("OpenMesh checkpoint #1");

  before(async function () {
    harness = await ethers.deployContract("BLS12381Harness");
  });

  describe("domain tags", function () {
    it("uses the same SIG_DST and POP_DST strings on chain and in the keeper", async function () {
      expect(await harness.sigDst()).to.equal(hexlify(toUtf8Bytes(bls.SIG_DST)));
      expect(await harness.popDst()).to.equal(hexlify(toUtf8Bytes(bls.POP_DST)));
    });
  });

  describe("hashToG1 against RFC 9380 (BLS12381G1_XMD:SHA-256_SSWU_RO_)", function () {
    before(function () {
      skipWithoutVectors(this);
    });

    it("reproduces every RFC 9380 G1 RO vector (vectors/rfc9380/h2c_BLS12381G1_XMD_SHA256_SSWU_RO_.json)", async function () {
      const suite = loadVectorJson<HashToCurveSuite>("rfc9380/h2c_BLS12381G1_XMD_SHA256_SSWU_RO_.json");
      expect(suite.vectors).to.have.length(5);
      for (const vector of suite.vectors) {
        const expected = concat([encodeFp(BigInt(vector.P.x)), encodeFp(BigInt(vector.P.y))]);
        const onChain = await harness.hashToG1(toUtf8Bytes(vector.msg), toUtf8Bytes(suite.dst));
        expect(onChain, `msg "${vector.msg.slice(0, 16)}"`).to.equal(expected);
      }
    });

    it("matches the EIP-2537 re-encoding of the RO vectors, and MAP(u0) + MAP(u1) gives the same point", async function () {
      const suite = loadVectorJson<HashToCurveEip2537Suite>("rfc9380/h2c_G1_RO_as_eip2537_inputs.json");
      for (const vector of suite.cases) {
        const expected = "0x" + vector.expected_P_eip2537;
        expect(await harness.hashToG1(toUtf8Bytes(vector.msg), toUtf8Bytes(suite.dst))).to.equal(expected);
        const q0 = await harness.mapFpToG1("0x" + vector.map_input_u0);
        const q1 = await harness.mapFpToG1("0x" + vector.map_input_u1);
        expect(await harness.addG1(q0, q1)).to.equal(expected);
      }
    });

    it("expandMessageXmd reproduces the len_in_bytes = 0x80 expand_message_xmd vectors, short and oversize DSTs", async function () {
      let checked = 0;
      for (const file of ["expand_message_xmd_SHA256_38.json", "expand_message_xmd_SHA256_256.json"]) {
        const suite = loadVectorJson<ExpandMessageSuite>(`rfc9380/${file}`);
        for (const vector of suite.tests.filter((t) => Number(t.len_in_bytes) === 128)) {
          const uniform = await harness.expandMessageXmd(toUtf8Bytes(vector.msg), toUtf8Bytes(suite.DST));
          expect(uniform, `${file} msg "${vector.msg.slice(0, 16)}"`).to.equal("0x" + vector.uniform_bytes);
          checked++;
        }
      }
      expect(checked).to.equal(10);
    });

    it("hashes a DST longer than 255 bytes as RFC 9380 section 5.3.3 says (long DST of expand_message_xmd_SHA256_256.json)", async function () {
      const longDst = loadVectorJson<ExpandMessageSuite>("rfc9380/expand_message_xmd_SHA256_256.json").DST;
      expect(longDst.length).to.be.greaterThan(255);
      for (const msg of ["", "abc", "a".repeat(300)]) {
        const onChain = await harness.hashToG1(toUtf8Bytes(msg), toUtf8Bytes(longDst));
        expect(onChain).to.equal(hexlify(bls.hashToG1(toUtf8Bytes(msg), longDst)));
      }
    });
  });

  describe("hashToG1 edge cases (checked against the keeper's noble implementation)", function () {
    it("agrees with the keeper for messages of 0..130 bytes and DSTs of 1, 52, 255 and 256 bytes", async function () {
      const dsts = ["X", bls.SIG_DST, "D".repeat(255), "E".repeat(256)];
      for (const dst of dsts) {
        for (const length of [0, 1, 31, 32, 33, 64, 65, 130]) {
          const msg = Uint8Array.from({ length }, (_, i) => (i * 7 + length) & 0xff);
          expect(await harness.hashToG1(msg, toUtf8Bytes(dst)), `dst ${dst.length}, msg ${length}`).to.equal(
            hexlify(bls.hashToG1(msg, dst)),
          );
        }
      }
    });

    it("reverts with BLSEmptyDomainTag for an empty DST (RFC 9380 section 3.1)", async function () {
      await expect(harness.hashToG1(message, "0x")).to.be.revertedWithCustomError(harness, "BLSEmptyDomainTag");
    });
  });

  describe("EIP-2537 precompile vectors through the library wrappers", function () {
    before(function () {
      skipWithoutVectors(this);
    });

    it("addG1 returns the expected sum for every G1ADD vector (eips-assets + geth)", async function () {
      const vectors = loadPrecompileVectors("eips-assets/add_G1_bls.json", "geth/blsG1Add.json");
      expect(vectors.length).to.equal(121);
      for (const v of vectors) {
        const input = hexToBytes(v.Input);
        expect(await harness.addG1(input.slice(0, 128), input.slice(128)), v.Name).to.equal("0x" + v.Expected);
      }
    });

    it("addG2 returns the expected sum for every G2ADD vector (eips-assets + geth)", async function () {
      const vectors = loadPrecompileVectors("eips-assets/add_G2_bls.json", "geth/blsG2Add.json");
      for (const v of vectors) {
        const input = hexToBytes(v.Input);
        expect(await harness.addG2(input.slice(0, 256), input.slice(256)), v.Name).to.equal("0x" + v.Expected);
      }
    });

    it("addG1 / addG2 never pass a failure vector: wrong lengths and invalid points revert", async function () {
      for (const [file, pointLength, address] of [
        ["eips-assets/fail-add_G1_bls.json", 128, G1ADD],
        ["geth/fail-blsG1Add.json", 128, G1ADD],
        ["eips-assets/fail-add_G2_bls.json", 256, G2ADD],
        ["geth/fail-blsG2Add.json", 256, G2ADD],
      ] as const) {
        for (const v of loadPrecompileVectors(file)) {
          const input = hexToBytes(v.Input);
          const a = input.slice(0, pointLength);
          const b = input.slice(pointLength);
          const call = pointLength === 128 ? harness.addG1(a, b) : harness.addG2(a, b);
          if (input.length === pointLength * 2) {
            await expect(call, v.Name).to.be.revertedWithCustomError(harness, "BLSPrecompileFailed").withArgs(address);
          } else {
            const wrong = a.length !== pointLength ? a.length : b.length;
            await expect(call, v.Name)
              .to.be.revertedWithCustomError(harness, "BLSInvalidPointLength")
              .withArgs(wrong, pointLength);
          }
        }
      }
    });

    it("pairingCheck returns the expected result for every PAIRING_CHECK vector (1 to 10 pairs)", async function () {
      const vectors = loadPrecompileVectors("eips-assets/pairing_check_bls.json", "geth/blsPairing.json");
      expect(vectors.length).to.equal(121);
      let trueCount = 0;
      for (const v of vectors) {
        const expected = BigInt("0x" + v.Expected) === 1n;
        if (expected) trueCount++;
        expect(await harness.pairingCheck("0x" + v.Input), v.Name).to.equal(expected);
      }
      expect(trueCount).to.be.greaterThan(0);
      expect(trueCount).to.be.lessThan(vectors.length);
    });

    it("pairingCheck never passes a failure vector (bad length, top bytes, fp >= p, off curve, outside subgroup)", async function () {
      const vectors = loadPrecompileVectors("eips-assets/fail-pairing_check_bls.json", "geth/fail-blsPairing.json");
      for (const v of vectors) {
        const length = v.Input.length / 2;
        const call = harness.pairingCheck("0x" + v.Input);
        if (length === 0 || length % 384 !== 0) {
          await expect(call, v.Name)
            .to.be.revertedWithCustomError(harness, "BLSInvalidPairingInputLength")
            .withArgs(length);
        } else {
          await expect(call, v.Name).to.be.revertedWithCustomError(harness, "BLSPrecompileFailed").withArgs(PAIRING);
        }
      }
    });

    it("mapFpToG1 returns the expected point for every MAP_FP_TO_G1 vector", async function () {
      const vectors = loadPrecompileVectors("eips-assets/map_fp_to_G1_bls.json", "geth/blsMapG1.json");
      for (const v of vectors) {
        expect(await harness.mapFpToG1("0x" + v.Input), v.Name).to.equal("0x" + v.Expected);
      }
    });

    it("mapFpToG1 never passes a failure vector", async function () {
      for (const v of loadPrecompileVectors("eips-assets/fail-map_fp_to_G1_bls.json", "geth/fail-blsMapG1.json")) {
        const length = v.Input.length / 2;
        const call = harness.mapFpToG1("0x" + v.Input);
        if (length !== 64) {
          await expect(call, v.Name)
            .to.be.revertedWithCustomError(harness, "BLSInvalidPointLength")
            .withArgs(length, 64);
        } else {
          await expect(call, v.Name)
            .to.be.revertedWithCustomError(harness, "BLSPrecompileFailed")
            .withArgs(MAP_FP_TO_G1);
        }
      }
    });
  });

  describe("verify with keys and signatures made by the keeper (noble)", function () {
    const alice = keyPair(1);
    const bob = keyPair(2);
    const signature = bls.sign(alice.sk, message);

    it("accepts a valid signature under SIG_DST", async function () {
      expect(await harness.verify(alice.pk, signature, message, toUtf8Bytes(bls.SIG_DST))).to.equal(true);
    });

    it("accepts signatures over empty, short and long messages", async function () {
      for (const msg of [new Uint8Array(0), toUtf8Bytes("x"), new Uint8Array(1000).fill(0xab)]) {
        const sig = bls.sign(bob.sk, msg);
        expect(await harness.verify(bob.pk, sig, msg, toUtf8Bytes(bls.SIG_DST))).to.equal(true);
      }
    });

    it("accepts a signature under a DST longer than 255 bytes (hashed DST path inside verify)", async function () {
      const longDst = "L".repeat(300);
      const sig = bls.sign(alice.sk, message, longDst);
      expect(await harness.verify(alice.pk, sig, message, toUtf8Bytes(longDst))).to.equal(true);
      expect(await harness.verify(alice.pk, sig, message, toUtf8Bytes("L".repeat(299)))).to.equal(false);
    });

    it("rejects a wrong message, a wrong key and a wrong DST (returns false)", async function () {
      const dst = toUtf8Bytes(bls.SIG_DST);
      expect(await harness.verify(alice.pk, signature, toUtf8Bytes("OpenMesh checkpoint #2"), dst)).to.equal(false);
      expect(await harness.verify(bob.pk, signature, message, dst)).to.equal(false);
      expect(await harness.verify(alice.pk, signature, message, toUtf8Bytes(bls.POP_DST))).to.equal(false);
    });

    it("rejects the negated signature and a signature by the negated key", async function () {
      const dst = toUtf8Bytes(bls.SIG_DST);
      expect(await harness.verify(alice.pk, bls.negateG1(signature), message, dst)).to.equal(false);
      expect(await harness.verify(bls.negateG2(alice.pk), signature, message, dst)).to.equal(false);
    });

    it("reverts with BLSPointAtInfinity for an all-zero signature, key, or both", async function () {
      const dst = toUtf8Bytes(bls.SIG_DST);
      // The precompile alone would accept e(0, -G2) * e(H(m), 0) == 1.
      expect(await harness.pairingCheck(concat([G1_ZERO, G2_ZERO]))).to.equal(true);
      for (const [pk, sig] of <[Uint8Array, Uint8Array][]>[
        [alice.pk, G1_ZERO],
        [G2_ZERO, signature],
        [G2_ZERO, G1_ZERO],
      ]) {
        await expect(harness.verify(pk, sig, message, dst)).to.be.revertedWithCustomError(
          harness,
          "BLSPointAtInfinity",
        );
      }
    });

    it("reverts with BLSInvalidPointLength for malformed lengths (compressed or truncated points)", async function () {
      const dst = toUtf8Bytes(bls.SIG_DST);
      const compressedSig = bls12_381.shortSignatures.Signature.toBytes(bls.decodeG1(signature));
      await expect(harness.verify(alice.pk, compressedSig, message, dst))
        .to.be.revertedWithCustomError(harness, "BLSInvalidPointLength")
        .withArgs(48, 128);
      await expect(harness.verify(alice.pk, signature.slice(0, 127), message, dst))
        .to.be.revertedWithCustomError(harness, "BLSInvalidPointLength")
        .withArgs(127, 128);
      await expect(harness.verify(alice.pk.slice(0, 192), signature, message, dst))
        .to.be.revertedWithCustomError(harness, "BLSInvalidPointLength")
        .withArgs(192, 256);
      await expect(harness.verify(concat([alice.pk, "0x00"]), signature, message, dst))
        .to.be.revertedWithCustomError(harness, "BLSInvalidPointLength")
        .withArgs(257, 256);
    });

    it("reverts with BLSPrecompileFailed for points off the curve, outside the subgroup or not in the field", async function () {
      const dst = toUtf8Bytes(bls.SIG_DST);
      const offCurve = Uint8Array.from(signature);
      offCurve[127] = (offCurve[127] as number) ^ 1;
      const notCanonical = Uint8Array.from(signature);
      notCanonical.set(hexToBytes(toBeHex(bls12_381.fields.Fp.ORDER + 0n, 64)), 0); // x = p
      const paddingSet = Uint8Array.from(signature);
      paddingSet[0] = 1;
      const keyOffCurve = Uint8Array.from(alice.pk);
      keyOffCurve[255] = (keyOffCurve[255] as number) ^ 1;
      for (const [pk, sig] of <[Uint8Array, Uint8Array][]>[
        [alice.pk, offCurve],
        [alice.pk, notCanonical],
        [alice.pk, paddingSet],
        [keyOffCurve, signature],
      ]) {
        await expect(harness.verify(pk, sig, message, dst))
          .to.be.revertedWithCustomError(harness, "BLSPrecompileFailed")
          .withArgs(PAIRING);
      }
    });

    it("reverts for a signature or key on the curve but outside the prime-order subgroup (EIP-2537 fail vectors)", async function () {
      skipWithoutVectors(this);
      const vectors = loadPrecompileVectors("eips-assets/fail-pairing_check_bls.json");
      const g1Bad = vectors.find((v) => v.Name === "bls_pairing_e(G1_not_in_correct_subgroup,G2)");
      const g2Bad = vectors.find((v) => v.Name === "bls_pairing_e(G1,G2_not_in_correct_subgroup)");
      if (g1Bad === undefined || g2Bad === undefined) throw new Error("subgroup vectors missing");
      const badSig = hexToBytes(g1Bad.Input).slice(0, 128);
      const badKey = hexToBytes(g2Bad.Input).slice(128, 384);
      // On the curve: G1ADD / G2ADD accept them, only the pairing's subgroup check catches them.
      await harness.addG1(badSig, badSig);
      await harness.addG2(badKey, badKey);
      const dst = toUtf8Bytes(bls.SIG_DST);
      await expect(harness.verify(alice.pk, badSig, message, dst))
        .to.be.revertedWithCustomError(harness, "BLSPrecompileFailed")
        .withArgs(PAIRING);
      await expect(harness.verify(badKey, signature, message, dst))
        .to.be.revertedWithCustomError(harness, "BLSPrecompileFailed")
        .withArgs(PAIRING);
      await expect(harness.verifyProofOfPossession(badKey, signature, OPERATOR))
        .to.be.revertedWithCustomError(harness, "BLSPrecompileFailed")
        .withArgs(PAIRING);
    });
  });

  describe("proof of possession", function () {
    const alice = keyPair(3);
    const bob = keyPair(4);

    it("accepts a key's own proof (POP_DST over the 256-byte EIP-2537 key followed by the operator address)", async function () {
      expect(
        await harness.verifyProofOfPossession(alice.pk, bls.proofOfPossession(alice.sk, OPERATOR), OPERATOR),
      ).to.equal(true);
      expect(await harness.verifyProofOfPossession(bob.pk, bls.proofOfPossession(bob.sk, OPERATOR), OPERATOR)).to.equal(
        true,
      );
      expect(hexlify(await harness.popMessage(alice.pk, OPERATOR))).to.equal(
        hexlify(bls.popMessage(alice.pk, OPERATOR)),
      );
    });

    it("rejects a proof made for another operator address (a copied proof is useless)", async function () {
      const other = "0x00000000000000000000000000000000000B0B00";
      expect(
        await harness.verifyProofOfPossession(alice.pk, bls.proofOfPossession(alice.sk, other), OPERATOR),
      ).to.equal(false);
      expect(
        await harness.verifyProofOfPossession(alice.pk, bls.sign(alice.sk, alice.pk, bls.POP_DST), OPERATOR),
      ).to.equal(false);
    });

    it("rejects another key's proof, a proof under SIG_DST, and a proof over the compressed key", async function () {
      expect(
        await harness.verifyProofOfPossession(alice.pk, bls.proofOfPossession(bob.sk, OPERATOR), OPERATOR),
      ).to.equal(false);
      expect(
        await harness.verifyProofOfPossession(
          alice.pk,
          bls.sign(alice.sk, bls.popMessage(alice.pk, OPERATOR), bls.SIG_DST),
          OPERATOR,
        ),
      ).to.equal(false);
      const compressed = bls12_381.shortSignatures.getPublicKey(alice.sk).toBytes();
      expect(
        await harness.verifyProofOfPossession(alice.pk, bls.sign(alice.sk, compressed, bls.POP_DST), OPERATOR),
      ).to.equal(false);
    });

    it("rejects a rogue key: pk_r = sk*G2 - pk_victim cannot be proven by the attacker", async function () {
      // The attacker knows sk but not the discrete log of the rogue key, so it can only sign with sk.
      const attacker = keyPair(5);
      const rogue = bls.encodeG2(bls.decodeG2(attacker.pk).subtract(bls.decodeG2(alice.pk)));
      expect(
        await harness.verifyProofOfPossession(
          rogue,
          bls.sign(attacker.sk, bls.popMessage(rogue, OPERATOR), bls.POP_DST),
          OPERATOR,
        ),
      ).to.equal(false);
    });

    it("reverts with BLSPointAtInfinity for the all-zero key with an all-zero proof", async function () {
      await expect(harness.verifyProofOfPossession(G2_ZERO, G1_ZERO, OPERATOR)).to.be.revertedWithCustomError(
        harness,
        "BLSPointAtInfinity",
      );
    });
  });

  describe("aggregation", function () {
    const keys = Array.from({ length: 8 }, (_, i) => keyPair(10 + i));
    const signatures = keys.map((k) => bls.sign(k.sk, message));

    it("verifies the aggregate of 8 signatures against the on-chain sum of the 8 keys", async function () {
      const aggregateSig = bls.aggregateSignatures(signatures);
      const packedKeys = concat(keys.map((k) => k.pk));
      expect(await harness.sumG2(packedKeys)).to.equal(hexlify(bls.aggregatePublicKeys(keys.map((k) => k.pk))));
      expect(await harness.sumG2Calldata(packedKeys)).to.equal(await harness.sumG2(packedKeys));
      expect(await harness.sumG1(concat(signatures))).to.equal(hexlify(aggregateSig));
      expect(await harness.verifyAggregate(packedKeys, aggregateSig, message)).to.equal(true);
    });

    it("rejects the aggregate when one signer is missing from the signatures, or one key is missing", async function () {
      const sevenSigs = bls.aggregateSignatures(signatures.slice(1));
      expect(await harness.verifyAggregate(concat(keys.map((k) => k.pk)), sevenSigs, message)).to.equal(false);
      const allSigs = bls.aggregateSignatures(signatures);
      expect(await harness.verifyAggregate(concat(keys.slice(1).map((k) => k.pk)), allSigs, message)).to.equal(false);
    });

    it("subtracting a non-signer's key (addG2 with negateG2) gives the key that verifies the signers' aggregate", async function () {
      const all = await harness.sumG2(concat(keys.map((k) => k.pk)));
      const withoutFirst = await harness.addG2(all, await harness.negateG2(keys[0]!.pk));
      const sevenSigs = bls.aggregateSignatures(signatures.slice(1));
      expect(await harness.verify(withoutFirst, sevenSigs, message, toUtf8Bytes(bls.SIG_DST))).to.equal(true);
    });

    it("sumG2 / sumG2Calldata / sumG1 revert with BLSPrecompileFailed when a point in the list is off the curve", async function () {
      const broken = Uint8Array.from(keys[1]!.pk);
      broken[255] = (broken[255] as number) ^ 1;
      const packed = concat([keys[0]!.pk, broken, keys[2]!.pk]);
      await expect(harness.sumG2(packed)).to.be.revertedWithCustomError(harness, "BLSPrecompileFailed").withArgs(G2ADD);
      await expect(harness.sumG2Calldata(packed))
        .to.be.revertedWithCustomError(harness, "BLSPrecompileFailed")
        .withArgs(G2ADD);
      const brokenSig = Uint8Array.from(signatures[1]!);
      brokenSig[127] = (brokenSig[127] as number) ^ 1;
      await expect(harness.sumG1(concat([signatures[0]!, brokenSig])))
        .to.be.revertedWithCustomError(harness, "BLSPrecompileFailed")
        .withArgs(G1ADD);
    });

    it("a list of one point sums to that point", async function () {
      expect(await harness.sumG2(keys[0]!.pk)).to.equal(hexlify(keys[0]!.pk));
      expect(await harness.sumG2Calldata(keys[0]!.pk)).to.equal(hexlify(keys[0]!.pk));
      expect(await harness.sumG1(signatures[0]!)).to.equal(hexlify(signatures[0]!));
    });

    it("reverts with BLSInvalidPackedPointsLength for an empty or ragged packed list", async function () {
      await expect(harness.sumG2("0x"))
        .to.be.revertedWithCustomError(harness, "BLSInvalidPackedPointsLength")
        .withArgs(0, 256);
      await expect(harness.sumG2Calldata(concat([keys[0]!.pk, "0x00"])))
        .to.be.revertedWithCustomError(harness, "BLSInvalidPackedPointsLength")
        .withArgs(257, 256);
      await expect(harness.sumG1(new Uint8Array(200)))
        .to.be.revertedWithCustomError(harness, "BLSInvalidPackedPointsLength")
        .withArgs(200, 128);
    });
  });

  describe("negation and infinity helpers", function () {
    const { pk } = keyPair(20);
    const sig = bls.sign(keyPair(20).sk, message);

    it("negateG1 / negateG2 match the keeper and P + (-P) is infinity", async function () {
      const negSig = await harness.negateG1(sig);
      const negPk = await harness.negateG2(pk);
      expect(negSig).to.equal(hexlify(bls.negateG1(sig)));
      expect(negPk).to.equal(hexlify(bls.negateG2(pk)));
      expect(await harness.isInfinity(await harness.addG1(sig, negSig))).to.equal(true);
      expect(await harness.isInfinity(await harness.addG2(pk, negPk))).to.equal(true);
    });

    it("negation keeps infinity at infinity", async function () {
      expect(await harness.negateG1(G1_ZERO)).to.equal(hexlify(G1_ZERO));
      expect(await harness.negateG2(G2_ZERO)).to.equal(hexlify(G2_ZERO));
    });

    it("negation reverts with BLSFieldElementNotCanonical for y >= p or nonzero padding", async function () {
      const yIsP = Uint8Array.from(sig);
      yIsP.set(hexToBytes(toBeHex(bls12_381.fields.Fp.ORDER, 64)), 64);
      await expect(harness.negateG1(yIsP)).to.be.revertedWithCustomError(harness, "BLSFieldElementNotCanonical");
      const padded = Uint8Array.from(pk);
      padded[192] = 1;
      await expect(harness.negateG2(padded)).to.be.revertedWithCustomError(harness, "BLSFieldElementNotCanonical");
      await expect(harness.negateG1(sig.slice(1)))
        .to.be.revertedWithCustomError(harness, "BLSInvalidPointLength")
        .withArgs(127, 128);
    });

    it("isInfinity is true only when every byte is zero", async function () {
      expect(await harness.isInfinity(G1_ZERO)).to.equal(true);
      expect(await harness.isInfinity(G2_ZERO)).to.equal(true);
      for (const index of [0, 31, 32, 127]) {
        const point = new Uint8Array(128);
        point[index] = 1;
        expect(await harness.isInfinity(point), `byte ${index}`).to.equal(false);
      }
      const odd = new Uint8Array(33);
      odd[32] = 1;
      expect(await harness.isInfinity(odd)).to.equal(false);
      expect(await harness.isInfinity(sig)).to.equal(false);
    });
  });

  describe("external BLS signature vectors (vectors/bls-g1-signatures/, basic scheme DST _NUL_)", function () {
    before(function () {
      skipWithoutVectors(this);
    });

    it("gives the expected result for every drand quicknet / drand-client case (verify_g1sig_g2pk.json)", async function () {
      const suite = loadVectorJson<G1SignatureVerifySuite>("bls-g1-signatures/verify_g1sig_g2pk.json");
      expect(suite.cases).to.have.length(11);
      for (const c of suite.cases) {
        const valid = await harness.verify(
          g2FromCompressed(c.public_key),
          g1FromCompressed(c.signature),
          hexToBytes(c.message),
          toUtf8Bytes(c.dst),
        );
        expect(valid, c.name).to.equal(c.expected);
      }
    });

    it("verifies the first 24 noble G1 signing vectors on chain, and rejects each with the next vector's message", async function () {
      const suite = loadVectorJson<G1SignVectorSuite>("bls-g1-signatures/noble_g1_sign_vectors.json");
      const dst = toUtf8Bytes(suite.dst);
      const cases = suite.cases.slice(0, 24);
      for (const [i, c] of cases.entries()) {
        const pk = bls.publicKeyG2(hexToBytes(c.secret_key));
        const sig = g1FromCompressed(c.signature);
        expect(await harness.verify(pk, sig, hexToBytes(c.message), dst), `case ${i}`).to.equal(true);
        const other = suite.cases[i + 1]!.message;
        if (other !== c.message) {
          expect(await harness.verify(pk, sig, hexToBytes(other), dst), `case ${i} wrong msg`).to.equal(false);
        }
      }
    });
  });

  describe("chains without the EIP-2537 precompiles", function () {
    it("reverts with BLSPrecompileFailed instead of trusting an empty successful call (cancun)", async function () {
      const cancun = await network.create({ override: { hardfork: "cancun" } });
      const oldHarness = await cancun.ethers.deployContract("BLS12381Harness");
      const { sk, pk } = keyPair(30);
      await expect(oldHarness.hashToG1(message, toUtf8Bytes(bls.SIG_DST)))
        .to.be.revertedWithCustomError(oldHarness, "BLSPrecompileFailed")
        .withArgs(MAP_FP_TO_G1);
      await expect(oldHarness.verify(pk, bls.sign(sk, message), message, toUtf8Bytes(bls.SIG_DST)))
        .to.be.revertedWithCustomError(oldHarness, "BLSPrecompileFailed")
        .withArgs(MAP_FP_TO_G1);
      await expect(oldHarness.pairingCheck(concat([G1_ZERO, G2_ZERO])))
        .to.be.revertedWithCustomError(oldHarness, "BLSPrecompileFailed")
        .withArgs(PAIRING);
      await cancun.provider.close();
    });
  });
});
