// A lease's workspace on this keeper (docs/workspace.md): sign in with the wallet (EIP-4361), see
// the lease as the keeper serves it (read-write or read-only, storage used against the quota),
// issue S3 keys for any S3 client (path-style endpoint <keeper>/s3), use its files and run jobs in the page.
import { useState } from "preact/hooks";
import { useApp } from "../lib/app.js";
import { Files } from "./Files.js";
import { Jobs } from "./Jobs.js";
import { keeperBase } from "../lib/keeper.js";
import { api, signIn, type Session } from "../lib/siwe.js";

interface LeaseStatus {
  mode: string;
  storage: { usedBytes: number; quotaBytes: number; objects: number; buckets: number };
}

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  expiresAt: string;
}

const mib = (b: number) =>
  b > 0 && b < 2 ** 20
    ? `${(b / 1024).toLocaleString("en-US", { maximumFractionDigits: 1 })} KiB`
    : `${(b / 2 ** 20).toLocaleString("en-US", { maximumFractionDigits: 1 })} MiB`;

export function Workspace({ leaseIds }: { leaseIds: bigint[] }) {
  const { info, wallet } = useApp();
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<{ id: bigint; status: LeaseStatus; keys?: Keys } | null>(null);

  async function run(f: () => Promise<void>) {
    setError(null);
    try {
      await f();
    } catch (err) {
      setError((err as Error).message);
    }
  }
  const login = () => run(async () => setSession(await signIn(await wallet.signer(), Number(info.chainId ?? 0))));
  const show = (id: bigint) =>
    run(async () => {
      const status = await api<LeaseStatus>(`/api/leases/${id}`, {}, session!.token);
      // the same lease again keeps its keys (and the files panel)
      setOpen((o) => ({ id, status, keys: o?.id === id ? o.keys : undefined }));
    });
  /** the lease's storage use after a change in its files, keeping the keys */
  const refresh = () =>
    run(async () => {
      const status = await api<LeaseStatus>(`/api/leases/${open!.id}`, {}, session!.token);
      setOpen((o) => (o && o.id === open!.id ? { ...o, status } : o));
    });
  const issue = () =>
    run(async () => {
      const keys = await api<Keys>(`/api/leases/${open!.id}/keys`, { method: "POST" }, session!.token);
      setOpen({ ...open!, keys });
    });

  return (
    <section aria-labelledby="workspace-title" data-testid="workspace">
      <h2 id="workspace-title">Workspace</h2>
      <p>
        Your lease's storage on its provider's keeper, for any S3 client. Sign in with your wallet (Sign-In with
        Ethereum: a message to sign, no password); only the lease's owner or user gets in.
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!session ? (
        <button type="button" onClick={() => void login()}>
          Sign in with Ethereum
        </button>
      ) : (
        <>
          <p data-testid="session">
            Signed in as <span class="mono">{session.address}</span> until {session.expiresAt.slice(11, 16)} UTC.
          </p>
          <ul class="plain">
            {leaseIds.map((id) => (
              <li key={id.toString()}>
                <button type="button" onClick={() => void show(id)}>
                  Open workspace of lease #{id.toString()}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {open && (
        <div class="card" data-testid="workspace-lease">
          <h3>Lease #{open.id.toString()}</h3>
          <p>
            Access: <strong>{open.status.mode}</strong>. Storage: {mib(open.status.storage.usedBytes)} of{" "}
            {mib(open.status.storage.quotaBytes)} in {open.status.storage.objects} object(s),{" "}
            {open.status.storage.buckets} bucket(s).
          </p>
          {!open.keys ? (
            <button type="button" onClick={() => void issue()}>
              Issue S3 keys
            </button>
          ) : (
            <dl class="keys" data-testid="s3-keys">
              <dt>Endpoint (path-style)</dt>
              <dd class="mono">{new URL("s3", keeperBase).href}</dd>
              <dt>Access key id</dt>
              <dd class="mono" data-testid="s3-key-id">
                {open.keys.accessKeyId}
              </dd>
              <dt>Secret access key</dt>
              <dd class="mono break" data-testid="s3-secret">
                {open.keys.secretAccessKey}
              </dd>
              <dt>Expires</dt>
              <dd>{open.keys.expiresAt}</dd>
            </dl>
          )}
          {open.keys && (
            <Files keys={open.keys} writable={open.status.mode === "read-write"} onChange={() => void refresh()} />
          )}
          {session && (
            <Jobs
              key={open.id.toString()}
              leaseId={open.id}
              token={session.token}
              writable={open.status.mode === "read-write"}
            />
          )}
        </div>
      )}
    </section>
  );
}
