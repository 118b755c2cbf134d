import { expect } from "chai";
import { getBytes, hexlify, keccak256, randomBytes, Signature, toUtf8Bytes, Wallet } from "ethers";
import { EcdsaSignatureError, recoverDigestSigner, signDigest } from "../../../keeper/src/crypto/ecdsa.js";

const ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe("native ECDSA (libsecp256k1)", () => {
  const wallet = Wallet.createRandom();
  const key = getBytes(wallet.privateKey);

  it("signs byte-for-byte what ethers' SigningKey signs (RFC 6979, low s, v = 27/28) for many digests", () => {
    for (let i = 0; i < 50; i++) {
      const digest = hexlify(randomBytes(32));
      expect(signDigest(key, digest)).to.equal(wallet.signingKey.sign(digest).serialized);
    }
  });

  it("recovers the signer's (lowercase) address, for its own and for ethers' signatures", () => {
    for (let i = 0; i < 20; i++) {
      const digest = keccak256(toUtf8Bytes(`message ${i}`));
      expect(recoverDigestSigner(digest, signDigest(key, digest))).to.equal(wallet.address.toLowerCase());
      expect(recoverDigestSigner(digest, wallet.signingKey.sign(digest).serialized)).to.equal(
        wallet.address.toLowerCase(),
      );
    }
  });

  it("recovers a different address when the digest changes (the signature binds the digest)", () => {
    const digest = keccak256(toUtf8Bytes("a"));
    const sig = signDigest(key, digest);
    expect(recoverDigestSigner(keccak256(toUtf8Bytes("b")), sig)).to.not.equal(wallet.address.toLowerCase());
  });

  it("rejects the malleable high-s twin that OpenZeppelin's ECDSA rejects on chain", () => {
    const digest = keccak256(toUtf8Bytes("malleable"));
    const sig = Signature.from(signDigest(key, digest));
    const highS = "0x" + (ORDER - BigInt(sig.s)).toString(16).padStart(64, "0");
    const twin = hexlify(new Uint8Array([...getBytes(sig.r), ...getBytes(highS), sig.v === 27 ? 28 : 27]));
    expect(() => recoverDigestSigner(digest, twin)).to.throw(EcdsaSignatureError, "not canonical");
  });

  it("rejects wrong lengths, a bad v, a zero r and a 31-byte digest with EcdsaSignatureError", () => {
    const digest = keccak256(toUtf8Bytes("shape"));
    const sig = getBytes(signDigest(key, digest));
    expect(() => recoverDigestSigner(digest, sig.subarray(0, 64))).to.throw(EcdsaSignatureError, "65 bytes");
    const badV = Uint8Array.from(sig);
    badV[64] = 29;
    expect(() => recoverDigestSigner(digest, badV)).to.throw(EcdsaSignatureError, "v must be 27 or 28");
    const zeroR = Uint8Array.from(sig);
    zeroR.fill(0, 0, 32);
    expect(() => recoverDigestSigner(digest, zeroR)).to.throw(EcdsaSignatureError);
    expect(() => recoverDigestSigner(getBytes(digest).subarray(1), sig)).to.throw(EcdsaSignatureError, "32 bytes");
  });
});
