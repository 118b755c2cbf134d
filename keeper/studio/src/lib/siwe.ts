// Sign-In with Ethereum (EIP-4361) against this keeper's workspace API (docs/workspace.md): a
// nonce from /api/auth/nonce, the message signed by the wallet (personal_sign), a bearer token
// from /api/auth/login. The token stays in memory only: a reload signs in again.
import { getAddress, type JsonRpcSigner } from "ethers";
import { keeperBase } from "./keeper.js";

export interface Session {
  token: string;
  address: string;
  expiresAt: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, init: RequestInit = {}, token?: string): Promise<T> {
  const headers = new Headers(init.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (init.body && !headers.has("content-type")) headers.set("content-type", "application/json");
  const res = await fetch(new URL(path.replace(/^\//, ""), keeperBase), { ...init, headers, cache: "no-store" });
  const body = (await res.json().catch(() => ({}))) as T & { error?: string; message?: string };
  if (!res.ok) throw new ApiError(res.status, body.error ?? "http_error", body.message ?? `HTTP ${res.status}`);
  return body;
}

/** The EIP-4361 text, field by field as the standard lays it out. */
export function siweMessage(f: {
  domain: string;
  address: string;
  statement: string;
  uri: string;
  chainId: number;
  nonce: string;
  issuedAt: string;
  expirationTime: string;
}): string {
  return [
    `${f.domain} wants you to sign in with your Ethereum account:`,
    getAddress(f.address),
    "",
    f.statement,
    "",
    `URI: ${f.uri}`,
    "Version: 1",
    `Chain ID: ${f.chainId}`,
    `Nonce: ${f.nonce}`,
    `Issued At: ${f.issuedAt}`,
    `Expiration Time: ${f.expirationTime}`,
  ].join("\n");
}

export async function signIn(signer: JsonRpcSigner, chainId: number): Promise<Session> {
  const { nonce } = await api<{ nonce: string }>("/api/auth/nonce");
  const message = siweMessage({
    domain: keeperBase.host,
    address: await signer.getAddress(),
    statement: "Sign in to Xnode Studio on this keeper",
    uri: keeperBase.origin,
    chainId,
    nonce,
    issuedAt: new Date().toISOString(),
    expirationTime: new Date(Date.now() + 5 * 60_000).toISOString(),
  });
  const signature = await signer.signMessage(message);
  return api<Session>("/api/auth/login", { method: "POST", body: JSON.stringify({ message, signature }) });
}
