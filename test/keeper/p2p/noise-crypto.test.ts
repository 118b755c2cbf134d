import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { pureJsCrypto } from "@chainsafe/libp2p-noise";
import { Uint8ArrayList } from "uint8arraylist";
import { keeperNoiseCrypto, SMALL_FRAME_BYTES } from "../../../keeper/src/p2p/noise-crypto.js";

// The reference is the library's pure-JS crypto (@noble): same bytes out for every frame size and
// input shape, so the keeper's faster paths interoperate with any libp2p peer.
const bytes = (x: Uint8Array | Uint8ArrayList) => Buffer.from(x instanceof Uint8Array ? x : x.subarray());

describe("Noise crypto of the keeper: the same bytes as the reference implementation, faster", () => {
  const k = randomBytes(32);
  const nonce = randomBytes(12);
  const ad = randomBytes(32);
  const sizes = [0, 1, SMALL_FRAME_BYTES - 1, SMALL_FRAME_BYTES, 1199, 1200, 4096, 65_519];

  it("seals every frame size exactly as the reference does, from bytes and from a list of chunks", () => {
    for (const size of sizes) {
      const plain = randomBytes(size);
      const want = bytes(pureJsCrypto.chaCha20Poly1305Encrypt(plain, nonce, ad, k));
      expect(bytes(keeperNoiseCrypto.chaCha20Poly1305Encrypt(plain, nonce, ad, k)), `${size} B`).to.deep.equal(want);
      const list = new Uint8ArrayList(plain.subarray(0, size >> 1), plain.subarray(size >> 1));
      expect(bytes(keeperNoiseCrypto.chaCha20Poly1305Encrypt(list, nonce, ad, k)), `${size} B list`).to.deep.equal(
        want,
      );
    }
  });

  it("opens what the reference sealed, and refuses a frame with one flipped bit at every size", () => {
    for (const size of sizes) {
      const plain = randomBytes(size);
      const sealed = bytes(pureJsCrypto.chaCha20Poly1305Encrypt(plain, nonce, ad, k));
      expect(bytes(keeperNoiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, ad, k)), `${size} B`).to.deep.equal(plain);
      const list = new Uint8ArrayList(sealed.subarray(0, 7), sealed.subarray(7));
      expect(bytes(keeperNoiseCrypto.chaCha20Poly1305Decrypt(list, nonce, ad, k)), `${size} B list`).to.deep.equal(
        plain,
      );
      const bad = Buffer.from(sealed);
      bad[bad.length - 1]! ^= 1;
      expect(() => keeperNoiseCrypto.chaCha20Poly1305Decrypt(bad, nonce, ad, k), `${size} B tampered`).to.throw();
    }
  });

  it("agrees with the reference on X25519: keys from a seed and the shared secret both sides derive", () => {
    const seed = randomBytes(32);
    const mine = keeperNoiseCrypto.generateX25519KeyPairFromSeed(seed);
    expect(Buffer.from(mine.publicKey)).to.deep.equal(
      Buffer.from(pureJsCrypto.generateX25519KeyPairFromSeed(seed).publicKey),
    );
    const theirs = pureJsCrypto.generateX25519KeyPair();
    const fresh = keeperNoiseCrypto.generateX25519KeyPair();
    expect(fresh.publicKey).to.have.length(32);
    expect(fresh.privateKey).to.have.length(32);
    expect(Buffer.from(keeperNoiseCrypto.generateX25519SharedKey(mine.privateKey, theirs.publicKey))).to.deep.equal(
      Buffer.from(pureJsCrypto.generateX25519SharedKey(theirs.privateKey, mine.publicKey)),
    );
  });
});
