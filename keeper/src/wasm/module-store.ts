// Content-addressed wasm modules: fetched by keccak256 hash from the URLs a task names (guarded GET),
// kept only when the bytes hash to it, metered once and cached. A module is never trusted by name.
import { keccak256 } from "ethers";
import { guardedGet, TaskInputError } from "../tasks/http-get.js";
import { meter } from "./runtime.js";

export interface StoredModule {
  hash: string;
  bytes: Uint8Array;
  metered: Uint8Array;
}

export interface ModuleStoreOptions {
  allowPrivate: boolean;
  /** largest module accepted */
  maxBytes?: number;
  timeoutMs?: number;
  /** modules kept in memory (least recently used dropped) */
  capacity?: number;
}

export class ModuleStore {
  private readonly modules = new Map<string, StoredModule>();

  constructor(private readonly opts: ModuleStoreOptions) {}

  /** Adds bytes that are already at hand (a peer's copy, a test); returns their hash. */
  put(bytes: Uint8Array): StoredModule {
    const hash = keccak256(bytes).toLowerCase();
    const existing = this.modules.get(hash);
    if (existing) return existing;
    const stored = { hash, bytes, metered: meter(bytes) };
    this.modules.set(hash, stored);
    while (this.modules.size > (this.opts.capacity ?? 64)) this.modules.delete(this.modules.keys().next().value!);
    return stored;
  }

  has(hash: string): boolean {
    return this.modules.has(hash.toLowerCase());
  }

  /** The module with `hash`, from the cache or the first URL that serves exactly it; throws TaskInputError. */
  async get(hash: string, urls: readonly string[]): Promise<StoredModule> {
    const key = hash.toLowerCase();
    const cached = this.modules.get(key);
    if (cached) return cached;
    let last: TaskInputError | undefined;
    for (const url of urls) {
      try {
        const bytes = await guardedGet(url, {
          allowPrivate: this.opts.allowPrivate,
          maxBytes: this.opts.maxBytes ?? 4 << 20,
          timeoutMs: this.opts.timeoutMs ?? 10_000,
        });
        if (keccak256(bytes).toLowerCase() !== key) {
          last = new TaskInputError("hash-mismatch", `${url} served a module that does not hash to ${hash}`);
          continue;
        }
        try {
          return this.put(bytes);
        } catch (e) {
          throw new TaskInputError("bad-spec", `module cannot be metered: ${(e as Error).message.slice(0, 160)}`);
        }
      } catch (e) {
        if (e instanceof TaskInputError && e.code === "bad-spec") throw e;
        last = e instanceof TaskInputError ? e : new TaskInputError("unreachable", String(e));
      }
    }
    throw new ModuleNotFound(hash, last);
  }
}

export class ModuleNotFound extends TaskInputError {
  override name = "ModuleNotFound";
  constructor(hash: string, cause?: TaskInputError) {
    super("unreachable", `module ${hash} not found${cause ? `: ${cause.code} ${cause.message}` : ""}`);
  }
}
