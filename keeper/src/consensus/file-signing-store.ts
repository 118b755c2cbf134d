// A SigningStateStore in one JSON file. save() writes a temporary file, fsyncs it, renames it
// over the real one and fsyncs the directory: after save() resolves the new state survives a
// crash or power loss, and a crash at any earlier point leaves the previous state intact (a
// rename is atomic), which is safe because nothing was signed against the new one yet.
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import type { SigningStateStore } from "./signing-guard.js";
import type { SigningState } from "./types.js";

const hash = z.string().regex(/^0x[0-9a-f]{64}$/);
const count = z.number().int().nonnegative();

const signingStateSchema = z.strictObject({
  height: count,
  round: count,
  step: z.enum(["propose", "prevote", "precommit"]),
  valueHash: hash.nullable(),
  lockedRound: z.number().int().min(-1),
  lockedValueHash: hash.nullable(),
});

export class CorruptSigningStateError extends Error {
  override name = "CorruptSigningStateError";
}

export class FileSigningStateStore implements SigningStateStore {
  constructor(readonly path: string) {}

  /** undefined when the file does not exist; throws CorruptSigningStateError on bad content */
  async load(): Promise<SigningState | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new CorruptSigningStateError(`${this.path} is not JSON: ${(err as Error).message}`);
    }
    const parsed = signingStateSchema.safeParse(json);
    if (!parsed.success) throw new CorruptSigningStateError(`${this.path}: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  }

  async save(state: SigningState): Promise<void> {
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.tmp`;
    const file = await open(tmp, "w", 0o600);
    try {
      await file.writeFile(JSON.stringify(signingStateSchema.parse(state)));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, this.path);
    const dirHandle = await open(dir, "r");
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }
}
