// The address book of @openmesh/contracts: one entry per chain id, built from deployments/<network>.json.
// Written at build time and again by every deploy (scripts/lib/deployment-file.ts), so a local
// deploy (chain 31337) shows up in the package without a rebuild. Format: packages/contracts/README.md.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AddressBook, ChainDeployment } from "../../packages/contracts/src/addresses.js";

export type { AddressBook, ChainDeployment };

interface DeploymentLike {
  network: string;
  chainId: number;
  deploymentBlock: number;
  deployedAt: string;
  contracts: Record<string, { address: string }>;
}

/** Every deployment file in `dir`; where two share a chain id (localhost, hardhat) the newest wins. */
export function buildAddressBook(deploymentsDir: string): AddressBook {
  const book: AddressBook = {};
  if (!existsSync(deploymentsDir)) return book;
  for (const name of readdirSync(deploymentsDir).sort()) {
    if (!name.endsWith(".json")) continue;
    const d = JSON.parse(readFileSync(join(deploymentsDir, name), "utf8")) as Partial<DeploymentLike>;
    if (typeof d.chainId !== "number" || !d.contracts || typeof d.network !== "string") continue;
    const key = String(d.chainId);
    const entry: ChainDeployment = {
      network: d.network,
      chainId: d.chainId,
      deploymentBlock: d.deploymentBlock ?? 0,
      deployedAt: d.deployedAt ?? "",
      contracts: Object.fromEntries(Object.entries(d.contracts).map(([n, c]) => [n, c.address])),
    };
    const prior = book[key];
    if (!prior || prior.deployedAt < entry.deployedAt) book[key] = entry;
  }
  return book;
}

const HEADER = "// Generated from deployments/ by scripts/package/address-book.ts: do not edit.\n";

/** The book as a TypeScript module (the build compiles it) and as the two compiled modules. */
function renderModules(book: AddressBook): { ts: string; esm: string; cjs: string } {
  const json = JSON.stringify(book, null, 2);
  return {
    ts: `${HEADER}import type { AddressBook } from "../addresses.js";\n\nexport const addressBook: AddressBook = ${json};\n`,
    esm: `${HEADER}export const addressBook = ${json};\n`,
    cjs: `${HEADER}"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.addressBook = ${json};\n`,
  };
}

/**
 * Writes the book into the package: addresses.json, src/generated/address-book.ts and, when the
 * package is already built, the compiled dist modules (their .d.ts does not depend on the data).
 */
export function writeAddressBook(packageDir: string, deploymentsDir: string): AddressBook {
  const book = buildAddressBook(deploymentsDir);
  const mod = renderModules(book);
  writeFileSync(join(packageDir, "addresses.json"), JSON.stringify(book, null, 2) + "\n");
  mkdirSync(join(packageDir, "src", "generated"), { recursive: true });
  writeFileSync(join(packageDir, "src", "generated", "address-book.ts"), mod.ts);
  for (const [flavour, text] of [
    ["esm", mod.esm],
    ["cjs", mod.cjs],
  ] as const) {
    const dir = join(packageDir, "dist", flavour, "generated");
    if (existsSync(dir)) writeFileSync(join(dir, "address-book.js"), text);
  }
  return book;
}
