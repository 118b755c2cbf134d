// Gas of quorum-certificate verification (BLS12-381 aggregate and ECDSA) for validator sets of
// N = 4, 16, 64, 100 with 0%, 10% and 33% of the validators not signing, on the configured hardfork
// and, for comparison, on osaka.
//   hardhat run scripts/bench/certificate-gas.ts        (BENCH_JSON=path also writes JSON)
// "verify" is the library's execution gas (gasleft() around the call in the harness); "tx" is the
// whole transaction to the harness: the 21,000 base, calldata, ABI decoding and the event included.
// Since Prague (EIP-7623) a transaction pays at least 21,000 + 10 gas per calldata token (a zero
// byte is 1 token, any other byte 4): the "floor" column, and "bound" says when the tx paid it.
import { writeFileSync } from "node:fs";
import { network } from "hardhat";
import { getBytes, keccak256, toUtf8Bytes } from "ethers";
import {
  buildBlsCertificate,
  buildEcdsaCertificate,
  packProofFlags,
  type BlsCertificate,
  type EcdsaCertificate,
} from "../../keeper/src/checkpoint/certificate.js";
import { blsSign, ecdsaSign, makeValidators, validatorTree } from "../../test/helpers/validators.js";
import type { ValidatorSetTree } from "../../keeper/src/checkpoint/validator-set.js";
import type { CertificateVerifierHarness } from "../../types/ethers-contracts/index.js";

type Connection = Awaited<ReturnType<typeof network.create>>;

export interface CertGasRow {
  kind: "bls" | "ecdsa";
  validators: number;
  nonSigners: number;
  verifyGas: number;
  txGas: number;
  calldataBytes: number;
  /** 21,000 + 10 per calldata token: the least a transaction pays since EIP-7623 */
  floorGas: number;
}

interface Case {
  validators: number;
  nonSigners: number;
  set: ValidatorSetTree;
  bls: BlsCertificate;
  ecdsa: EcdsaCertificate;
}

const digest = keccak256(toUtf8Bytes("bench precommit"));

function buildCases(): Case[] {
  const cases: Case[] = [];
  for (const n of [4, 16, 64, 100]) {
    const vals = makeValidators(n, () => 10_000n * 10n ** 18n, `bench-${n}`);
    const set = validatorTree(vals);
    const counts = [...new Set([0, 10, 33].map((pct) => Math.floor((n * pct) / 100)))];
    for (const missing of counts) {
      // The first `missing` validators by index do not sign: spread over the tree's (hash-sorted) leaves.
      const signers = vals.slice(missing);
      const bls = buildBlsCertificate(set, 0, new Map(signers.map((v) => [v.index, blsSign(v, digest)])));
      const votes = signers.map((v) => ({ index: v.index, signature: ecdsaSign(v, digest) }));
      cases.push({ validators: n, nonSigners: missing, set, bls, ecdsa: buildEcdsaCertificate(set, 0, votes) });
    }
  }
  return cases;
}

async function measure(conn: Connection, cases: readonly Case[]): Promise<CertGasRow[]> {
  const harness = (await conn.ethers.deployContract(
    "CertificateVerifierHarness",
  )) as unknown as CertificateVerifierHarness;
  async function gasOf(
    kind: CertGasRow["kind"],
    c: Case,
    sent: Promise<{ data: string; wait(): Promise<unknown> }>,
  ): Promise<CertGasRow> {
    const tx = await sent;
    const receipt = (await tx.wait()) as { gasUsed: bigint; logs: { topics: readonly string[]; data: string }[] };
    const parsed = harness.interface.parseLog(receipt.logs[0]!);
    const data = getBytes(tx.data);
    const tokens = data.reduce((t, b) => t + (b === 0 ? 1 : 4), 0);
    return {
      kind,
      validators: c.validators,
      nonSigners: c.nonSigners,
      verifyGas: Number(parsed!.args[1]),
      txGas: Number(receipt.gasUsed),
      calldataBytes: data.length,
      floorGas: 21_000 + 10 * tokens,
    };
  }
  const rows: CertGasRow[] = [];
  for (const c of cases) {
    const { root, totalStake, aggregatePubkeyHash } = c.set;
    rows.push(await gasOf("bls", c, harness.measureBls(digest, c.bls, root, totalStake, aggregatePubkeyHash)));
    rows.push(await gasOf("ecdsa", c, harness.measureEcdsa(digest, c.ecdsa, root, totalStake)));
  }
  return rows;
}

