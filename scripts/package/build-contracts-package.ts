// Builds packages/contracts (@openmesh/contracts) from the Hardhat build: ABIs with NatSpec, ethers v6
// bindings compiled to ESM + CommonJS with .d.ts, enums / constants / EIP-712 facts read from the AST,
// the address book from deployments/, and the Solidity interfaces. Runs as part of `npm run build`.
// The package has no dependency but ethers (a peer): no keeper, no bytecode, no test harnesses.
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { runTypeChain } from "typechain";
import { REPO_ROOT } from "../lib/deployment-file.js";
import { writeAddressBook } from "./address-book.js";
import { readSolidityFacts, renderSolidityFacts } from "./solidity-facts.js";
import { patchFilterListeners } from "./typechain-patches.js";

export const PACKAGE_DIR = join(REPO_ROOT, "packages", "contracts");
const ARTIFACTS = join(REPO_ROOT, "artifacts");
const GENERATED = join(PACKAGE_DIR, "src", "generated");

interface Artifact {
  contractName: string;
  sourceName: string;
  inputSourceName: string;
  abi: unknown[];
  buildInfoId: string;
}

interface BuildOutput {
  output: {
    contracts: Record<string, Record<string, { devdoc?: unknown; userdoc?: unknown }>>;
    sources: Record<string, { ast: Parameters<typeof readSolidityFacts>[0][number] }>;
  };
}

function* jsonFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) yield* jsonFiles(p);
    else if (entry.endsWith(".json")) yield p;
  }
}

/** The protocol's artifacts: contracts/ minus contracts/test/ (harnesses are not public surface). */
function protocolArtifacts(): Artifact[] {
  const root = join(ARTIFACTS, "contracts");
  if (!existsSync(root)) throw new Error("no artifacts/contracts: run `hardhat build` first");
  const out: Artifact[] = [];
  for (const file of jsonFiles(root)) {
    if (relative(root, file).startsWith("test/")) continue;
    const a = JSON.parse(readFileSync(file, "utf8")) as Partial<Artifact>;
    if (!a.contractName || !Array.isArray(a.abi) || a.abi.length === 0 || !a.buildInfoId || !a.inputSourceName)
      continue;
    out.push(a as Artifact);
  }
  const names = new Set<string>();
  for (const a of out) {
    if (names.has(a.contractName))
      throw new Error(`two protocol contracts named ${a.contractName}: names must be unique`);
    names.add(a.contractName);
  }
  return out.sort((x, y) => x.contractName.localeCompare(y.contractName));
}

const buildOutputs = new Map<string, BuildOutput>();
function buildOutput(id: string): BuildOutput {
  let o = buildOutputs.get(id);
  if (!o) {
    o = JSON.parse(readFileSync(join(ARTIFACTS, "build-info", `${id}.output.json`), "utf8")) as BuildOutput;
    buildOutputs.set(id, o);
  }
  return o;
}

function writeAbis(artifacts: Artifact[]): void {
  const dir = join(PACKAGE_DIR, "abi");
  mkdirSync(dir, { recursive: true });
  for (const a of artifacts) {
    const compiled = buildOutput(a.buildInfoId).output.contracts[a.inputSourceName]?.[a.contractName];
    if (!compiled?.devdoc || !compiled.userdoc) {
      throw new Error(`no NatSpec for ${a.contractName}: is devdoc/userdoc in hardhat.config.ts outputSelection?`);
    }
    const doc = {
      contractName: a.contractName,
      sourceName: a.sourceName,
      abi: a.abi,
      devdoc: compiled.devdoc,
      userdoc: compiled.userdoc,
    };
    writeFileSync(join(dir, `${a.contractName}.json`), JSON.stringify(doc, null, 2) + "\n");
  }
}

/** ABI-only inputs make typechain emit `connect` / `createInterface` factories: no bytecode shipped. */
async function writeBindings(artifacts: Artifact[]): Promise<void> {
  const input = join(PACKAGE_DIR, ".typechain-input");
  rmSync(input, { recursive: true, force: true });
  mkdirSync(input, { recursive: true });
  const files = artifacts.map((a) => {
    const f = join(input, `${a.contractName}.json`);
    writeFileSync(f, JSON.stringify({ abi: a.abi }));
    return f;
  });
  const outDir = join(GENERATED, "typechain");
  await runTypeChain({
    cwd: PACKAGE_DIR,
    filesToProcess: files,
    allFiles: files,
    outDir,
    target: "ethers-v6",
    flags: {
      alwaysGenerateOverloads: false,
      discriminateTypes: false,
      tsNocheck: false,
      node16Modules: true,
      environment: undefined,
    },
  });
  rmSync(input, { recursive: true, force: true });
  patchFilterListeners(outDir);
}

