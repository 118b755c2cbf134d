/**
 * Loads the shared conformance vectors (`../shared/vectors/` next to the repository, see its README.md).
 * A clone without that folder cannot run vector tests: they skip, saying why, instead of failing.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: two directories up from test/helpers. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** `../shared/vectors` next to the repository; OPENMESH_VECTORS_DIR overrides it (and lets the skip path be tried). */
export const VECTORS_DIR = process.env.OPENMESH_VECTORS_DIR ?? resolve(REPO_ROOT, "..", "shared", "vectors");

export function vectorsAvailable(): boolean {
  return existsSync(VECTORS_DIR);
}

/**
 * Call first in a `before`/`it` using vectors (with a `function () {}` so `this` is the mocha context):
 * skips the test or suite when the vectors folder is absent.
 */
export function skipWithoutVectors(context: Mocha.Context): void {
  if (vectorsAvailable()) return;
  const reason = `conformance vectors not found at ${VECTORS_DIR} (a clone without ../shared/vectors)`;
  console.warn(`  skipped: ${reason}`);
  if (context.test !== undefined) context.test.title += ` (skipped: ${reason})`;
  context.skip();
}

/** The text of `relativePath` under the vectors folder. */
export function loadVectorText(relativePath: string): string {
  return readFileSync(resolve(VECTORS_DIR, relativePath), "utf8");
}

/** The parsed JSON of `relativePath` under the vectors folder (shape trusted to the caller's type). */
export function loadVectorJson<T>(relativePath: string): T {
  return JSON.parse(loadVectorText(relativePath)) as T;
}

/** Hex (with or without 0x) to bytes. */
export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new Error(`not hex: ${hex.slice(0, 20)}`);
  return Uint8Array.from(Buffer.from(clean, "hex"));
}

// ---- Shapes of the BLS12-381 vector files (see ../shared/vectors/README.md, sections 1-3) ----

/** rfc9380/h2c_*.json */
export interface HashToCurveSuite {
  dst: string;
  ciphersuite: string;
  vectors: { msg: string; P: { x: string; y: string }; u: string[] }[];
}

/** rfc9380/h2c_G1_RO_as_eip2537_inputs.json */
export interface HashToCurveEip2537Suite {
  dst: string;
  cases: { msg: string; map_input_u0: string; map_input_u1: string; expected_P_eip2537: string }[];
}

/** rfc9380/expand_message_xmd_*.json */
export interface ExpandMessageSuite {
  DST: string;
  tests: { DST_prime: string; len_in_bytes: string; msg: string; uniform_bytes: string }[];
}

/** eip2537/**: success cases have Expected, failure cases ExpectedError. */
export interface PrecompileVector {
  Name: string;
  Input: string;
  Expected?: string;
  ExpectedError?: string;
  Gas?: number;
}

/** bls-g1-signatures/verify_g1sig_g2pk.json: compressed (ZCash) points, hex message. */
export interface G1SignatureVerifySuite {
  cases: { name: string; dst: string; message: string; signature: string; public_key: string; expected: boolean }[];
}

/** bls-g1-signatures/noble_g1_sign_vectors.json: basic (`_NUL_`) scheme, compressed signature, hex message. */
export interface G1SignVectorSuite {
  dst: string;
  cases: { secret_key: string; message: string; signature: string; derived_public_key_by_noble: string }[];
}
