// S3 access keys: issued to one SIWE session for one lease, valid until that session expires or
// logs out. Kept in one JSON file (0600, written durably) so a restart does not log users out of
// their S3 clients; the secret must be stored to check SigV4 (an HMAC, not a signature).
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { writeFileDurable } from "./s3/durable.js";
import type { Session } from "./sessions.js";

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  leaseId: string;
  /** the signed-in address the key acts for */
  address: string;
  /** the session it was issued to (logout revokes it) */
  sid: string;
  expiresAtMs: number;
}

const KEY_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function newKeyId(): string {
  const bytes = randomBytes(18);
  let id = "OM";
  for (const b of bytes) id += KEY_ID_ALPHABET[b % 32];
  return id;
}

export class AccessKeys {
  private readonly keys = new Map<string, AccessKey>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly now: () => number,
  ) {}

  static async open(file: string, now: () => number = Date.now): Promise<AccessKeys> {
    const store = new AccessKeys(file, now);
    const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return "[]";
      throw err;
    });
    for (const k of JSON.parse(text) as AccessKey[]) if (k.expiresAtMs > now()) store.keys.set(k.accessKeyId, k);
    return store;
  }

  async issue(session: Session, leaseId: bigint): Promise<AccessKey> {
    const key: AccessKey = {
      accessKeyId: newKeyId(),
      secretAccessKey: randomBytes(30).toString("base64url"),
      leaseId: leaseId.toString(),
      address: session.address,
      sid: session.sid,
      expiresAtMs: session.expiresAtMs,
    };
    this.keys.set(key.accessKeyId, key);
    await this.persist();
    return key;
  }

  /** A live key, or undefined when unknown, expired or revoked. */
  get(accessKeyId: string): AccessKey | undefined {
    const key = this.keys.get(accessKeyId);
    if (!key) return undefined;
    if (key.expiresAtMs <= this.now()) {
      this.keys.delete(accessKeyId);
      return undefined;
    }
    return key;
  }

  list(sid: string): AccessKey[] {
    return [...this.keys.values()].filter((k) => k.sid === sid && k.expiresAtMs > this.now());
  }

  async revoke(match: (k: AccessKey) => boolean): Promise<number> {
    let n = 0;
    for (const [id, k] of this.keys) {
      if (match(k)) {
        this.keys.delete(id);
        n++;
      }
    }
    if (n > 0) await this.persist();
    return n;
  }

  private persist(): Promise<void> {
    const now = this.now();
    const next = this.writing.then(() =>
      writeFileDurable(this.file, JSON.stringify([...this.keys.values()].filter((k) => k.expiresAtMs > now))),
    );
    this.writing = next.catch(() => undefined);
    return next;
  }
}
