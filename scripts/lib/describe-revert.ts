// Names a revert from any contract of this repository (the ABIs exported to abi/), for scripts'
// error messages: "MarketOverCapacity(operator, 0, 2, 1)" rather than "unknown custom error".
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Interface } from "ethers";
import { ErrorDecoder } from "../../keeper/src/chain/errors.js";
import { REPO_ROOT } from "./deployment-file.js";

let decoder: ErrorDecoder | undefined;

/** The error's message with any custom error decoded against every exported ABI. */
export function describeRevert(err: unknown): string {
  try {
    decoder ??= new ErrorDecoder(
      readdirSync(join(REPO_ROOT, "abi"))
        .filter((f) => f.endsWith(".json"))
        .map((f) => ({
          name: f.slice(0, -5),
          iface: new Interface(JSON.parse(readFileSync(join(REPO_ROOT, "abi", f), "utf8")) as string),
        })),
    );
    return decoder.describe(err);
  } catch {
    return (err as Error)?.message ?? String(err);
  }
}
