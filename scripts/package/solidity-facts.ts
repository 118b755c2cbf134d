// Reads, from the compiler's AST, what an integrator needs but no ABI carries: enum member names,
// constants (domain tags, typehashes, limits; `internal` ones included) and EIP-712 domains. Read
// from the build, not written by hand, so a contract change flows into @openmesh/contracts.
import { keccak256, toUtf8Bytes } from "ethers";

/** The part of solc's compact AST that this module reads. */
interface AstNode {
  nodeType: string;
  name?: string;
  canonicalName?: string;
  constant?: boolean;
  visibility?: string;
  kind?: string;
  value?: AstNode | string | null;
  hexValue?: string;
  subdenomination?: string | null;
  members?: AstNode[];
  nodes?: AstNode[];
  expression?: AstNode;
  arguments?: AstNode[];
  baseContracts?: { baseName: { name: string }; arguments?: AstNode[] | null }[];
  modifiers?: { modifierName: { name: string }; arguments?: AstNode[] | null }[];
  body?: AstNode | null;
}

export interface SolidityFacts {
  /** enum name -> member names in order (value = index) */
  enums: Record<string, { canonicalName: string; members: string[] }>;
  /** contract or library -> constant name -> value (string, hex string or bigint) */
  constants: Record<string, Record<string, string | bigint>>;
  /** typehash preimages: primary type -> its fields, as ethers' TypedDataEncoder takes them */
  eip712Types: Record<string, { name: string; type: string }[]>;
  /** contract -> its EIP-712 domain name and version */
  eip712Domains: Record<string, { name: string; version: string }>;
}

const UNITS: Record<string, bigint> = {
  wei: 1n,
  gwei: 10n ** 9n,
  ether: 10n ** 18n,
  seconds: 1n,
  minutes: 60n,
  hours: 3600n,
  days: 86_400n,
  weeks: 604_800n,
};

/** A Solidity number literal ("0.5e18", "1_000", "365 days") as a bigint; undefined if not an integer. */
export function numberLiteral(text: string, subdenomination?: string | null): bigint | undefined {
  const m = /^(\d+)(?:\.(\d+))?(?:e(\d+))?$/i.exec(text.replaceAll("_", ""));
  let value: bigint;
  if (text.startsWith("0x")) value = BigInt(text.replaceAll("_", ""));
  else if (m) {
    const [, int, frac = "", exp = "0"] = m;
    const shift = Number(exp) - frac.length;
    if (shift < 0) return undefined;
    value = BigInt(int! + frac) * 10n ** BigInt(shift);
  } else return undefined;
  if (!subdenomination) return value;
  const unit = UNITS[subdenomination];
  return unit === undefined ? undefined : value * unit;
}

function literalValue(node: AstNode | string | null | undefined): string | bigint | undefined {
  if (!node || typeof node === "string" || node.nodeType !== "Literal") return undefined;
  if (node.kind === "number" && typeof node.value === "string") return numberLiteral(node.value, node.subdenomination);
  if (node.kind === "string" && typeof node.value === "string") return node.value;
  if (node.kind === "hexString" && node.hexValue) return `0x${node.hexValue}`;
  return undefined;
}

/** "Vote(uint8 voteType,uint64 epoch)" -> { Vote: [{ name: "voteType", type: "uint8" }, ...] } */
export function parseTypeString(typeString: string): Record<string, { name: string; type: string }[]> {
  const types: Record<string, { name: string; type: string }[]> = {};
  for (const m of typeString.matchAll(/(\w+)\(([^)]*)\)/g)) {
    types[m[1]!] = m[2]!
      .split(",")
      .filter((f) => f.length > 0)
      .map((field) => {
        const [type, name] = field.trim().split(/\s+/);
        return { name: name!, type: type! };
      });
  }
  return types;
}

function eip712Args(args: AstNode[] | null | undefined): { name: string; version: string } | undefined {
  const [name, version] = (args ?? []).map(literalValue);
  return typeof name === "string" && typeof version === "string" ? { name, version } : undefined;
}

