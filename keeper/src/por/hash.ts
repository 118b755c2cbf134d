// Hashing shared by the Proof-of-Resource measures: SHA-256 (native, node:crypto) for chains,
// commitments and seeds; SHAKE-256 to expand a block; AES-256-CTR as a fast seed-derived byte
// stream. Everything here is deterministic: a verifier recomputes what an honest prover computed.
import { createCipheriv, createHash, hash } from "node:crypto";

export type Bytes = Uint8Array;

export function sha256(...parts: Bytes[]): Buffer {
  if (parts.length === 1) return hash("sha256", parts[0]!, "buffer");
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
}

/** `steps` sequential SHA-256 applications: the unit of CPU work (it cannot be parallelised). */
export function hashChain(start: Bytes, steps: number): Buffer {
  let x: Buffer = Buffer.from(start);
  for (let i = 0; i < steps; i++) x = hash("sha256", x, "buffer");
  return x;
}

/** SHAKE-256 of the parts, `outBytes` long. */
export function shake(outBytes: number, ...parts: Bytes[]): Buffer {
  const h = createHash("shake256", { outputLength: outBytes });
  for (const p of parts) h.update(p);
  return h.digest();
}

const encoder = new TextEncoder();

/** A 32-byte seed bound to a label (one per measure) and the given values. */
export function deriveSeed(label: string, ...parts: Array<Bytes | string | number | bigint>): Buffer {
  const h = createHash("sha256").update(encoder.encode(`openmesh/por/${label}`));
  for (const p of parts) {
    if (p instanceof Uint8Array) h.update(p);
    else h.update(encoder.encode(`|${String(p)}`));
  }
  return h.digest();
}

/** `length` seed-derived bytes starting at byte `offset` (a multiple of 16): AES-256-CTR key stream. */
export function seedStream(seed: Bytes, offset: number, length: number): Buffer {
  if (seed.length !== 32) throw new Error("seed must be 32 bytes");
  if (offset % 16 !== 0) throw new Error("offset must be a multiple of 16");
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(offset / 16), 8);
  return createCipheriv("aes-256-ctr", seed, iv).update(Buffer.alloc(length));
}

/** A uniform-enough index in [0, n) from the first 6 bytes of `bytes` (n < 2^32: bias < 2^-16). */
export function indexOf(bytes: Bytes, n: number): number {
  if (n <= 0) throw new Error("empty range");
  return Buffer.from(bytes.buffer, bytes.byteOffset, 6).readUIntBE(0, 6) % n;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export const b64 = (b: Bytes): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
export const unb64 = (s: string): Buffer => Buffer.from(s, "base64");
export const hex = (b: Bytes): string => "0x" + Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
export const unhex = (s: string): Buffer => Buffer.from(s.startsWith("0x") ? s.slice(2) : s, "hex");
