// Gas of quorum-certificate verification (BLS12-381 aggregate and ECDSA) for validator sets of
// N = 4, 16, 64, 100 with 0%, 10% and 33% of the validators not signing.
//   hardhat run scripts/bench/certificate-gas.ts        (BENCH_JSON=path also writes JSON)
// "verify" is the library's execution gas (gasleft() around the call); "tx" is the whole
// transaction to the harness, calldata and the 21,000 base included.
import { writeFileSync } from "node:fs";
import { network } from "hardhat";
import { keccak256, toUtf8Bytes } from "ethers";
import { buildBlsCertificate, buildEcdsaCertificate } from "../../keeper/src/checkpoint/certificate.js";
import { blsSign, ecdsaSign, makeValidators, validatorTree } from "../../test/helpers/validators.js";
import type { CertificateVerifierHarness } from "../../types/ethers-contracts/index.js";

const conn = await network.create();
const harness = (await conn.ethers.deployContract("CertificateVerifierHarness")) as unknown as CertificateVerifierHarness;
const digest = keccak256(toUtf8Bytes("bench precommit"));

export interface CertGasRow {
  kind: "bls" | "ecdsa";
  validators: number;
  nonSigners: number;
  verifyGas: number;
  txGas: number;
}

async function gasOf(tx: Promise<{ wait(): Promise<unknown> }>): Promise<{ verify: number; tx: number }> {
  const receipt = (await (await tx).wait()) as {
    gasUsed: bigint;
    logs: { topics: readonly string[]; data: string }[];
  };
  const parsed = harness.interface.parseLog(receipt.logs[0]!);
  return { verify: Number(parsed!.args[1]), tx: Number(receipt.gasUsed) };
}

const rows: CertGasRow[] = [];
for (const n of [4, 16, 64, 100]) {
  const vals = makeValidators(n, () => 10_000n * 10n ** 18n, `bench-${n}`);
  const set = validatorTree(vals);
  for (const pct of [0, 10, 33]) {
    const missing = Math.floor((n * pct) / 100);
    const signers = vals.slice(missing);
    const bls = buildBlsCertificate(set, 0, new Map(signers.map((v) => [v.index, blsSign(v, digest)])));
    const g1 = await gasOf(harness.measureBls(digest, bls, set.root, set.totalStake, set.aggregatePubkeyHash));
    rows.push({ kind: "bls", validators: n, nonSigners: missing, verifyGas: g1.verify, txGas: g1.tx });
    const ecdsa = buildEcdsaCertificate(
      set,
      0,
      signers.map((v) => ({ index: v.index, signature: ecdsaSign(v, digest) })),
    );
    const g2 = await gasOf(harness.measureEcdsa(digest, ecdsa, set.root, set.totalStake));
    rows.push({ kind: "ecdsa", validators: n, nonSigners: missing, verifyGas: g2.verify, txGas: g2.tx });
  }
}

const hardfork = (conn.networkConfig as { hardfork?: string }).hardfork ?? "unknown";
console.log(`\nCertificate verification gas (hardfork: ${hardfork})\n`);
console.log("| kind | N | non-signers | verify gas | tx gas | per signer (ECDSA) / per non-signer (BLS) |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const r of rows) {
  let marginal = "";
  if (r.kind === "ecdsa") marginal = String(Math.round(r.txGas / (r.validators - r.nonSigners)));
  else if (r.nonSigners > 0) {
    const base = rows.find((x) => x.kind === "bls" && x.validators === r.validators && x.nonSigners === 0)!;
    marginal = String(Math.round((r.txGas - base.txGas) / r.nonSigners));
  }
  console.log(
    `| ${r.kind} | ${r.validators} | ${r.nonSigners} | ${r.verifyGas.toLocaleString("en-US")} | ${r.txGas.toLocaleString("en-US")} | ${marginal} |`,
  );
}
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ hardfork, rows }, null, 2));
