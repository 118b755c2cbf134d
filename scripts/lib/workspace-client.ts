// The renter's side of a workspace, as a wallet and the AWS SDK see it: sign in with Ethereum
// (EIP-4361), get S3 keys for a lease, store a file and read it back. Used by the demo, the S3
// bench and anyone scripting against a keeper (docs/workspace.md).
import {
  GetObjectCommand,
  PutObjectCommand,
  CreateBucketCommand,
  HeadBucketCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { SiweMessage } from "siwe";

export interface SiweSigner {
  address: string;
  signMessage(message: string): Promise<string>;
}

async function json<T>(res: Response, what: string): Promise<T> {
  const body = (await res.json()) as T & { error?: string; message?: string };
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${body.error ?? ""}: ${body.message ?? ""}`);
  return body;
}

/** Signs in to the keeper at `baseUrl` (http://host:port) and returns the session's bearer token. */
export async function signInWithEthereum(baseUrl: string, wallet: SiweSigner, chainId: number): Promise<string> {
  const { nonce } = await json<{ nonce: string }>(await fetch(`${baseUrl}/api/auth/nonce`), "nonce");
  const url = new URL(baseUrl);
  const message = new SiweMessage({
    domain: url.host,
    address: wallet.address,
    statement: "Sign in to my OpenMesh workspace",
    uri: url.origin,
    version: "1",
    chainId,
    nonce,
    issuedAt: new Date().toISOString(),
    expirationTime: new Date(Date.now() + 5 * 60_000).toISOString(),
  }).prepareMessage();
  const signature = await wallet.signMessage(message);
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, signature }),
  });
  return (await json<{ token: string }>(res, "sign-in")).token;
}

export interface S3Keys {
  accessKeyId: string;
  secretAccessKey: string;
  expiresAt: string;
}

/** S3 keys for one lease, issued to the session. */
export async function issueS3Keys(baseUrl: string, token: string, leaseId: bigint): Promise<S3Keys> {
  const res = await fetch(`${baseUrl}/api/leases/${leaseId}/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  return json<S3Keys>(res, "issue S3 keys");
}

/** The lease's status: mode, usage against quota, the lease as the chain says. */
export async function leaseStatus(baseUrl: string, token: string, leaseId: bigint): Promise<Record<string, unknown>> {
  const res = await fetch(`${baseUrl}/api/leases/${leaseId}`, { headers: { authorization: `Bearer ${token}` } });
  return json<Record<string, unknown>>(res, "lease status");
}

/** The unmodified AWS SDK client, pointed at the keeper's S3 endpoint (path-style). */
export function workspaceS3(baseUrl: string, keys: S3Keys): S3Client {
  return new S3Client({
    endpoint: `${baseUrl}/s3`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
  });
}

export interface StoreAndReadBack {
  token: string;
  keys: S3Keys;
  bucket: string;
  key: string;
  etag: string;
  bytes: number;
  /** the bytes read back equal the bytes stored */
  matches: boolean;
  status: Record<string, unknown>;
}

/**
 * The demo step: the lease holder signs in with its wallet, gets S3 keys, stores `body` at
 * bucket/key through the AWS SDK and reads it back.
 */
export async function storeAndReadBack(opts: {
  baseUrl: string;
  wallet: SiweSigner;
  chainId: number;
  leaseId: bigint;
  bucket: string;
  key: string;
  body: Buffer;
}): Promise<StoreAndReadBack> {
  const token = await signInWithEthereum(opts.baseUrl, opts.wallet, opts.chainId);
  const keys = await issueS3Keys(opts.baseUrl, token, opts.leaseId);
  const s3 = workspaceS3(opts.baseUrl, keys);
  try {
    const exists = await s3.send(new HeadBucketCommand({ Bucket: opts.bucket })).then(
      () => true,
      () => false,
    );
    if (!exists) await s3.send(new CreateBucketCommand({ Bucket: opts.bucket }));
    const put = await s3.send(new PutObjectCommand({ Bucket: opts.bucket, Key: opts.key, Body: opts.body }));
    const got = await s3.send(new GetObjectCommand({ Bucket: opts.bucket, Key: opts.key }));
    const back = Buffer.from(await got.Body!.transformToByteArray());
    return {
      token,
      keys,
      bucket: opts.bucket,
      key: opts.key,
      etag: put.ETag ?? "",
      bytes: back.length,
      matches: back.equals(opts.body),
      status: await leaseStatus(opts.baseUrl, token, opts.leaseId),
    };
  } finally {
    s3.destroy();
  }
}
