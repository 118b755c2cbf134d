// Shared fixtures of the staking tests: OPEN token + AccessManager + Staking + ValidatorSetManager deployed
// directly (the deployer is the AccessManager admin, so it may call every restricted function), funded
// accounts, and operator registrations with real BLS12-381 keys and proofs of possession (keeper's bls.ts).
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { Wallet, getBytes, hexlify, keccak256, toUtf8Bytes } from "ethers";
import { generateSecretKey, proofOfPossession, publicKeyG2, SEED_LENGTH } from "../../../keeper/src/crypto/bls.js";
import type {
  OpenAccessManager,
  OpenToken,
  StakeVotes,
  Staking,
  ValidatorSetManager,
} from "../../../types/ethers-contracts/index.js";

export const OPEN = 10n ** 18n;
export const WAD = 10n ** 18n;
export const TOTAL_SUPPLY = 1_000_000_000n * OPEN;
export const MIN_STAKE = 10_000n * OPEN;
export const EPOCH_LENGTH = 3600n;
export const UNBONDING_PERIOD = 7n * 24n * 3600n;
export const JAIL_PERIOD = 24n * 3600n;
export const COMMISSION_DELAY = 7n * 24n * 3600n;
/** Each test account gets this much OPEN. */
export const FUNDING = 10_000_000n * OPEN;

export enum Status {
  Unregistered = 0,
  Active = 1,
  Inactive = 2,
  Jailed = 3,
  Tombstoned = 4,
}

export enum SlashReason {
  DoubleSign = 0,
  Downtime = 1,
  Fault = 2,
}

export interface BlsKey {
  secretKey: Uint8Array;
  publicKey: string;
  /** the proof of possession for a registration by `operator` (it names the operator) */
  proofFor(operator: string): string;
  hash: string;
}

const keyCache = new Map<string, BlsKey>();

/** A deterministic BLS key (with its proof of possession) per label. */
export function blsKey(label: string): BlsKey {
  const cached = keyCache.get(label);
  if (cached) return cached;
  const seed = getBytes(keccak256(toUtf8Bytes(`bls-${label}`)));
  const fullSeed = new Uint8Array(SEED_LENGTH);
  fullSeed.set(seed, 0);
  fullSeed.set(seed.slice(0, SEED_LENGTH - seed.length), seed.length);
  const secretKey = generateSecretKey(fullSeed);
  const publicKey = publicKeyG2(secretKey);
  const key = {
    secretKey,
    publicKey: hexlify(publicKey),
    proofFor: (operator: string) => hexlify(proofOfPossession(secretKey, operator)),
    hash: keccak256(publicKey),
  };
  keyCache.set(label, key);
  return key;
}

/** A deterministic hot signer address per label. */
export function signerAddress(label: string): string {
  return new Wallet(keccak256(toUtf8Bytes(`signer-${label}`))).address;
}

export function peerIdOf(label: string): string {
  return hexlify(toUtf8Bytes(`peer-${label}`));
}

export interface RegistrationInput {
  signer: string;
  blsPubkey: string;
  blsProofOfPossession: string;
  peerId: string;
  endpoint: string;
  resources: { cpuCores: bigint; bandwidthMbps: bigint; memoryMiB: bigint; storageGiB: bigint };
  commissionWad: bigint;
  stake: bigint;
}

/** A valid registration by `operator`; `label` makes its keys and peer id unique. */
export function registration(
  operator: string,
  label: string,
  overrides: Partial<RegistrationInput> = {},
): RegistrationInput {
  const key = blsKey(label);
  return {
    signer: signerAddress(label),
    blsPubkey: key.publicKey,
    blsProofOfPossession: key.proofFor(operator),
    peerId: peerIdOf(label),
    endpoint: `/ip4/127.0.0.1/tcp/4${label.length}01/p2p-${label}`,
    resources: { cpuCores: 8n, bandwidthMbps: 1000n, memoryMiB: 32_768n, storageGiB: 2_000n },
    commissionWad: WAD / 10n,
    stake: MIN_STAKE,
    ...overrides,
  };
}

export interface StakingFixture {
  ethers: HardhatEthers;
  token: OpenToken;
  manager: OpenAccessManager;
  staking: Staking;
  validatorSets: ValidatorSetManager;
  stakeVotes: StakeVotes;
  deployer: HardhatEthersSigner;
  treasury: HardhatEthersSigner;
  /** funded accounts that approved the staking contract */
  accounts: HardhatEthersSigner[];
}

/** Deploys token, AccessManager (deployer = admin), Staking and ValidatorSetManager; funds accounts 2..19. */
export async function deployStaking(ethers: HardhatEthers): Promise<StakingFixture> {
  const signers = await ethers.getSigners();
  const deployer = signers[0]!;
  const treasury = signers[1]!;
  const token = await ethers.deployContract("OpenToken", [[deployer.address], [TOTAL_SUPPLY], deployer.address]);
  const manager = await ethers.deployContract("OpenAccessManager", [deployer.address]);
  const staking = await ethers.deployContract("Staking", [manager, token, treasury.address]);
  const validatorSets = await ethers.deployContract("ValidatorSetManager", [manager, staking, EPOCH_LENGTH]);
  await staking.setValidatorSets(validatorSets);
  const stakeVotes = await ethers.getContractAt("StakeVotes", await staking.stakeVotes());
  const accounts = signers.slice(2);
  for (const account of accounts) {
    await token.transfer(account.address, FUNDING);
    await token.connect(account).approve(staking, ethers.MaxUint256);
  }
  await token.approve(staking, ethers.MaxUint256);
  return { ethers, token, manager, staking, validatorSets, stakeVotes, deployer, treasury, accounts };
}

/** Registers `account` as an operator labelled `label`. */
export async function registerOperator(
  f: StakingFixture,
  account: HardhatEthersSigner,
  label: string,
  overrides: Partial<RegistrationInput> = {},
): Promise<RegistrationInput> {
  const input = registration(account.address, label, overrides);
  await f.staking.connect(account).register(input);
  return input;
}

/** The id of the latest unbonding request. */
export async function lastRequestId(staking: Staking): Promise<bigint> {
  return staking.unbondingRequestCount();
}
