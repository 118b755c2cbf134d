// The Noise transport's crypto, tuned for the keeper's traffic (issue 16's CPU goal). The library's
// default sends frames of 1,200 bytes or more through node:crypto's ChaCha20-Poly1305 with the raw
// key, and Node turns a raw key into a KeyObject on every call: ~100 µs a frame on this machine,
// against ~25 µs with the KeyObject made once per session key (a CipherState keeps one key object
// for its whole life, so a WeakMap finds it again). Small frames (votes, pings, gossip control) go
// through the WebAssembly ChaCha20-Poly1305, faster than any node:crypto call below ~512 bytes.
// Hashing and HKDF stay the library's; X25519 runs in node:crypto (RFC 8410 DER wrappers).
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { pureJsCrypto, type ICryptoInterface } from "@chainsafe/libp2p-noise";
import { ChaCha20Poly1305, newInstance } from "@chainsafe/as-chacha20poly1305";
import type { Uint8ArrayList } from "uint8arraylist";

/** below this many bytes the WebAssembly cipher wins (measured: docs/benchmarks.md) */
export const SMALL_FRAME_BYTES = 512;
const TAG_BYTES = 16;
const ALGORITHM = "chacha20-poly1305";
// RFC 8410: PKCS#8 and SubjectPublicKeyInfo prefixes of a raw 32-byte X25519 key
const PKCS8_X25519 = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI_X25519 = Buffer.from("302a300506032b656e032100", "hex");

const wasm = new ChaCha20Poly1305(newInstance());
const secretKeys = new WeakMap<Uint8Array, KeyObject>();

function secretKeyOf(k: Uint8Array): KeyObject {
  let key = secretKeys.get(k);
  if (!key) {
    key = createSecretKey(k);
    secretKeys.set(k, key);
  }
  return key;
}

const flat = (data: Uint8Array | Uint8ArrayList): Uint8Array => (data instanceof Uint8Array ? data : data.subarray());

function encrypt(plaintext: Uint8Array | Uint8ArrayList, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array) {
  if (plaintext.byteLength < SMALL_FRAME_BYTES) return wasm.seal(k, nonce, flat(plaintext), ad);
  const cipher = createCipheriv(ALGORITHM, secretKeyOf(k), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(ad, { plaintextLength: plaintext.byteLength });
  const parts = [];
  for (const chunk of plaintext instanceof Uint8Array ? [plaintext] : plaintext) parts.push(cipher.update(chunk));
  parts.push(cipher.final(), cipher.getAuthTag());
  return Buffer.concat(parts);
}

function decrypt(
  ciphertext: Uint8Array | Uint8ArrayList,
  nonce: Uint8Array,
  ad: Uint8Array,
  k: Uint8Array,
  dst?: Uint8Array,
) {
  if (ciphertext.byteLength < SMALL_FRAME_BYTES) {
    const plaintext = wasm.open(k, nonce, flat(ciphertext), ad, dst);
    if (!plaintext) throw new Error("Invalid chacha20poly1305 decryption");
    return plaintext;
  }
  const sealed = flat(ciphertext);
  const body = sealed.subarray(0, sealed.byteLength - TAG_BYTES);
  const decipher = createDecipheriv(ALGORITHM, secretKeyOf(k), nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(ad, { plaintextLength: body.byteLength });
  decipher.setAuthTag(sealed.subarray(sealed.byteLength - TAG_BYTES));
  const head = decipher.update(body);
  const final = decipher.final(); // throws on a bad tag
  return final.byteLength > 0 ? Buffer.concat([head, final]) : head;
}

function x25519KeyPair(privateKey: KeyObject): { publicKey: Uint8Array; privateKey: Uint8Array } {
  const der = (k: KeyObject, type: "pkcs8" | "spki") => k.export({ type, format: "der" });
  return {
    publicKey: der(createPublicKey(privateKey), "spki").subarray(SPKI_X25519.byteLength),
    privateKey: der(privateKey, "pkcs8").subarray(PKCS8_X25519.byteLength),
  };
}

const x25519Private = (raw: Uint8Array) =>
  createPrivateKey({ key: Buffer.concat([PKCS8_X25519, raw]), format: "der", type: "pkcs8" });

export const keeperNoiseCrypto: ICryptoInterface = {
  hashSHA256: (data) => {
    const hash = createHash("sha256");
    for (const chunk of data instanceof Uint8Array ? [data] : data) hash.update(chunk);
    return hash.digest();
  },
  getHKDF: pureJsCrypto.getHKDF,
  generateX25519KeyPair: () => x25519KeyPair(generateKeyPairSync("x25519").privateKey),
  generateX25519KeyPairFromSeed: (seed) => ({ ...x25519KeyPair(x25519Private(seed)), privateKey: seed }),
  generateX25519SharedKey: (privateKey, publicKey) =>
    diffieHellman({
      privateKey: x25519Private(flat(privateKey)),
      publicKey: createPublicKey({ key: Buffer.concat([SPKI_X25519, flat(publicKey)]), format: "der", type: "spki" }),
    }),
  chaCha20Poly1305Encrypt: encrypt,
  chaCha20Poly1305Decrypt: decrypt,
};
