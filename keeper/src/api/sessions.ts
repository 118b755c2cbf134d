// Sessions after a SIWE login: a short-lived bearer token signed with HMAC-SHA256 under a key
// only this keeper holds. Stateless to verify; logout revokes by session id until expiry.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { ApiError } from "./errors.js";

export interface Session {
  /** session id (random), the handle access keys hang off */
  sid: string;
  /** checksummed address that signed in */
  address: string;
  chainId: number;
  issuedAtMs: number;
  expiresAtMs: number;
}

function b64url(buf: Buffer): string {
  return buf.toString("base64url");
}

export class SessionTokens {
  /** revoked session id -> its expiry (forgotten once expired) */
  private readonly revoked = new Map<string, number>();

  constructor(
    private readonly secret: Buffer,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (secret.length < 32) throw new Error("session secret must be at least 32 bytes");
  }

  issue(address: string, chainId: number): { token: string; session: Session } {
    const issuedAtMs = this.now();
    const session: Session = {
      sid: b64url(randomBytes(16)),
      address,
      chainId,
      issuedAtMs,
      expiresAtMs: issuedAtMs + this.ttlMs,
    };
    const payload = b64url(Buffer.from(JSON.stringify(session)));
    return { token: `${payload}.${this.mac(payload)}`, session };
  }

  /** The session a bearer token stands for; throws 401 with the reason otherwise. */
  verify(token: string): Session {
    const [payload, mac, extra] = token.split(".");
    if (!payload || !mac || extra !== undefined) throw new ApiError(401, "unauthenticated", "malformed session token");
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new ApiError(401, "unauthenticated", "session token signature is invalid");
    }
    const session = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Session;
    if (this.now() >= session.expiresAtMs) throw new ApiError(401, "session_expired", "session expired: sign in again");
    if (this.revoked.has(session.sid)) throw new ApiError(401, "session_expired", "session was logged out");
    return session;
  }

  revoke(session: Session): void {
    const now = this.now();
    for (const [sid, exp] of this.revoked) if (exp <= now) this.revoked.delete(sid);
    this.revoked.set(session.sid, session.expiresAtMs);
  }

  isRevoked(sid: string): boolean {
    return this.revoked.has(sid);
  }

  private mac(payload: string): string {
    return b64url(createHmac("sha256", this.secret).update(payload).digest());
  }
}