/**
 * Struct, event and interface types live beside each contract in typechain's output; the package's
 * exports map reaches only its index, so they are re-exported here, each name once (a struct used by
 * several contracts is declared, identically, in each of their files).
 */
function writeStructTypes(artifacts: Artifact[]): void {
  const seen = new Set<string>(artifacts.map((a) => a.contractName));
  const lines = ["// Generated by scripts/package/build-contracts-package.ts: do not edit."];
  for (const a of artifacts) {
    const text = readFileSync(join(GENERATED, "typechain", `${a.contractName}.ts`), "utf8");
    const names = [...text.matchAll(/^export (?:declare namespace|namespace|interface) (\w+)/gm)].map((m) => m[1]!);
    const fresh = names.filter((n) => !seen.has(n));
    fresh.forEach((n) => seen.add(n));
    if (fresh.length > 0) lines.push(`export type { ${fresh.join(", ")} } from "./typechain/${a.contractName}.js";`);
  }
  writeFileSync(join(GENERATED, "structs.ts"), lines.join("\n") + "\n");
}

/** Every custom error of the protocol, once, for one decoder over all contracts. */
function writeErrors(artifacts: Artifact[]): void {
  const signatures = new Set<string>();
  for (const a of artifacts) {
    for (const item of a.abi as {
      type: string;
      name: string;
      inputs: { type: string; name: string; components?: unknown }[];
    }[]) {
      if (item.type === "error") signatures.add(JSON.stringify(item));
    }
  }
  const fragments = [...signatures].sort().map((s) => JSON.parse(s) as unknown);
  writeFileSync(
    join(GENERATED, "errors.ts"),
    "// Generated from the ABIs by scripts/package/build-contracts-package.ts: do not edit.\n" +
      `/** Every custom error of the protocol's contracts (ABI fragments). */\nexport const errorFragments = ${JSON.stringify(fragments, null, 2)} as const;\n`,
  );
}

/** Facts from every protocol source (libraries with no ABI, like BLS12381, hold domain tags). */
function writeFacts(artifacts: Artifact[]): void {
  const units = new Map<string, Parameters<typeof readSolidityFacts>[0][number]>();
  for (const id of new Set(artifacts.map((a) => a.buildInfoId))) {
    for (const [source, { ast }] of Object.entries(buildOutput(id).output.sources)) {
      if (source.startsWith("project/contracts/") && !source.startsWith("project/contracts/test/"))
        units.set(source, ast);
    }
  }
  writeFileSync(join(GENERATED, "solidity.ts"), renderSolidityFacts(readSolidityFacts([...units.values()])));
}

function copyInterfaces(): void {
  const from = join(REPO_ROOT, "contracts", "interfaces");
  const to = join(PACKAGE_DIR, "contracts", "interfaces");
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from)) if (f.endsWith(".sol")) copyFileSync(join(from, f), join(to, f));
}

function compile(): void {
  const tsc = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
  for (const flavour of ["esm", "cjs"] as const) {
    execFileSync(process.execPath, [tsc, "-p", join(PACKAGE_DIR, `tsconfig.${flavour}.json`)], { stdio: "inherit" });
    const type = flavour === "esm" ? "module" : "commonjs";
    writeFileSync(join(PACKAGE_DIR, "dist", flavour, "package.json"), JSON.stringify({ type }) + "\n");
  }
}

export async function buildContractsPackage(): Promise<void> {
  for (const d of ["abi", "contracts", "dist", "src/generated"])
    rmSync(join(PACKAGE_DIR, d), { recursive: true, force: true });
  mkdirSync(GENERATED, { recursive: true });
  const artifacts = protocolArtifacts();
  writeAbis(artifacts);
  await writeBindings(artifacts);
  writeStructTypes(artifacts);
  writeErrors(artifacts);
  writeFacts(artifacts);
  copyInterfaces();
  writeAddressBook(PACKAGE_DIR, join(REPO_ROOT, "deployments"));
  compile();
  console.log(`built @openmesh/contracts: ${artifacts.length} contracts (packages/contracts)`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  await buildContractsPackage();
}
