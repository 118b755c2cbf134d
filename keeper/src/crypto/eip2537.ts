/**
 * EIP-2537 encodings of BLS12-381 points, the byte format the on-chain precompiles (and
 * `contracts/crypto/BLS12381.sol`) read and write:
 * - Fp: 64 bytes, 16 zero bytes then the 48-byte big-endian value (< p);
 * - G1: x || y, 128 bytes; G2: x.c0 || x.c1 || y.c0 || y.c1, 256 bytes (noble's own G2 bytes put c1 first,
 *   so these are built from affine coordinates, never from `toBytes()`);
 * - the point at infinity: all zero bytes.
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import type { WeierstrassPoint } from "@noble/curves/abstract/weierstrass.js";
import type { Fp2 } from "@noble/curves/abstract/tower.js";

export type G1Point = WeierstrassPoint<bigint>;
export type G2Point = WeierstrassPoint<Fp2>;

export const FP_LENGTH = 64;
export const G1_LENGTH = 128;
export const G2_LENGTH = 256;

/** The base field modulus p. */
export const FIELD_MODULUS: bigint = bls12_381.fields.Fp.ORDER;

/** Thrown for bytes that are not a valid EIP-2537 encoding of a point of the expected group. */
export class Eip2537DecodeError extends Error {
  override name = "Eip2537DecodeError";
}

export function encodeFp(value: bigint): Uint8Array {
  if (value < 0n || value >= FIELD_MODULUS) throw new Eip2537DecodeError("field element out of range");
  const out = new Uint8Array(FP_LENGTH);
  let rest = value;
  for (let i = FP_LENGTH - 1; i >= 16 && rest > 0n; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** Reads a canonical field element from `bytes[offset, offset + 64)`. */
export function decodeFp(bytes: Uint8Array, offset = 0): bigint {
  if (bytes.length < offset + FP_LENGTH) throw new Eip2537DecodeError("field element truncated");
  let value = 0n;
  for (let i = 0; i < FP_LENGTH; i++) {
    const byte = bytes[offset + i] as number;
    if (i < 16 && byte !== 0) throw new Eip2537DecodeError("nonzero padding in field element");
    value = (value << 8n) | BigInt(byte);
  }
  if (value >= FIELD_MODULUS) throw new Eip2537DecodeError("field element >= p");
  return value;
}

export function isInfinityBytes(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte === 0);
}

export function encodeG1(point: G1Point): Uint8Array {
  const out = new Uint8Array(G1_LENGTH);
  if (point.is0()) return out;
  const { x, y } = point.toAffine();
  out.set(encodeFp(x), 0);
  out.set(encodeFp(y), 64);
  return out;
}

export function encodeG2(point: G2Point): Uint8Array {
  const out = new Uint8Array(G2_LENGTH);
  if (point.is0()) return out;
  const { x, y } = point.toAffine();
  out.set(encodeFp(x.c0), 0);
  out.set(encodeFp(x.c1), 64);
  out.set(encodeFp(y.c0), 128);
  out.set(encodeFp(y.c1), 192);
  return out;
}

/**
 * Decodes a G1 point and checks it is on the curve and in the prime-order subgroup, as the pairing
 * precompile does (`subgroupCheck: false` skips the ~1 ms subgroup part). The all-zero encoding
 * decodes to the point at infinity.
 */
export function decodeG1(bytes: Uint8Array, options: { subgroupCheck?: boolean } = {}): G1Point {
  if (bytes.length !== G1_LENGTH) throw new Eip2537DecodeError(`G1 point must be ${G1_LENGTH} bytes`);
  if (isInfinityBytes(bytes)) return bls12_381.G1.Point.ZERO;
  const x = decodeFp(bytes, 0);
  const y = decodeFp(bytes, 64);
  const point = bls12_381.G1.Point.fromAffine({ x, y });
  if (options.subgroupCheck === false) {
    // on the curve only (y^2 = x^3 + 4): for points whose subgroup the chain's pairing checks anyway
    const Fp = bls12_381.fields.Fp;
    if (!Fp.eql(Fp.sqr(y), Fp.add(Fp.mul(Fp.sqr(x), x), 4n)))
      throw new Eip2537DecodeError("G1 point is not on the curve");
    return point;
  }
  assertValid(point);
  return point;
}

/** Decodes a G2 point (x.c0, x.c1, y.c0, y.c1) with the same checks as {@link decodeG1}. */
export function decodeG2(bytes: Uint8Array): G2Point {
  if (bytes.length !== G2_LENGTH) throw new Eip2537DecodeError(`G2 point must be ${G2_LENGTH} bytes`);
  if (isInfinityBytes(bytes)) return bls12_381.G2.Point.ZERO;
  const Fp2 = bls12_381.fields.Fp2;
  const x = Fp2.create({ c0: decodeFp(bytes, 0), c1: decodeFp(bytes, 64) });
  const y = Fp2.create({ c0: decodeFp(bytes, 128), c1: decodeFp(bytes, 192) });
  const point = bls12_381.G2.Point.fromAffine({ x, y });
  assertValid(point);
  return point;
}

function assertValid(point: G1Point | G2Point): void {
  try {
    point.assertValidity(); // on the curve and in the subgroup
  } catch (error) {
    throw new Eip2537DecodeError(`invalid point: ${(error as Error).message}`);
  }
}

/** -P for an encoded G1 point; infinity stays infinity. */
export function negateG1(bytes: Uint8Array): Uint8Array {
  return encodeG1(decodeG1(bytes).negate());
}

/** -P for an encoded G2 point; infinity stays infinity. */
export function negateG2(bytes: Uint8Array): Uint8Array {
  return encodeG2(decodeG2(bytes).negate());
}
