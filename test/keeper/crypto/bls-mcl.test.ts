import { expect } from "chai";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { randomBytes } from "node:crypto";
import { hashToG1Mcl, signMcl } from "../../../keeper/src/crypto/bls-mcl.js";
import * as bls from "../../../keeper/src/crypto/bls.js";
import { encodeFp, encodeG1 } from "../../../keeper/src/crypto/eip2537.js";
import { loadVectorJson, skipWithoutVectors, type HashToCurveSuite } from "../../helpers/vectors.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const utf8 = (s: string) => new TextEncoder().encode(s);
const SIG_DST = utf8(bls.SIG_DST);
const noble = bls12_381.shortSignatures;

describe("BLS signing on mcl (WebAssembly) = noble = RFC 9380", function () {
  it("hashes every RFC 9380 G1 RO vector (hash_to_field + two maps + sum) to the expected point", function () {
    skipWithoutVectors(this);
    const suite = loadVectorJson<HashToCurveSuite>("rfc9380/h2c_BLS12381G1_XMD_SHA256_SSWU_RO_.json");
    for (const v of suite.vectors) {
      const expected = hex(new Uint8Array([...encodeFp(BigInt(v.P.x)), ...encodeFp(BigInt(v.P.y))]));
      expect(hex(hashToG1Mcl(utf8(v.msg), utf8(suite.dst))), v.msg.slice(0, 16)).to.equal(expected);
    }
  });

  it("hashes 100 random messages of random lengths exactly as noble, under our signature DST", function () {
    for (let i = 0; i < 100; i++) {
      const msg = randomBytes(i * 7);
      expect(hex(hashToG1Mcl(msg, SIG_DST))).to.equal(hex(encodeG1(noble.hash(msg, SIG_DST))));
    }
  });

  it("signs 50 random (key, message) pairs byte-for-byte as noble, and each verifies", function () {
    for (let i = 0; i < 50; i++) {
      const sk = bls.generateSecretKey();
      const msg = randomBytes(32);
      const sig = signMcl(sk, msg, SIG_DST);
      expect(hex(sig)).to.equal(hex(encodeG1(noble.sign(noble.hash(msg, SIG_DST), sk))));
      if (i < 5) expect(bls.verify(bls.publicKeyG2(sk), sig, msg)).to.equal(true);
    }
  });

  it("refuses a key that is not 32 bytes or is zero", function () {
    expect(() => signMcl(new Uint8Array(31), new Uint8Array(32), SIG_DST)).to.throw("32 bytes");
    expect(() => signMcl(new Uint8Array(32), new Uint8Array(32), SIG_DST)).to.throw("must not be zero");
  });
});
