// One correction to typechain's ethers-v6 output, applied to the package's bindings.
//
// `contract.on(contract.filters.X(...), listener)`: typechain types the listener with positional
// event arguments, but ethers v6 (BaseContract.getSub) decodes arguments only for an event given by
// name or fragment; for a deferred topic filter it calls the listener with one ContractEventPayload
// whose `args` are decoded. A listener that type-checked read `undefined`. The filter overloads of
// `on` / `once` now take `TypedFilterListener`: one payload with typed `args`.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const FILTER_LISTENER_TYPES = `
/** What ethers v6 passes to a listener subscribed with a topic filter (\`contract.filters.X(...)\`). */
export interface TypedEventPayload<TCEvent extends TypedContractEvent>
  extends Omit<ContractEventPayload, "args" | "log"> {
  args: __TypechainAOutputTuple<TCEvent> & __TypechainOutputObject<TCEvent>;
  log: TypedEventLog<TCEvent>;
}

/** A listener for \`on(filter, listener)\` / \`once(filter, listener)\`: one payload, not positional args. */
export type TypedFilterListener<TCEvent extends TypedContractEvent> = (payload: TypedEventPayload<TCEvent>) => void;
`;

const FILTER_OVERLOAD = /(filter: TypedDeferredTopicFilter<TCEvent>,\s*listener: )TypedListener<TCEvent>/g;

function* tsFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (entry.endsWith(".ts")) yield p;
  }
}

function replaceOnce(text: string, from: string, to: string, file: string): string {
  if (!text.includes(from)) throw new Error(`typechain output changed: "${from}" not found in ${file}`);
  return text.replace(from, to);
}

export function patchFilterListeners(outDir: string): void {
  const commonPath = join(outDir, "common.ts");
  let common = readFileSync(commonPath, "utf8");
  common = replaceOnce(
    common,
    "  DeferredTopicFilter,\n",
    "  ContractEventPayload,\n  DeferredTopicFilter,\n",
    commonPath,
  );
  writeFileSync(commonPath, common + FILTER_LISTENER_TYPES);
  for (const file of tsFiles(outDir)) {
    if (file === commonPath) continue;
    const text = readFileSync(file, "utf8");
    if (!FILTER_OVERLOAD.test(text)) continue;
    FILTER_OVERLOAD.lastIndex = 0;
    let patched = text.replace(FILTER_OVERLOAD, "$1TypedFilterListener<TCEvent>");
    patched = replaceOnce(patched, "  TypedListener,\n", "  TypedListener,\n  TypedFilterListener,\n", file);
    writeFileSync(file, patched);
  }
}
