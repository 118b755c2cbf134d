// An epoch's validator set as the ValidatorSetManager announced it in its EpochAdvanced event:
// members in leaf order (descending stake, ties by operator address), with operators for rewards.
import { getBytes } from "ethers";
import { ValidatorSetTree } from "./validator-set.js";

export interface EpochValidator {
  operator: string;
  signer: string;
  stake: bigint;
  /** 256-byte EIP-2537 G2 key, hex */
  blsPubkey: string;
}

export interface EpochSet {
  epoch: bigint;
  startTime: bigint;
  root: string;
  totalStake: bigint;
  aggregatePubkeyHash: string;
  validators: EpochValidator[];
  /** the block that emitted EpochAdvanced */
  blockNumber: number;
}

/** The Merkle tree of an announced set; throws if it does not match the announced root. */
export function treeOfEpoch(set: EpochSet): ValidatorSetTree {
  const tree = new ValidatorSetTree(
    set.validators.map((v, index) => ({ index, signer: v.signer, blsPubkey: getBytes(v.blsPubkey), stake: v.stake })),
  );
  if (tree.root !== set.root) throw new Error(`epoch ${set.epoch}: rebuilt root ${tree.root} != announced ${set.root}`);
  return tree;
}

/** Decodes the ethers-parsed args of EpochAdvanced. */
export function epochSetFromEventArgs(
  args: {
    epoch: bigint;
    startTime: bigint;
    validatorSetRoot: string;
    aggregatePubkeyHash: string;
    totalStake: bigint;
    validators: readonly { operator: string; signer: string; stake: bigint; blsPubkey: string }[];
  },
  blockNumber: number,
): EpochSet {
  return {
    epoch: args.epoch,
    startTime: args.startTime,
    root: args.validatorSetRoot,
    totalStake: args.totalStake,
    aggregatePubkeyHash: args.aggregatePubkeyHash,
    validators: args.validators.map((v) => ({
      operator: v.operator,
      signer: v.signer,
      stake: v.stake,
      blsPubkey: v.blsPubkey,
    })),
    blockNumber,
  };
}
