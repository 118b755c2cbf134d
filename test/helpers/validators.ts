// Real validator keys for tests and benchmarks: ECDSA wallets and BLS12-381 keys (noble), and
// the set commitments the staking contract would freeze.
import { Wallet, hexlify, keccak256, toUtf8Bytes, getBytes } from "ethers";
import { generateSecretKey, publicKeyG2, sign } from "../../keeper/src/crypto/bls.js";
import { ValidatorSetTree, type ValidatorMember } from "../../keeper/src/checkpoint/validator-set.js";

export interface TestValidator extends ValidatorMember {
  wallet: Wallet;
  blsSecret: Uint8Array;
}

/** Deterministic validators: keys derived from `label` so runs are reproducible. */
export function makeValidators(count: number, stakes?: (i: number) => bigint, label = "validator"): TestValidator[] {
  return Array.from({ length: count }, (_, i) => {
    const wallet = new Wallet(keccak256(toUtf8Bytes(`${label}-ecdsa-${i}`)));
    const seed = getBytes(keccak256(toUtf8Bytes(`${label}-bls-${i}`))).slice(0, 32);
    const blsSecret = generateSecretKey(new Uint8Array([...seed, ...seed.slice(0, 16)]));
    return {
      index: i,
      signer: wallet.address,
      wallet,
      blsSecret,
      blsPubkey: publicKeyG2(blsSecret),
      stake: stakes ? stakes(i) : 10_000n * 10n ** 18n,
    };
  });
}

export function validatorTree(validators: readonly TestValidator[]): ValidatorSetTree {
  return new ValidatorSetTree(validators);
}

export function ecdsaSign(v: TestValidator, digest: string): string {
  return v.wallet.signingKey.sign(digest).serialized;
}

export function blsSign(v: TestValidator, digest: string): Uint8Array {
  return sign(v.blsSecret, getBytes(digest));
}

export { hexlify };
