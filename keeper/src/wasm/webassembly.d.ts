// The part of the WebAssembly JS API the runtime uses. The project compiles with lib ES2023 only
// (no DOM), and @types/node does not declare WebAssembly; Node 24 provides it at run time.
declare namespace WebAssembly {
  type Bytes = ArrayBuffer | ArrayBufferView;
  type ImportValue = ((...args: never[]) => unknown) | Global | Memory;
  type Imports = Record<string, Record<string, ImportValue>>;
  type Exports = Record<string, unknown>;
  class Module {
    constructor(bytes: Bytes);
  }
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Exports;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  class Global {
    value: unknown;
  }
  function compile(bytes: Bytes): Promise<Module>;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
  function instantiate(bytes: Bytes, imports?: Imports): Promise<{ module: Module; instance: Instance }>;
}
