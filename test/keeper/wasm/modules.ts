// Test modules, written in WAT and compiled by wabt.
import wabtInit from "wabt";

const wabt = await wabtInit();

export function wat(source: string): Uint8Array {
  const m = wabt.parseWat("test.wat", source);
  try {
    return new Uint8Array(m.toBinary({}).buffer);
  } finally {
    m.destroy();
  }
}

/** Output: 4 bytes, the 31-polynomial hash of the input, after `rounds` passes over it. */
export const HASH_MODULE = wat(`(module (memory (export "memory") 1 2)
  (func (export "run") (param $n i32) (result i32) (local $i i32) (local $acc i32) (local $r i32)
    (loop $rounds
      (local.set $i (i32.const 0))
      (block $done (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (i32.load8_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $rounds (i32.lt_u (local.get $r) (i32.const 1000))))
    (i32.store (i32.const 0) (local.get $acc))
    (i32.const 4)))`);

export const LOOP_FOREVER = wat(`(module (memory (export "memory") 1 1)
  (func (export "run") (param i32) (result i32) (loop $l (br $l)) (i32.const 0)))`);

export const TRAPS = wat(`(module (memory (export "memory") 1 1)
  (func (export "run") (param i32) (result i32) unreachable))`);

export const UNBOUNDED_MEMORY = wat(`(module (memory (export "memory") 1)
  (func (export "run") (param i32) (result i32) (i32.const 0)))`);

/** Tries to grow past its maximum (2 pages): memory.grow returns -1, written as the output. */
export const GROWS = wat(`(module (memory (export "memory") 1 2)
  (func (export "run") (param i32) (result i32)
    (i32.store (i32.const 0) (memory.grow (i32.const 5)))
    (i32.store (i32.const 4) (memory.grow (i32.const 1)))
    (i32.const 8)))`);

export const HUGE_OUTPUT = wat(`(module (memory (export "memory") 1 1)
  (func (export "run") (param i32) (result i32) (i32.const 60000)))`);
