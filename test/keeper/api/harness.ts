// The workspace API on the keeper's real HTTP server (ObservabilityServer), for tests: a SIWE
// login helper signing with real ethers wallets, and an S3 client from the unmodified AWS SDK.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client, type S3ServiceException } from "@aws-sdk/client-s3";
import { JsonRpcProvider } from "ethers";
import { SiweMessage } from "siwe";
import { ChainLeaseAccess } from "../../../keeper/src/api/index.js";
import { WorkspaceApi, type WorkspaceApiOptions } from "../../../keeper/src/api/workspace-api.js";
import { createMetrics, ObservabilityServer } from "../../../keeper/src/observability/index.js";
import { silentLogger } from "../helpers/logs.js";

export interface ApiHarness {
  api: WorkspaceApi;
  server: ObservabilityServer;
  /** host:port, the SIWE domain */
  domain: string;
  url(path: string): string;
  stop(): Promise<void>;
}

export interface HarnessOptions extends Partial<Omit<WorkspaceApiOptions, "gate">> {
  /** JSON-RPC URL of the chain (DvmAccess) */
  rpcUrl?: string;
  dvmAccess?: string;
  operator?: string;
  port?: number;
}

export async function startApi(o: HarnessOptions = {}): Promise<ApiHarness> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), "om-api-"));
  const graceSeconds = o.graceSeconds ?? 7 * 24 * 3600;
  const gate = new ChainLeaseAccess({
    // a chain the SIWE-only tests never query
    provider: new JsonRpcProvider(o.rpcUrl ?? "http://127.0.0.1:1", 31337, { staticNetwork: true }),
    dvmAccess: o.dvmAccess ?? "0x0000000000000000000000000000000000000001",
    operator: o.operator,
    graceSeconds,
  });
  const bound: { port?: number } = {};
  const api = await WorkspaceApi.init({
    dir,
    chainId: o.chainId ?? 31337,
    gate,
    graceSeconds,
    domains: o.domains ?? (() => [`127.0.0.1:${bound.port}`]),
    corsOrigins: o.corsOrigins ?? ["http://studio.example"],
    sessionTtlMs: o.sessionTtlMs ?? 3_600_000,
    nonceTtlMs: o.nonceTtlMs ?? 300_000,
    storageUnitBytes: o.storageUnitBytes ?? 2 ** 30,
    sweepIntervalMs: 0,
    jobs: o.jobs,
    logger: o.logger ?? silentLogger(),
    now: o.now,
  });
  const server = new ObservabilityServer({
    config: { metricsHost: "127.0.0.1", metricsPort: o.port ?? 0 },
    logger: silentLogger(),
    metrics: createMetrics(),
    health: () => ({ ready: true, peers: 0, synced: true, epoch: null, lastCheckpointAgeSeconds: null }),
    handlers: [api.handler],
  });
  await server.start();
  bound.port = server.port;
  const s = server;
  const domain = `127.0.0.1:${s.port}`;
  return {
    api,
    server: s,
    domain,
    url: (path) => `http://${domain}${path}`,
    stop: async () => {
      await api.stop();
      await s.stop();
      // a directory the caller passed may be reused (restart tests): only ours is removed
      if (o.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What signs in: an ethers Wallet or HDNodeWallet. */
export interface SigningWallet {
  address: string;
  signMessage(message: string): Promise<string>;
}

export interface SiweFields {
  domain?: string;
  uri?: string;
  chainId?: number;
  nonce?: string;
  expirationTime?: string;
  issuedAt?: string;
}

/** A signed EIP-4361 message for `wallet`, with a fresh nonce from the API unless given. */
export async function signIn(
  h: ApiHarness,
  wallet: SigningWallet,
  f: SiweFields = {},
): Promise<{ message: string; signature: string }> {
  const nonce = f.nonce ?? ((await (await fetch(h.url("/api/auth/nonce"))).json()) as { nonce: string }).nonce;
  const domain = f.domain ?? h.domain;
  const message = new SiweMessage({
    domain,
    address: wallet.address,
    statement: "Sign in to the OpenMesh workspace",
    uri: f.uri ?? `http://${domain}`,
    version: "1",
    chainId: f.chainId ?? 31337,
    nonce,
    issuedAt: f.issuedAt ?? new Date().toISOString(),
    expirationTime: f.expirationTime ?? new Date(Date.now() + 5 * 60_000).toISOString(),
  }).prepareMessage();
  return { message, signature: await wallet.signMessage(message) };
}

export async function login(
  h: ApiHarness,
  body: { message: string; signature: string },
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(h.url("/api/auth/login"), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Signs in and returns the bearer token. */
export async function sessionFor(h: ApiHarness, wallet: SigningWallet): Promise<string> {
  const { status, json } = await login(h, await signIn(h, wallet));
  if (status !== 200) throw new Error(`login failed: ${JSON.stringify(json)}`);
  return json.token as string;
}

/** An unmodified AWS SDK S3 client on this keeper's endpoint. */
export function s3Client(h: ApiHarness, key: { accessKeyId: string; secretAccessKey: string }): S3Client {
  return new S3Client({
    endpoint: h.url("/s3"),
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
  });
}

/** The error name and HTTP status an S3 call failed with (throws if it succeeded). */
export async function s3Error(p: Promise<unknown>): Promise<{ name: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as S3ServiceException;
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("expected the S3 call to fail");
}
