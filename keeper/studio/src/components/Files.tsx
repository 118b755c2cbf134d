// A lease's files, in the page: its buckets, their objects, upload, download and delete, over the
// keeper's S3 endpoint with the keys the workspace issued (requests signed in the browser, lib/s3.ts).
import { useEffect, useMemo, useState } from "preact/hooks";
import { int } from "../lib/format.js";
import { WorkspaceS3, type S3Keys, type S3Object } from "../lib/s3.js";

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Saves a blob under `name` through a temporary object URL (no server round trip). */
function save(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function Files({ keys, writable, onChange }: { keys: S3Keys; writable: boolean; onChange: () => void }) {
  const [s3, s3Error] = useMemo(() => {
    try {
      return [new WorkspaceS3(keys), null] as const;
    } catch (err) {
      return [null, (err as Error).message] as const;
    }
  }, [keys]);
  const [buckets, setBuckets] = useState<string[] | null>(null);
  const [bucket, setBucket] = useState("");
  const [objects, setObjects] = useState<S3Object[] | null>(null);
  const [newBucket, setNewBucket] = useState("files");
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(s3Error);
  const [done, setDone] = useState<string | null>(null);

  async function run(f: () => Promise<string | void>) {
    setError(null);
    setDone(null);
    setBusy(true);
    try {
      const said = await f();
      if (said) setDone(said);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }
  const loadObjects = async (b: string) => setObjects(b ? await s3!.listObjects(b) : null);
  const loadBuckets = async (prefer?: string) => {
    const list = await s3!.listBuckets();
    setBuckets(list);
    const pick = prefer ?? (list.includes(bucket) ? bucket : (list[0] ?? ""));
    setBucket(pick);
    await loadObjects(pick);
  };
  useEffect(() => {
    if (s3) void run(() => loadBuckets());
    // reload when the keys (the client) change only
  }, [s3]);

  if (!s3) {
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  }
  const create = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      if (!BUCKET_NAME.test(newBucket)) throw new Error("A bucket name is 3 to 63 of a-z, 0-9, '.' and '-'.");
      await s3.createBucket(newBucket);
      await loadBuckets(newBucket);
      return `Bucket ${newBucket} created.`;
    });
  };
  const upload = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      if (!file || !bucket) throw new Error("Pick a bucket and a file first.");
      await s3.putObject(bucket, file.name, await file.arrayBuffer(), file.type);
      await loadObjects(bucket);
      onChange();
      return `Uploaded ${file.name} (${int(file.size)} bytes).`;
    });
  };
  const download = (o: S3Object) =>
    run(async () => {
      save(await s3.getObject(bucket, o.key), o.key.split("/").pop() || "download");
    });
  const remove = (o: S3Object) =>
    run(async () => {
      await s3.deleteObject(bucket, o.key);
      await loadObjects(bucket);
      onChange();
      return `Deleted ${o.key}.`;
    });

  return (
    <div class="files" data-testid="files">
      <h4>Files</h4>
      <p class="tx" role="status" aria-live="polite" data-testid="files-status">
        {busy ? "Working…" : error ? <span class="tx-failed">{error}</span> : done}
      </p>
      <div class="actions">
        <label for="files-bucket">Bucket</label>
        <select
          id="files-bucket"
          value={bucket}
          disabled={!buckets?.length}
          onChange={(e) => {
            const b = (e.target as HTMLSelectElement).value;
            setBucket(b);
            void run(() => loadObjects(b));
          }}
        >
          {(buckets ?? []).length === 0 && <option value="">no bucket yet</option>}
          {(buckets ?? []).map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
      </div>
      {writable && (
        <>
          <form class="actions" onSubmit={create}>
            <label for="files-new-bucket">New bucket</label>
            <input
              id="files-new-bucket"
              autoComplete="off"
              spellcheck={false}
              value={newBucket}
              onInput={(e) => setNewBucket((e.target as HTMLInputElement).value)}
            />
            <button type="submit" disabled={busy}>
              Create bucket
            </button>
          </form>
          <form class="actions" onSubmit={upload}>
            <label for="files-upload">File to upload</label>
            <input
              id="files-upload"
              type="file"
              onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)}
            />
            <button type="submit" disabled={busy || !file || !bucket}>
              Upload
            </button>
          </form>
        </>
      )}
      {bucket && (
        <div class="table-wrap" tabIndex={0} aria-label="files table (scrolls)">
          <table data-testid="objects">
            <caption class="visually-hidden">Objects in bucket {bucket}</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Bytes</th>
                <th scope="col">Modified</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {objects?.length === 0 && (
                <tr>
                  <td colSpan={4}>No file in this bucket.</td>
                </tr>
              )}
              {(objects ?? []).map((o) => (
                <tr key={o.key} data-key={o.key}>
                  <td class="mono break">{o.key}</td>
                  <td>{int(o.size)}</td>
                  <td>{o.lastModified.slice(0, 19).replace("T", " ")}</td>
                  <td class="actions">
                    <button type="button" onClick={() => void download(o)} aria-label={`Download ${o.key}`}>
                      Download
                    </button>
                    {writable && (
                      <button type="button" onClick={() => void remove(o)} aria-label={`Delete ${o.key}`}>
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
