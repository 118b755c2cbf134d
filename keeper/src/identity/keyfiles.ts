// Key files in the key directory: small JSON documents with a `type` and `version`, private
// material as 0x-hex. The directory must be 0700 and every file 0600; loading refuses anything
// looser, as ssh does, because a readable key is a stolen key.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

export type IdentityErrorCode = "missing" | "permissions" | "format" | "mismatch" | "exists";

export class IdentityError extends Error {
  override name = "IdentityError";
  constructor(
    readonly code: IdentityErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const KEY_FILES = {
  signer: "signer.json",
  bls: "bls.json",
  libp2p: "libp2p.json",
} as const;

const hex = (bytes: number) =>
  z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), `expected 0x + ${bytes} bytes of hex`);

export const SignerKeyFileSchema = z.strictObject({
  type: z.literal("openmesh-signer"),
  version: z.literal(1),
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected an address"),
  privateKey: hex(32),
});

export const BlsKeyFileSchema = z.strictObject({
  type: z.literal("openmesh-bls12381"),
  version: z.literal(1),
  /** EIP-2537 G2 encoding */
  publicKey: hex(256),
  secretKey: hex(32),
  /**
   * Ignored (files written before issue 15 held a proof over the bare key). A proof of possession
   * names the operator address, so `register` makes it when that address is known.
   */
  proofOfPossession: hex(128).optional(),
});

export const Libp2pKeyFileSchema = z.strictObject({
  type: z.literal("openmesh-libp2p"),
  version: z.literal(1),
  peerId: z.string().min(1),
  /** libp2p protobuf encoding of the Ed25519 private key */
  privateKey: z.string().regex(/^0x[0-9a-fA-F]+$/, "expected 0x-hex"),
});

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

/** Fails unless the key directory exists and only its owner can enter it. */
export function checkKeyDir(keyDir: string): void {
  if (!existsSync(keyDir)) {
    throw new IdentityError("missing", `key directory ${keyDir} does not exist: run \`openmesh-keeper init\` first`);
  }
  const m = mode(keyDir);
  if ((m & 0o077) !== 0) {
    throw new IdentityError(
      "permissions",
      `key directory ${keyDir} is accessible by group or others (mode ${m.toString(8)}): run chmod 700 ${keyDir}`,
    );
  }
}

export function readKeyFile<T>(keyDir: string, name: string, schema: z.ZodType<T>): T {
  const path = join(keyDir, name);
  if (!existsSync(path)) {
    throw new IdentityError(
      "missing",
      `key file ${path} is missing: restore it from backup or run init on a new directory`,
    );
  }
  const m = mode(path);
  if ((m & 0o077) !== 0) {
    throw new IdentityError(
      "permissions",
      `key file ${path} is readable by group or others (mode ${m.toString(8)}): run chmod 600 ${path}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new IdentityError("format", `key file ${path} is not valid JSON`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new IdentityError("format", `key file ${path} has an unexpected format: ${problems}`);
  }
  return parsed.data;
}

/** Creates the directory 0700 (tightening an existing empty-of-keys one). */
export function prepareKeyDir(keyDir: string): void {
  mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  chmodSync(keyDir, 0o700);
  const present = Object.values(KEY_FILES).filter((f) => existsSync(join(keyDir, f)));
  if (present.length > 0) {
    throw new IdentityError(
      "exists",
      `key directory ${keyDir} already holds ${present.join(", ")}: refusing to replace keys (move them away first)`,
    );
  }
}

export function writeKeyFile(keyDir: string, name: string, content: unknown): void {
  // "wx": never replace a key file; mode 0600 from creation, not chmod afterwards.
  writeFileSync(join(keyDir, name), JSON.stringify(content, null, 2) + "\n", { mode: 0o600, flag: "wx" });
}
