/**
 * ECDSA over secp256k1 for digests the keeper signs and checks on every gossip message and vote,
 * through libsecp256k1 (the `secp256k1` package's prebuilt N-API addon): ~60 us to recover a
 * signer against ~2 ms in ethers' pure-JS curve, which made signature recovery most of a
 * height's CPU. Signatures are Ethereum's 65 bytes r || s || v (v = 27 or 28), low-s only, as
 * OpenZeppelin's ECDSA accepts on chain; signing is RFC 6979 deterministic, so a signature is
 * byte-identical to the one ethers' SigningKey would produce.
 */
import { createRequire } from "node:module";
import type * as Secp256k1 from "secp256k1";
import { getBytes, hexlify, keccak256 } from "ethers";

// the package is CommonJS and picks the native addon (or its JS fallback) at load time
const secp256k1 = createRequire(import.meta.url)("secp256k1") as typeof Secp256k1;

/** secp256k1 group order / 2: a larger s is the malleable twin of a valid signature */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

export class EcdsaSignatureError extends Error {
  override name = "EcdsaSignatureError";
}

function digestBytes(digest: string | Uint8Array): Uint8Array {
  const bytes = typeof digest === "string" ? getBytes(digest) : digest;
  if (bytes.length !== 32) throw new EcdsaSignatureError(`digest must be 32 bytes, got ${bytes.length}`);
  return bytes;
}

/** Signs a 32-byte digest: 0x-hex r || s || v with v = 27 + recovery id. */
export function signDigest(privateKey: Uint8Array, digest: string | Uint8Array): string {
  const { signature, recid } = secp256k1.ecdsaSign(digestBytes(digest), privateKey);
  const out = new Uint8Array(65);
  out.set(signature, 0);
  out[64] = 27 + recid;
  return hexlify(out);
}

/**
 * The lowercase address whose key signed `digest` (no EIP-55 checksum: it costs another keccak
 * and every caller compares addresses). Throws EcdsaSignatureError for anything the
 * chain would reject: wrong length, v not 27/28, s in the upper half, r or s out of range.
 */
export function recoverDigestSigner(digest: string | Uint8Array, signature: string | Uint8Array): string {
  const sig = typeof signature === "string" ? getBytes(signature) : signature;
  if (sig.length !== 65) throw new EcdsaSignatureError(`signature must be 65 bytes, got ${sig.length}`);
  const v = sig[64]!;
  if (v !== 27 && v !== 28) throw new EcdsaSignatureError(`signature v must be 27 or 28, got ${v}`);
  const rs = sig.subarray(0, 64);
  if (BigInt(hexlify(rs.subarray(32))) > HALF_ORDER) throw new EcdsaSignatureError("signature s is not canonical");
  let publicKey: Uint8Array;
  try {
    publicKey = secp256k1.ecdsaRecover(rs, v - 27, digestBytes(digest), false);
  } catch (err) {
    if (err instanceof EcdsaSignatureError) throw err;
    throw new EcdsaSignatureError(`signature does not recover to a key: ${(err as Error).message}`);
  }
  return "0x" + keccak256(publicKey.subarray(1)).slice(-40);
}
