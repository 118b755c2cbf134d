import { expect } from "chai";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import * as bls from "../../../keeper/src/crypto/bls.js";
import {
  decodeFp,
  decodeG1,
  decodeG2,
  Eip2537DecodeError,
  encodeFp,
  encodeG1,
  encodeG2,
  FIELD_MODULUS,
} from "../../../keeper/src/crypto/eip2537.js";
import {
  hexToBytes,
  loadVectorJson,
  skipWithoutVectors,
  type G1SignVectorSuite,
  type G1SignatureVerifySuite,
  type HashToCurveSuite,
  type PrecompileVector,
} from "../../helpers/vectors.js";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

function keyPair(index: number): { sk: Uint8Array; pk: Uint8Array } {
  const sk = bls.generateSecretKey(new Uint8Array(bls.SEED_LENGTH).fill(index + 1));
  return { sk, pk: bls.publicKeyG2(sk) };
}

const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("keeper BLS12-381 (signatures in G1, keys in G2, EIP-2537 bytes)", function () {
  const message = utf8("OpenMesh checkpoint #1");

  describe("EIP-2537 encoding", function () {
    it("encodes G2 as x.c0, x.c1, y.c0, y.c1: the generator matches the EIP-2537 G2ADD vector's first operand", function () {
      skipWithoutVectors(this);
      const vectors = loadVectorJson<PrecompileVector[]>("eip2537/eips-assets/add_G2_bls.json");
      const g2PlusP2 = vectors.find((v) => v.Name === "bls_g2add_g2+p2");
      if (g2PlusP2 === undefined) throw new Error("vector bls_g2add_g2+p2 missing");
      const generator = hexToBytes(g2PlusP2.Input).slice(0, 256);
      expect(hex(encodeG2(bls12_381.G2.Point.BASE))).to.equal(hex(generator));
      expect(decodeG2(generator).equals(bls12_381.G2.Point.BASE)).to.equal(true);
    });

    it("encodes G1 as x, y: the generator matches the EIP-2537 G1ADD vector's first operand", function () {
      skipWithoutVectors(this);
      const vectors = loadVectorJson<PrecompileVector[]>("eip2537/eips-assets/add_G1_bls.json");
      const g1PlusP1 = vectors.find((v) => v.Name === "bls_g1add_g1+p1");
      if (g1PlusP1 === undefined) throw new Error("vector bls_g1add_g1+p1 missing");
      expect(hex(encodeG1(bls12_381.G1.Point.BASE))).to.equal(hex(hexToBytes(g1PlusP1.Input).slice(0, 128)));
    });

    it("round-trips points and maps infinity to all zero bytes", function () {
      const { pk } = keyPair(1);
      const sig = bls.sign(keyPair(1).sk, message);
      expect(hex(encodeG2(decodeG2(pk)))).to.equal(hex(pk));
      expect(hex(encodeG1(decodeG1(sig)))).to.equal(hex(sig));
      expect(encodeG1(bls12_381.G1.Point.ZERO).every((b) => b === 0)).to.equal(true);
      expect(decodeG2(new Uint8Array(256)).is0()).to.equal(true);
    });

    it("rejects wrong lengths, nonzero padding, coordinates >= p and points off the curve", function () {
      const sig = bls.sign(keyPair(1).sk, message);
      expect(() => decodeG1(sig.slice(1))).to.throw(Eip2537DecodeError, "128 bytes");
      expect(() => decodeG2(new Uint8Array(255))).to.throw(Eip2537DecodeError, "256 bytes");
      const padded = Uint8Array.from(sig);
      padded[3] = 1;
      expect(() => decodeG1(padded)).to.throw(Eip2537DecodeError, "padding");
      const xIsP = Uint8Array.from(sig);
      xIsP.set(encodeFp(FIELD_MODULUS - 1n), 0);
      xIsP[63] = (xIsP[63] as number) + 1; // x = p
      expect(() => decodeFp(xIsP, 0)).to.throw(Eip2537DecodeError, ">= p");
      const offCurve = Uint8Array.from(sig);
      offCurve[127] = (offCurve[127] as number) ^ 1;
      expect(() => decodeG1(offCurve)).to.throw(Eip2537DecodeError, "invalid point");
    });

    it("rejects points on the curve but outside the subgroup (EIP-2537 pairing fail vectors)", function () {
      skipWithoutVectors(this);
      const vectors = loadVectorJson<PrecompileVector[]>("eip2537/eips-assets/fail-pairing_check_bls.json");
      const g1Bad = vectors.find((v) => v.Name === "bls_pairing_e(G1_not_in_correct_subgroup,G2)");
      const g2Bad = vectors.find((v) => v.Name === "bls_pairing_e(G1,G2_not_in_correct_subgroup)");
      if (g1Bad === undefined || g2Bad === undefined) throw new Error("subgroup vectors missing");
      expect(() => decodeG1(hexToBytes(g1Bad.Input).slice(0, 128))).to.throw(Eip2537DecodeError);
      expect(() => decodeG2(hexToBytes(g2Bad.Input).slice(128, 384))).to.throw(Eip2537DecodeError);
    });

    it("negateG1 / negateG2 give -P (P + -P = 0) and keep infinity", function () {
      const { sk, pk } = keyPair(2);
      const sig = bls.sign(sk, message);
      expect(
        decodeG1(sig)
          .add(decodeG1(bls.negateG1(sig)))
          .is0(),
      ).to.equal(true);
      expect(
        decodeG2(pk)
          .add(decodeG2(bls.negateG2(pk)))
          .is0(),
      ).to.equal(true);
      expect(bls.negateG1(new Uint8Array(128)).every((b) => b === 0)).to.equal(true);
    });
  });

  describe("hashToG1", function () {
    it("reproduces every RFC 9380 G1 RO vector", function () {
      skipWithoutVectors(this);
      const suite = loadVectorJson<HashToCurveSuite>("rfc9380/h2c_BLS12381G1_XMD_SHA256_SSWU_RO_.json");
      for (const vector of suite.vectors) {
        const expected = hex(new Uint8Array([...encodeFp(BigInt(vector.P.x)), ...encodeFp(BigInt(vector.P.y))]));
        expect(hex(bls.hashToG1(utf8(vector.msg), suite.dst)), vector.msg.slice(0, 16)).to.equal(expected);
      }
    });

    it("rejects an empty DST", function () {
      expect(() => bls.hashToG1(message, "")).to.throw("must not be empty");
    });
  });

  describe("keys", function () {
    it("derives the same key from the same 48-byte seed and different keys from different seeds", function () {
      expect(hex(keyPair(7).sk)).to.equal(hex(keyPair(7).sk));
      expect(hex(keyPair(7).sk)).to.not.equal(hex(keyPair(8).sk));
      expect(hex(bls.generateSecretKey())).to.not.equal(hex(bls.generateSecretKey()));
      expect(keyPair(7).pk).to.have.length(256);
    });

    it("rejects a seed that is not 48 bytes", function () {
      expect(() => bls.generateSecretKey(new Uint8Array(32))).to.throw("48 bytes");
    });
  });

  describe("sign / verify", function () {
    const alice = keyPair(3);
    const bob = keyPair(4);
    const signature = bls.sign(alice.sk, message);

    it("verifies its own signature (128 bytes) under SIG_DST", function () {
      expect(signature).to.have.length(128);
      expect(bls.verify(alice.pk, signature, message)).to.equal(true);
      expect(bls.verify(alice.pk, signature, message, bls.SIG_DST)).to.equal(true);
    });

    it("rejects a wrong message, key or DST", function () {
      expect(bls.verify(alice.pk, signature, utf8("OpenMesh checkpoint #2"))).to.equal(false);
      expect(bls.verify(bob.pk, signature, message)).to.equal(false);
      expect(bls.verify(alice.pk, signature, message, bls.POP_DST)).to.equal(false);
    });

    it("rejects infinity, wrong lengths and malformed points instead of throwing", function () {
      expect(bls.verify(new Uint8Array(256), new Uint8Array(128), message)).to.equal(false);
      expect(bls.verify(alice.pk, new Uint8Array(128), message)).to.equal(false);
      expect(bls.verify(new Uint8Array(256), signature, message)).to.equal(false);
      expect(bls.verify(alice.pk, signature.slice(0, 127), message)).to.equal(false);
      expect(bls.verify(alice.pk.slice(1), signature, message)).to.equal(false);
      const offCurve = Uint8Array.from(signature);
      offCurve[100] = (offCurve[100] as number) ^ 1;
      expect(bls.verify(alice.pk, offCurve, message)).to.equal(false);
    });
  });

  describe("proof of possession", function () {
    const alice = keyPair(5);
    const bob = keyPair(6);

    const operator = "0x00000000000000000000000000000000000A0000";
    const other = "0x00000000000000000000000000000000000B0B00";

    it("signs the 256-byte EIP-2537 key followed by the 20-byte operator address under POP_DST, and verifies", function () {
      const proof = bls.proofOfPossession(alice.sk, operator);
      const message = bls.popMessage(alice.pk, operator);
      expect(message.length).to.equal(276);
      expect(`0x${hex(message.slice(256))}`).to.equal(operator.toLowerCase());
      expect(hex(proof)).to.equal(hex(bls.sign(alice.sk, message, bls.POP_DST)));
      expect(bls.verifyProofOfPossession(alice.pk, proof, operator)).to.equal(true);
    });

    it("rejects another key's proof, a proof for another operator, an unbound proof and a proof under SIG_DST", function () {
      expect(bls.verifyProofOfPossession(alice.pk, bls.proofOfPossession(bob.sk, operator), operator)).to.equal(false);
      expect(bls.verifyProofOfPossession(alice.pk, bls.proofOfPossession(alice.sk, other), operator)).to.equal(false);
      expect(bls.verifyProofOfPossession(alice.pk, bls.sign(alice.sk, alice.pk, bls.POP_DST), operator)).to.equal(
        false,
      );
      const message = bls.popMessage(alice.pk, operator);
      expect(bls.verifyProofOfPossession(alice.pk, bls.sign(alice.sk, message, bls.SIG_DST), operator)).to.equal(false);
    });
  });

  describe("aggregation", function () {
    const keys = Array.from({ length: 8 }, (_, i) => keyPair(10 + i));
    const signatures = keys.map((k) => bls.sign(k.sk, message));

    it("the aggregate of 8 signatures verifies against the aggregate of the 8 keys", function () {
      const aggregateSig = bls.aggregateSignatures(signatures);
      const aggregateKey = bls.aggregatePublicKeys(keys.map((k) => k.pk));
      expect(bls.verify(aggregateKey, aggregateSig, message)).to.equal(true);
    });

    it("fails when a signer or a key is missing, and refuses empty lists", function () {
      const allKeys = bls.aggregatePublicKeys(keys.map((k) => k.pk));
      expect(bls.verify(allKeys, bls.aggregateSignatures(signatures.slice(1)), message)).to.equal(false);
      const sevenKeys = bls.aggregatePublicKeys(keys.slice(1).map((k) => k.pk));
      expect(bls.verify(sevenKeys, bls.aggregateSignatures(signatures), message)).to.equal(false);
      expect(() => bls.aggregateSignatures([])).to.throw("nothing to aggregate");
      expect(() => bls.aggregatePublicKeys([])).to.throw("nothing to aggregate");
    });

    it("without the subgroup check: same sum, accepts an on-curve point outside the subgroup, still refuses off-curve", function () {
      const unchecked = bls.aggregateSignatures(signatures, { subgroupCheck: false });
      expect(hexOf(unchecked)).to.equal(hexOf(bls.aggregateSignatures(signatures)));
      // x^3 + 4 a square: an on-curve point, and with a cofactor this large almost surely off the subgroup
      const Fp = bls12_381.fields.Fp;
      let x = 5n;
      let y: bigint | undefined;
      for (; y === undefined; x++) {
        try {
          y = Fp.sqrt(Fp.add(Fp.mul(Fp.sqr(x), x), 4n));
        } catch {
          y = undefined;
        }
      }
      const outside = encodeG1(bls12_381.G1.Point.fromAffine({ x: x - 1n, y }));
      expect(() => bls.aggregateSignatures([signatures[0]!, outside])).to.throw(Eip2537DecodeError);
      expect(() => bls.aggregateSignatures([signatures[0]!, outside], { subgroupCheck: false })).to.not.throw();
      const offCurve = Uint8Array.from(signatures[0]!);
      offCurve[127] = offCurve[127]! ^ 1;
      expect(() => bls.aggregateSignatures([offCurve], { subgroupCheck: false })).to.throw(
        Eip2537DecodeError,
        "not on the curve",
      );
    });
  });

  describe("external vectors (vectors/bls-g1-signatures/, basic scheme DST _NUL_)", function () {
    before(function () {
      skipWithoutVectors(this);
    });

    it("produces every noble G1 signing vector byte for byte (128 cases) and its derived public key", function () {
      const suite = loadVectorJson<G1SignVectorSuite>("bls-g1-signatures/noble_g1_sign_vectors.json");
      expect(suite.cases).to.have.length(128);
      for (const [i, c] of suite.cases.entries()) {
        const sk = hexToBytes(c.secret_key);
        const expectedSig = encodeG1(bls12_381.shortSignatures.Signature.fromHex(c.signature));
        expect(hex(bls.sign(sk, hexToBytes(c.message), suite.dst)), `case ${i}`).to.equal(hex(expectedSig));
        const expectedPk = encodeG2(bls12_381.G2.Point.fromHex(c.derived_public_key_by_noble));
        expect(hex(bls.publicKeyG2(sk)), `case ${i} key`).to.equal(hex(expectedPk));
      }
    });

    it("gives the expected result for every drand quicknet / drand-client case", function () {
      const suite = loadVectorJson<G1SignatureVerifySuite>("bls-g1-signatures/verify_g1sig_g2pk.json");
      for (const c of suite.cases) {
        const pk = encodeG2(bls12_381.G2.Point.fromHex(c.public_key));
        const sig = encodeG1(bls12_381.shortSignatures.Signature.fromHex(c.signature));
        expect(bls.verify(pk, sig, hexToBytes(c.message), c.dst), c.name).to.equal(c.expected);
      }
    });
  });
});
