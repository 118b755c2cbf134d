/**
 * BLS signing in G1 on mcl (herumi's pairing library, the `mcl-wasm` WebAssembly build): every
 * validator signs one precommit per height on the consensus critical path, and there noble's pure
 * JS took ~5 ms (RFC 9380 hash to G1 + constant-time scalar multiplication) against ~1 ms here.
 *
 * The hash is RFC 9380 hash_to_curve (BLS12381G1_XMD:SHA-256_SSWU_RO_) split at its standard
 * seam: hash_to_field (expand_message_xmd, noble) gives u0, u1; mcl maps each to the curve (SSWU
 * + 11-isogeny + cofactor clearing); their sum is the hash, because clearing the cofactor is a
 * group homomorphism (clear(Q0) + clear(Q1) = clear(Q0 + Q1)). Tests pin sign() and hashToG1()
 * to noble and to the RFC 9380 vectors.
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { hash_to_field } from "@noble/curves/abstract/hash-to-curve.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { createRequire } from "node:module";
import type * as Mcl from "mcl-wasm";
import { encodeFp, G1_LENGTH } from "./eip2537.js";

const mcl = createRequire(import.meta.url)("mcl-wasm") as typeof Mcl & {
  /** the Emscripten module (exported at run time, not in the typings) */
  mod: Record<string, unknown>;
};

/** mcl's G1 with its internal two-operand call (public class, internal method; version pinned). */
type G1WithOp2 = Mcl.G1 & { _op2(func: unknown, y: Mcl.Fr): Mcl.G1 };

await mcl.init(mcl.BLS12_381);
mcl.setMapToMode(mcl.IRTF);
// constant-time multiplication by the secret key: mcl's public `mul` is variable-time
const MUL_CT = mcl.mod._mclBnG1_mulCT;
if (typeof MUL_CT !== "function") throw new Error("mcl-wasm does not export mclBnG1_mulCT: check its version");

const FIELD_OPTIONS = { p: bls12_381.fields.Fp.ORDER, m: 1, k: 128, expand: "xmd", hash: sha256 } as const;

function mapToG1(u: bigint): Mcl.G1 {
  const fp = new mcl.Fp();
  fp.setStr(u.toString(16), 16);
  return fp.mapToG1();
}

function hashPoint(message: Uint8Array, dst: Uint8Array): Mcl.G1 {
  const [[u0], [u1]] = hash_to_field(message, 2, { ...FIELD_OPTIONS, DST: dst }) as [[bigint], [bigint]];
  return mcl.add(mapToG1(u0), mapToG1(u1));
}

function encode(point: Mcl.G1): Uint8Array {
  const out = new Uint8Array(G1_LENGTH);
  if (point.isZero()) return out;
  const p = mcl.normalize(point);
  out.set(encodeFp(BigInt("0x" + p.getX().getStr(16))), 0);
  out.set(encodeFp(BigInt("0x" + p.getY().getStr(16))), 64);
  return out;
}

/** RFC 9380 hash_to_curve to G1 as 128 EIP-2537 bytes. */
export function hashToG1Mcl(message: Uint8Array, dst: Uint8Array): Uint8Array {
  return encode(hashPoint(message, dst));
}

/** sk * H(message) as 128 EIP-2537 bytes; `secretKey` is 32 big-endian bytes, as noble's keys. */
export function signMcl(secretKey: Uint8Array, message: Uint8Array, dst: Uint8Array): Uint8Array {
  if (secretKey.length !== 32) throw new Error("BLS secret key must be 32 bytes");
  const sk = new mcl.Fr();
  sk.setStr(bytesToHex(secretKey), 16);
  if (sk.isZero()) throw new Error("BLS secret key must not be zero");
  return encode((hashPoint(message, dst) as G1WithOp2)._op2(MUL_CT, sk));
}
