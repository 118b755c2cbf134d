// Sign-In with Ethereum (EIP-4361). The keeper issues single-use nonces; a login must carry one
// of them, name this keeper's domain and URI origin, the chain it serves, and an expiry no further
// than the nonce lifetime. The `siwe` package checks the signature, domain, nonce and times; the
// chain id and single use are checked here (siwe does neither).
import { randomBytes } from "node:crypto";
import { getAddress } from "ethers";
import { SiweMessage } from "siwe";
import { ApiError } from "./errors.js";

export interface SiweLoginOptions {
  /**
   * the RFC 4501 authorities a message may name (host[:port] of this API); its `uri` must have
   * the same host. A function: with port 0 the port is known only once the server listens.
   */
  domains: () => readonly string[];
  chainId: number;
  /** how long an issued nonce can be used (and how far ahead a message may expire) */
  nonceTtlMs: number;
  /** cap on outstanding nonces (a flood of nonce requests cannot grow memory) */
  maxNonces?: number;
  now?: () => number;
}

export class SiweLogin {
  /** nonce -> expiry (ms); removed on use */
  private readonly nonces = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly opts: SiweLoginOptions) {
    this.now = opts.now ?? Date.now;
  }

  issueNonce(): { nonce: string; expiresAtMs: number } {
    const now = this.now();
    for (const [n, exp] of this.nonces) if (exp <= now) this.nonces.delete(n);
    const max = this.opts.maxNonces ?? 10_000;
    // oldest first (insertion order): evict rather than refuse, a legitimate user retries
    while (this.nonces.size >= max) this.nonces.delete(this.nonces.keys().next().value as string);
    const nonce = randomBytes(12).toString("hex"); // alphanumeric, >= 8 chars (EIP-4361)
    const expiresAtMs = now + this.opts.nonceTtlMs;
    this.nonces.set(nonce, expiresAtMs);
    return { nonce, expiresAtMs };
  }

  /** Verifies a signed SIWE message and consumes its nonce; returns the signer's checksummed address. */
  async verify(messageText: string, signature: string): Promise<{ address: string; chainId: number }> {
    let message: SiweMessage;
    try {
      message = new SiweMessage(messageText);
    } catch (err) {
      throw new ApiError(400, "siwe_invalid", `not an EIP-4361 message: ${(err as Error).message ?? String(err)}`);
    }
    const now = this.now();
    const nonceExpiry = this.nonces.get(message.nonce);
    if (nonceExpiry === undefined) {
      throw new ApiError(401, "siwe_nonce_unknown", "nonce was not issued by this keeper or was already used");
    }
    if (nonceExpiry <= now) {
      this.nonces.delete(message.nonce);
      throw new ApiError(401, "siwe_expired", "nonce expired: request a new one");
    }
    const domains = this.opts.domains();
    if (!domains.includes(message.domain)) {
      throw new ApiError(
        403,
        "siwe_wrong_domain",
        `message is for ${message.domain}, this keeper is ${domains.join(" or ")}`,
      );
    }
    if (uriHost(message.uri) !== message.domain) {
      throw new ApiError(403, "siwe_wrong_uri", `message URI ${message.uri} is not on ${message.domain}`);
    }
    if (message.chainId !== this.opts.chainId) {
      throw new ApiError(
        403,
        "siwe_wrong_chain",
        `message is for chain ${message.chainId}, this keeper serves ${this.opts.chainId}`,
      );
    }
    if (!message.expirationTime) {
      throw new ApiError(400, "siwe_invalid", "message must carry an Expiration Time");
    }
    const expiresAt = Date.parse(message.expirationTime);
    if (expiresAt <= now) throw new ApiError(401, "siwe_expired", `message expired at ${message.expirationTime}`);
    if (message.issuedAt && Date.parse(message.issuedAt) > now + 60_000) {
      throw new ApiError(400, "siwe_invalid", "message is issued in the future");
    }
    // The nonce is spent by any attempt past this point: a failed signature cannot be retried.
    this.nonces.delete(message.nonce);
    const result = await message.verify(
      { signature, domain: message.domain, nonce: message.nonce, time: new Date(now).toISOString() },
      { suppressExceptions: true },
    );
    if (!result.success) {
      const why = result.error?.type ?? "signature does not match the message's address";
      throw new ApiError(401, "siwe_invalid", `SIWE verification failed: ${why}`);
    }
    return { address: getAddress(message.address), chainId: message.chainId };
  }
}

function uriHost(uri: string): string | undefined {
  try {
    return new URL(uri).host;
  } catch {
    return undefined;
  }
}
