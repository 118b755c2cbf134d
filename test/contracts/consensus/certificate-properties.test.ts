// Properties of certificate verification on random inputs (seeded, so failures reproduce):
// - a certificate verifies exactly when its signers hold more than 2/3 of the stake;
// - changing any single byte of a valid certificate's content makes it fail.
import { expect } from "chai";
import { network } from "hardhat";
import { dataLength, getBytes, hexlify, keccak256, toBeHex, toUtf8Bytes } from "ethers";
import {
  buildBlsCertificate,
  buildEcdsaCertificate,
  type BlsCertificate,
  type EcdsaCertificate,
} from "../../../keeper/src/checkpoint/certificate.js";
import { blsSign, ecdsaSign, makeValidators, validatorTree } from "../../helpers/validators.js";
import type { CertificateVerifierHarness } from "../../../types/ethers-contracts/index.js";

const { ethers } = await network.create();
const OPEN = 10n ** 18n;
/** Random single-byte corruptions per certificate kind (each an eth_call of a few ms). */
const CORRUPTIONS = 120;

/** Deterministic PRNG (mulberry32), so a failure names a reproducible case. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Flips bits of byte `at` of a hex string (xor with a nonzero mask). */
function corruptByte(hex: string, at: number, mask: number): string {
  const bytes = getBytes(hex);
  bytes[at]! ^= mask;
  return hexlify(bytes);
}