/** BLS: extra gas per non-signer against all signing. ECDSA: gas per signer (total / signers). */
function perValidator(rows: readonly CertGasRow[], r: CertGasRow, field: "verifyGas" | "txGas"): string {
  if (r.kind === "ecdsa") return String(Math.round(r[field] / (r.validators - r.nonSigners)));
  if (r.nonSigners === 0) return "";
  const base = rows.find((x) => x.kind === "bls" && x.validators === r.validators && x.nonSigners === 0)!;
  return String(Math.round((r[field] - base[field]) / r.nonSigners));
}

/** ECDSA: extra gas per signer between the fewest and the most signers of the same set. */
function ecdsaMarginal(rows: readonly CertGasRow[], n: number, field: "verifyGas" | "txGas"): number {
  const of = rows.filter((r) => r.kind === "ecdsa" && r.validators === n);
  const most = of.reduce((a, b) => (a.nonSigners < b.nonSigners ? a : b));
  const fewest = of.reduce((a, b) => (a.nonSigners > b.nonSigners ? a : b));
  return Math.round((most[field] - fewest[field]) / (fewest.nonSigners - most.nonSigners));
}

const fmt = (x: number) => x.toLocaleString("en-US");
const forkOf = (conn: Connection) => (conn.networkConfig as { hardfork?: string }).hardfork ?? "unknown";

const cases = buildCases();
const main = await network.create();
const comparison = await network.create({ override: { hardfork: "osaka" } });
const rows = await measure(main, cases);
const osakaRows = await measure(comparison, cases);
const hardfork = forkOf(main);

console.log(`\nCertificate verification gas (hardfork: ${hardfork}; last column: osaka)\n`);
console.log(
  "| kind | N | non-signers | verify | tx | calldata B | EIP-7623 floor | per non-signer (BLS) / per signer (ECDSA): verify | … tx | verify (osaka) |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
rows.forEach((r, i) => {
  const bound = r.txGas === r.floorGas ? " (paid)" : "";
  console.log(
    `| ${r.kind} | ${r.validators} | ${r.nonSigners} | ${fmt(r.verifyGas)} | ${fmt(r.txGas)} | ${fmt(r.calldataBytes)} | ${fmt(r.floorGas)}${bound} | ${perValidator(rows, r, "verifyGas")} | ${perValidator(rows, r, "txGas")} | ${fmt(osakaRows[i]!.verifyGas)} |`,
  );
});
console.log("\nECDSA extra gas per additional signer (most vs fewest signers of the same set):");
for (const n of [16, 64, 100]) {
  console.log(`  N=${n}: verify ${ecdsaMarginal(rows, n, "verifyGas")}, tx ${ecdsaMarginal(rows, n, "txGas")}`);
}
// The multiproof alone (library execution gas per hashing step), against OpenZeppelin's over the same input.
const multiproof: { leaves: number; steps: number; bitmapPerStep: number; openZeppelinPerStep: number }[] = [];
{
  const c = cases.find((x) => x.validators === 100)!;
  const harness = (await main.ethers.deployContract(
    "CertificateVerifierHarness",
  )) as unknown as CertificateVerifierHarness;
  const keys = c.set.keys;
  const treeIndex = new Map([...keys.entries()].map(([t, v]) => [Number(v[0]), t]));
  for (const k of [10, 33, 100]) {
    const mp = keys.getMultiProof(c.set.members.slice(0, k).map((m) => treeIndex.get(m.index)!));
    const leaves = mp.leaves.map((v) => keys.leafHash(v));
    const [ours] = await harness.gasOfMultiProof(leaves, mp.proof, packProofFlags(mp.proofFlags));
    const [oz] = await harness.gasOfOpenZeppelinMultiProof(leaves, mp.proof, mp.proofFlags);
    const steps = mp.proofFlags.length;
    multiproof.push({
      leaves: k,
      steps,
      bitmapPerStep: Math.round(Number(ours) / steps),
      openZeppelinPerStep: Math.round(Number(oz) / steps),
    });
  }
}
console.log("\nMultiproof execution per hashing step, 100-leaf set (BitmapMultiProof vs OpenZeppelin MerkleProof):");
for (const m of multiproof) {
  console.log(`  ${m.leaves} leaves, ${m.steps} steps: ${m.bitmapPerStep} vs ${m.openZeppelinPerStep}`);
}

if (process.env.BENCH_JSON) {
  writeFileSync(process.env.BENCH_JSON, JSON.stringify({ hardfork, rows, osaka: osakaRows, multiproof }, null, 2));
}
