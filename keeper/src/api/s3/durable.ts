// Durable file writes: write a temporary file, fsync it, rename it into place and fsync the
// directory, so an object answered with 200 survives a crash or a restart of the keeper.
import { open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Moves a synced temporary file into place and makes the rename itself durable. */
export async function commitFile(tmpPath: string, finalPath: string): Promise<void> {
  await rename(tmpPath, finalPath);
  await fsyncDir(dirname(finalPath));
}

/** Writes `data` to `path` atomically and durably. */
export async function writeFileDurable(path: string, data: string | Buffer, tmpPath = `${path}.tmp`): Promise<void> {
  const fh = await open(tmpPath, "w", 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmpPath, { force: true });
    throw err;
  }
  await fh.close();
  await commitFile(tmpPath, path);
}
