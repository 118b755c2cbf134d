// Checks a job's module before it is queued, so a bad one is a 400 that says why instead of a
// failed job: WebAssembly magic and version, `memory` and `run` exported, a memory defined here
// (not imported), and no import but `env.log`. The byte parse is minimal (the sections named here);
// the worker's compile is the full validation.
import { ApiError } from "../errors.js";

export interface ModuleShape {
  /** declared memory pages (max undefined: unbounded) */
  memory: { min: number; max?: number };
  /** the module imports env.log */
  logs: boolean;
}

const bad = (why: string) => new ApiError(400, "bad_module", why);

export function checkModule(bytes: Uint8Array): ModuleShape {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw bad("not a WebAssembly module (no \\0asm magic)");
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) throw bad("not WebAssembly version 1");
  let p = 8;
  const byte = (): number => {
    if (p >= bytes.length) throw bad("truncated module");
    return bytes[p++]!;
  };
  const leb = (): number => {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw bad("malformed LEB128 integer");
  };
  const name = (): string => {
    const n = leb();
    if (p + n > bytes.length) throw bad("truncated name");
    const s = Buffer.from(bytes.subarray(p, p + n)).toString("utf8");
    p += n;
    return s;
  };
  const limits = (): { min: number; max?: number } => {
    const flags = leb();
    const min = leb();
    return flags & 1 ? { min, max: leb() } : { min };
  };
  let memory: { min: number; max?: number } | undefined;
  let logs = false;
  const exports = new Map<string, number>();
  while (p < bytes.length) {
    const id = byte();
    const size = leb();
    const end = p + size;
    if (end > bytes.length) throw bad(`section ${id} runs past the end of the module`);
    if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        const mod = name();
        const field = name();
        const kind = byte();
        if (kind === 0 && mod === "env" && field === "log") {
          leb();
          logs = true;
          continue;
        }
        throw bad(`imports ${mod}.${field}: a job may import only env.log(ptr, len)`);
      }
    } else if (id === 5) {
      if (leb() > 0) memory = limits();
    } else if (id === 7) {
      for (let n = leb(); n > 0; n--) {
        const field = name();
        const kind = byte();
        leb();
        exports.set(field, kind);
      }
    }
    p = end;
  }
  if (exports.get("run") !== 0) throw bad("missing export: run(inputLen: i32) -> i32 (a function)");
  if (exports.get("memory") !== 2) throw bad("missing export: memory");
  if (!memory) throw bad("the module defines no memory");
  return { memory, logs };
}
