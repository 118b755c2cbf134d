// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IStakingTypes} from "./IStaking.sol";

/// @title Types of the validator set manager
interface IValidatorSetTypes {
    /// @notice What certificate verification needs about one epoch's frozen validator set (3 storage words).
    struct EpochInfo {
        /// @dev commutativeKeccak256(keysRoot, signersRoot): StandardMerkleTrees over (uint256 index, bytes32
        /// blsPubkeyHash, uint256 stake) and (uint256 index, address signer, uint256 stake); zero for an empty set
        /// (ValidatorSetMerkle)
        bytes32 validatorSetRoot;
        /// @dev keccak256 of the 256-byte sum of the members' G2 keys, zero for an empty set
        bytes32 aggregatePubkeyHash;
        uint128 totalStake;
        uint64 startTime;
        uint32 validatorCount;
    }
}

/// @title Errors of the validator set manager
interface IValidatorSetErrors {
    /// @notice `advanceEpoch` before the current epoch has lasted `epochLength`.
    error ValidatorSetEpochNotOver(uint256 epoch, uint256 endTime, uint256 currentTime);
    /// @notice A read of an epoch that has not started.
    error ValidatorSetUnknownEpoch(uint256 epoch, uint256 currentEpoch);
    /// @notice An epoch length outside the allowed range.
    error ValidatorSetInvalidEpochLength(uint256 value, uint256 minimum, uint256 maximum);
}

/// @title Events of the validator set manager
interface IValidatorSetEvents {
    /// @notice A new epoch started with this frozen validator set. Carries everything a keeper needs to rebuild
    /// the set commitment: two StandardMerkleTrees over the members in set order, the keys tree with leaf
    /// (uint256 i, bytes32 keccak256(validators[i].blsPubkey), uint256 validators[i].stake) and the signers tree
    /// with leaf (uint256 i, address validators[i].signer, uint256 validators[i].stake);
    /// `validatorSetRoot` = commutativeKeccak256(keysRoot, signersRoot) (ValidatorSetMerkle). The aggregate key is
    /// the sum of validators[i].blsPubkey, equal to `aggregatePubkey`; `aggregatePubkeyHash` is its keccak256.
    event EpochAdvanced(
        uint256 indexed epoch,
        uint64 startTime,
        bytes32 validatorSetRoot,
        bytes32 aggregatePubkeyHash,
        uint256 totalStake,
        bytes aggregatePubkey,
        IStakingTypes.Validator[] validators
    );
    /// @notice Governance changed the epoch length (the current epoch then ends at its start + the new length).
    event EpochLengthSet(uint64 oldValue, uint64 newValue);
}

/// @title Validator set manager: numbered epochs, each with a frozen validator set
/// @notice `advanceEpoch` (permissionless once the current epoch has lasted `epochLength`) starts the next
/// epoch and freezes its validator set from the staking contract's ranking: the top `maxValidators` Active
/// operators by bonded stake. Only a Merkle root, the total stake, the member count and the hash of the
/// aggregate BLS key are stored; verifiers prove members (or non-signers) against the root.
interface IValidatorSet is IValidatorSetTypes, IValidatorSetErrors, IValidatorSetEvents {
    /// @notice Starts the next epoch and freezes its validator set. Epoch 0 (the genesis epoch, with an empty
    /// set) can be left at once.
    /// @return epoch the epoch that started
    function advanceEpoch() external returns (uint256 epoch);

    /// @notice Sets the epoch length (restricted: governance).
    /// @param value seconds, between MIN_EPOCH_LENGTH and MAX_EPOCH_LENGTH
    function setEpochLength(uint64 value) external;

    /// @notice The current epoch number.
    /// @return the epoch
    function currentEpoch() external view returns (uint256);

    /// @notice The frozen validator set of an epoch, in the order certificate verifiers use.
    /// @param epoch a started epoch
    /// @return root StandardMerkleTree root over the members' leaves
    /// @return totalStake sum of the members' stakes
    /// @return aggregatePubkeyHash keccak256 of the aggregate G2 key
    /// @return count number of members
    function epochValidatorSet(
        uint256 epoch
    ) external view returns (bytes32 root, uint256 totalStake, bytes32 aggregatePubkeyHash, uint256 count);

    /// @notice Everything stored about an epoch, including its start time.
    /// @param epoch a started epoch
    /// @return info the record
    function epochInfo(uint256 epoch) external view returns (EpochInfo memory info);

    /// @notice The earliest time `advanceEpoch` succeeds.
    /// @return the timestamp
    function nextEpochTime() external view returns (uint256);

    /// @notice Seconds an epoch lasts at least.
    /// @return the length
    function epochLength() external view returns (uint64);

    /// @notice The staking contract whose ranking sets are frozen from.
    /// @return the address
    function staking() external view returns (address);

    /// @notice A member's leaf in the set's keys tree: keccak256(bytes.concat(keccak256(abi.encode(...)))).
    /// @param index position in the set (descending stake, ties by ascending operator address)
    /// @param blsPubkeyHash keccak256 of its 256-byte G2 key
    /// @param stake its stake
    /// @return leaf the leaf hash
    function keyLeaf(uint256 index, bytes32 blsPubkeyHash, uint256 stake) external pure returns (bytes32 leaf);

    /// @notice A member's leaf in the set's signers tree: keccak256(bytes.concat(keccak256(abi.encode(...)))).
    /// @param index position in the set
    /// @param signer the member's signer
    /// @param stake its stake
    /// @return leaf the leaf hash
    function signerLeaf(uint256 index, address signer, uint256 stake) external pure returns (bytes32 leaf);

    /// @notice Whether (index, signer, stake) is a member of an epoch's set, by Merkle proof.
    /// @param epoch a started epoch
    /// @param index position in the set
    /// @param signer the member's signer
    /// @param stake its stake
    /// @param proof the leaf's proof in the signers tree, then the keys tree's root
    /// @return valid whether the proof verifies against the epoch's root
    function verifyValidator(
        uint256 epoch,
        uint256 index,
        address signer,
        uint256 stake,
        bytes32[] calldata proof
    ) external view returns (bool valid);
}