describe("Certificate properties (random subsets and corruptions)", () => {
  let harness: CertificateVerifierHarness;
  const digest = keccak256(toUtf8Bytes("property precommit"));
  const rand = prng(2026);
  // Stakes from 1 to 50 OPEN plus a few wei, so sums land on every side of the 2/3 line.
  const vals = makeValidators(
    12,
    () => BigInt(1 + Math.floor(rand() * 50)) * OPEN + BigInt(Math.floor(rand() * 5)),
    "prop",
  );
  const set = validatorTree(vals);
  const blsSigs = new Map(vals.map((v) => [v.index, blsSign(v, digest)]));
  const ecdsaSigs = new Map(vals.map((v) => [v.index, ecdsaSign(v, digest)]));

  before(async () => {
    harness = (await ethers.deployContract("CertificateVerifierHarness")) as unknown as CertificateVerifierHarness;
  });

  function randomSigners(): number[] {
    const p = 0.4 + rand() * 0.6; // bias towards larger sets: both outcomes occur often
    const chosen = vals.map((v) => v.index).filter(() => rand() < p);
    return chosen.length > 0 ? chosen : [Math.floor(rand() * vals.length)];
  }

  /** Awaits a verification that must fail with one of the verifier's own errors (not a panic, not out of gas). */
  async function expectRejected(call: Promise<unknown>, label: string): Promise<string> {
    let data: string | undefined;
    try {
      await call;
    } catch (e) {
      data = (e as { data?: string }).data;
    }
    expect(data, `${label}: verified, or failed without revert data`).to.be.a("string");
    const parsed = harness.interface.parseError(data!);
    expect(parsed?.name, `${label}: ${data}`).to.match(/^(Certificate|BLS)/);
    return parsed!.name;
  }

  const stakeOf = (signers: number[]) => signers.reduce((s, i) => s + vals[i]!.stake, 0n);
  const required = (set.totalStake * 2n) / 3n + 1n;

  it("BLS: a random subset of signers verifies iff it holds more than 2/3 of the stake", async () => {
    let accepted = 0;
    for (let round = 0; round < 16; round++) {
      const signers = randomSigners();
      const cert = buildBlsCertificate(set, round, new Map(signers.map((i) => [i, blsSigs.get(i)!])));
      const signed = stakeOf(signers);
      const call = harness.verifyBls(digest, cert, set.root, set.totalStake, set.aggregatePubkeyHash);
      if (signed * 3n > set.totalStake * 2n) {
        expect(await call, `signers ${signers.join(",")}`).to.equal(signed);
        accepted++;
      } else {
        await expect(call, `signers ${signers.join(",")}`)
          .to.be.revertedWithCustomError(harness, "CertificateQuorumNotReached")
          .withArgs(signed, required);
      }
    }
    expect(accepted).to.be.within(3, 13); // both sides of the line were exercised
  });

  it("ECDSA: a random subset of signers verifies iff it holds more than 2/3 of the stake", async () => {
    let accepted = 0;
    for (let round = 0; round < 16; round++) {
      const signers = randomSigners();
      const votes = signers.map((i) => ({ index: i, signature: ecdsaSigs.get(i)! }));
      const cert = buildEcdsaCertificate(set, round, votes);
      const signed = stakeOf(signers);
      const call = harness.verifyEcdsa(digest, cert, set.root, set.totalStake);
      if (signed * 3n > set.totalStake * 2n) {
        expect(await call, `signers ${signers.join(",")}`).to.equal(signed);
        accepted++;
      } else {
        await expect(call, `signers ${signers.join(",")}`)
          .to.be.revertedWithCustomError(harness, "CertificateQuorumNotReached")
          .withArgs(signed, required);
      }
    }
    expect(accepted).to.be.within(3, 13);
  });

  it("BLS: signing for a subset but claiming a larger one never verifies", async () => {
    for (let round = 0; round < 6; round++) {
      const signers = vals.map((v) => v.index).filter(() => rand() < 0.9);
      if (signers.length === vals.length) signers.pop();
      // Certificate built as if everyone signed, with the aggregate of the real signers only.
      const cert = buildBlsCertificate(set, round, blsSigs);
      cert.aggregateSignature = buildBlsCertificate(
        set,
        round,
        new Map(signers.map((i) => [i, blsSigs.get(i)!])),
      ).aggregateSignature;
      await expect(
        harness.verifyBls(digest, cert, set.root, set.totalStake, set.aggregatePubkeyHash),
      ).to.be.revertedWithCustomError(harness, "CertificateInvalidBlsSignature");
    }
  });

  /** Every byte of the content fields, as (field, index into the field's bytes). */
  function bytePositions(fields: Record<string, string>): [string, number][] {
    return Object.entries(fields).flatMap(([name, hex]) =>
      Array.from({ length: dataLength(hex) }, (_, i): [string, number] => [name, i]),
    );
  }

  it("BLS: corrupting any single byte of a valid certificate makes it fail (random bytes)", async () => {
    const signers = [0, 1, 2, 3, 5, 6, 8, 9, 10, 11]; // 4 and 7 do not sign
    const cert: BlsCertificate = buildBlsCertificate(set, 0, new Map(signers.map((i) => [i, blsSigs.get(i)!])));
    const verify = (c: BlsCertificate) =>
      harness.verifyBls(digest, c, set.root, set.totalStake, set.aggregatePubkeyHash);
    const signed = stakeOf(signers);
    expect(signed * 3n > set.totalStake * 2n).to.equal(true);
    expect(await verify(cert)).to.equal(signed);
    const fields: Record<string, string> = {
      aggregateSignature: cert.aggregateSignature,
      aggregatePubkey: cert.aggregatePubkey,
      nonSigners: cert.nonSigners,
      proofFlags: toBeHex(cert.proofFlags, 32),
      ...Object.fromEntries(cert.proof.map((p, i) => [`proof${i}`, p])),
    };
    const positions = bytePositions(fields);
    const errors = new Set<string>();
    for (let round = 0; round < CORRUPTIONS; round++) {
      const [field, at] = positions[Math.floor(rand() * positions.length)]!;
      const mask = 1 + Math.floor(rand() * 255);
      const bad = structuredClone(cert);
      if (field === "proofFlags") bad.proofFlags = BigInt(corruptByte(fields.proofFlags!, at, mask));
      else if (field.startsWith("proof")) bad.proof[Number(field.slice(5))] = corruptByte(fields[field]!, at, mask);
      else (bad as unknown as Record<string, string>)[field] = corruptByte(fields[field]!, at, mask);
      errors.add(await expectRejected(verify(bad), `${field}[${at}] ^= ${mask}`));
    }
    expect(errors.size, [...errors].join(", ")).to.be.greaterThan(1); // failures came from several checks
  });

  it("ECDSA: corrupting any single byte of a valid certificate makes it fail (random bytes)", async () => {
    const signers = [0, 1, 2, 4, 5, 6, 7, 9, 10, 11];
    const votes = signers.map((i) => ({ index: i, signature: ecdsaSigs.get(i)! }));
    const cert: EcdsaCertificate = buildEcdsaCertificate(set, 0, votes);
    const verify = (c: EcdsaCertificate) => harness.verifyEcdsa(digest, c, set.root, set.totalStake);
    const signed = stakeOf(signers);
    expect(signed * 3n > set.totalStake * 2n).to.equal(true);
    expect(await verify(cert)).to.equal(signed);
    const fields: Record<string, string> = {
      votes: cert.votes,
      proofFlags: toBeHex(cert.proofFlags, 32),
      ...Object.fromEntries(cert.proof.map((p, i) => [`proof${i}`, p])),
    };
    const positions = bytePositions(fields);
    const errors = new Set<string>();
    for (let round = 0; round < CORRUPTIONS; round++) {
      const [field, at] = positions[Math.floor(rand() * positions.length)]!;
      const mask = 1 + Math.floor(rand() * 255);
      const bad = structuredClone(cert);
      if (field === "proofFlags") bad.proofFlags = BigInt(corruptByte(fields.proofFlags!, at, mask));
      else if (field.startsWith("proof")) bad.proof[Number(field.slice(5))] = corruptByte(fields[field]!, at, mask);
      else bad.votes = corruptByte(cert.votes, at, mask);
      errors.add(await expectRejected(verify(bad), `${field}[${at}] ^= ${mask}`));
    }
    expect(errors.size, [...errors].join(", ")).to.be.greaterThan(1); // failures came from several checks
  });
});