/** Collects the facts of every source unit given (the protocol's, not test harnesses or packages). */
export function readSolidityFacts(sourceUnits: AstNode[]): SolidityFacts {
  const facts: SolidityFacts = { enums: {}, constants: {}, eip712Types: {}, eip712Domains: {} };
  const addEnum = (node: AstNode) => {
    const name = node.name!;
    const canonicalName = node.canonicalName ?? name;
    const prior = facts.enums[name];
    if (prior && prior.canonicalName !== canonicalName) {
      throw new Error(`two enums named ${name} (${prior.canonicalName}, ${canonicalName}): rename one`);
    }
    facts.enums[name] = { canonicalName, members: (node.members ?? []).map((m) => m.name!) };
  };
  for (const unit of sourceUnits) {
    for (const top of unit.nodes ?? []) {
      if (top.nodeType === "EnumDefinition") addEnum(top);
      if (top.nodeType !== "ContractDefinition") continue;
      const contract = top.name!;
      for (const base of top.baseContracts ?? []) {
        const domain = base.baseName.name === "EIP712" ? eip712Args(base.arguments) : undefined;
        if (domain) facts.eip712Domains[contract] = domain;
      }
      for (const node of top.nodes ?? []) {
        if (node.nodeType === "EnumDefinition") addEnum(node);
        if (node.nodeType === "FunctionDefinition" && node.kind === "constructor") {
          for (const mod of node.modifiers ?? []) {
            const domain = mod.modifierName.name === "EIP712" ? eip712Args(mod.arguments) : undefined;
            if (domain) facts.eip712Domains[contract] = domain;
          }
        }
        if (node.nodeType !== "VariableDeclaration" || !node.constant || node.visibility === "private") continue;
        const init = typeof node.value === "object" ? node.value : undefined;
        let value = literalValue(init);
        const call = init?.nodeType === "FunctionCall" ? init : undefined;
        if (value === undefined && call?.expression?.name === "keccak256" && call.arguments?.length === 1) {
          const preimage = literalValue(call.arguments[0]);
          if (typeof preimage === "string") {
            value = keccak256(toUtf8Bytes(preimage));
            if (node.name!.endsWith("_TYPEHASH")) Object.assign(facts.eip712Types, parseTypeString(preimage));
          }
        }
        if (value === undefined) continue;
        (facts.constants[contract] ??= {})[node.name!] = value;
      }
    }
  }
  return facts;
}

function literal(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).map(
      ([k, v]) => `${/^[A-Za-z_]\w*$/.test(k) ? k : JSON.stringify(k)}: ${literal(v)}`,
    );
    return `{ ${entries.join(", ")} }`;
  }
  return JSON.stringify(value);
}

/** The facts as a TypeScript module: `as const` objects (no TS enums: erasable syntax only). */
export function renderSolidityFacts(facts: SolidityFacts): string {
  const out: string[] = ["// Generated from the Solidity AST by scripts/package/solidity-facts.ts: do not edit.", ""];
  for (const [name, e] of Object.entries(facts.enums).sort(([a], [b]) => a.localeCompare(b))) {
    const members = Object.fromEntries(e.members.map((m, i) => [m, i]));
    out.push(`/** Solidity enum \`${e.canonicalName}\`: member name -> value. */`);
    out.push(`export const ${name} = ${literal(members)} as const;`);
    out.push(`export type ${name} = (typeof ${name})[keyof typeof ${name}];`);
    out.push(`/** Member names of \`${e.canonicalName}\`, indexed by value. */`);
    out.push(`export const ${name}Names = ${literal(e.members)} as const;`, "");
  }
  out.push("/** Constants of the protocol's contracts and libraries (internal ones included), by contract. */");
  out.push(`export const solidityConstants = ${literal(facts.constants)} as const;`, "");
  // Typed as mutable field lists: ethers' signTypedData / TypedDataEncoder take `TypedDataField[]`.
  const typeKeys = Object.keys(facts.eip712Types).map((k) => `${k}: { name: string; type: string }[]`);
  out.push("/** EIP-712 types of the protocol's typehashes, as ethers' `TypedDataEncoder` takes them. */");
  out.push(`export const eip712Types: { ${typeKeys.join("; ")} } = ${literal(facts.eip712Types)};`, "");
  out.push("/** EIP-712 domain name and version, by contract (add chainId and verifyingContract). */");
  out.push(`export const eip712Domains = ${literal(facts.eip712Domains)} as const;`, "");
  return out.join("\n");
}
