// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {BLS12381} from "../crypto/BLS12381.sol";
import {IBLS12381Errors} from "../interfaces/IBLS12381Errors.sol";
import {IStaking, IStakingTypes} from "../interfaces/IStaking.sol";
import {IValidatorSet} from "../interfaces/IValidatorSet.sol";
import {ValidatorSetMerkle} from "./lib/ValidatorSetMerkle.sol";

/// @title Epochs and their frozen validator sets
/// @notice `advanceEpoch` is permissionless once the current epoch has lasted `epochLength`: it starts the next
/// epoch and freezes its set from the staking contract's ranking (the top `maxValidators` Active operators).
/// Stored per epoch (3 words): the set root (a keys tree and a signers tree, see ValidatorSetMerkle), hash of the aggregate BLS key, total stake, member count, start time.
/// The `EpochAdvanced` event carries the members and the aggregate key for keepers.
/// @dev Cost of an advance is O(maxValidators): reading the ranked members, hashing their leaves, sorting the
/// leaf hashes, summing their keys with G2ADD; the number of registered operators does not enter.
contract ValidatorSetManager is IValidatorSet, IBLS12381Errors, AccessManaged {
    /// @notice Shortest epoch governance can set (seconds); short values are for demos and tests.
    uint64 public constant MIN_EPOCH_LENGTH = 1;
    /// @notice Longest epoch governance can set (seconds).
    uint64 public constant MAX_EPOCH_LENGTH = 30 days;

    IStaking private immutable _staking;

    /// @inheritdoc IValidatorSet
    uint64 public epochLength;
    /// @inheritdoc IValidatorSet
    uint256 public currentEpoch;
    mapping(uint256 epoch => EpochInfo) private _epochs;

    /// @param initialAuthority the AccessManager
    /// @param stakingContract the staking contract whose ranking sets are frozen from
    /// @param initialEpochLength seconds (1 hour in production, a few seconds in the demo)
    constructor(
        address initialAuthority,
        address stakingContract,
        uint64 initialEpochLength
    ) AccessManaged(initialAuthority) {
        _checkEpochLength(initialEpochLength);
        _staking = IStaking(stakingContract);
        epochLength = initialEpochLength;
        // Epoch 0 is the genesis epoch: no validators, and it may be left at once.
        _epochs[0].startTime = uint64(block.timestamp);
    }

    /// @inheritdoc IValidatorSet
    function advanceEpoch() external returns (uint256 epoch) {
        uint256 current = currentEpoch;
        uint256 endTime = _epochs[current].startTime + epochLength;
        if (current != 0 && block.timestamp < endTime) {
            revert ValidatorSetEpochNotOver(current, endTime, block.timestamp);
        }
        IStakingTypes.Validator[] memory validators = _staking.validatorCandidates();
        (bytes32 root, bytes32 aggregatePubkeyHash, uint256 totalStake, bytes memory aggregatePubkey) = _freeze(
            validators
        );
        epoch = current + 1;
        currentEpoch = epoch;
        uint64 startTime = uint64(block.timestamp);
        _epochs[epoch] = EpochInfo({
            validatorSetRoot: root,
            aggregatePubkeyHash: aggregatePubkeyHash,
            totalStake: SafeCast.toUint128(totalStake),
            startTime: startTime,
            validatorCount: SafeCast.toUint32(validators.length)
        });
        emit EpochAdvanced(epoch, startTime, root, aggregatePubkeyHash, totalStake, aggregatePubkey, validators);
    }

    /// @inheritdoc IValidatorSet
    function setEpochLength(uint64 value) external restricted {
        _checkEpochLength(value);
        emit EpochLengthSet(epochLength, value);
        epochLength = value;
    }

    /// @inheritdoc IValidatorSet
    function epochValidatorSet(
        uint256 epoch
    ) external view returns (bytes32 root, uint256 totalStake, bytes32 aggregatePubkeyHash, uint256 count) {
        EpochInfo storage info = _epochAt(epoch);
        return (info.validatorSetRoot, info.totalStake, info.aggregatePubkeyHash, info.validatorCount);
    }

    /// @inheritdoc IValidatorSet
    function epochInfo(uint256 epoch) external view returns (EpochInfo memory info) {
        return _epochAt(epoch);
    }

    /// @inheritdoc IValidatorSet
    function nextEpochTime() external view returns (uint256) {
        uint256 current = currentEpoch;
        uint256 startTime = _epochs[current].startTime;
        return current == 0 ? startTime : startTime + epochLength;
    }

    /// @inheritdoc IValidatorSet
    function staking() external view returns (address) {
        return address(_staking);
    }

    /// @inheritdoc IValidatorSet
    function keyLeaf(uint256 index, bytes32 blsPubkeyHash, uint256 stake) external pure returns (bytes32 leaf) {
        return ValidatorSetMerkle.keyLeaf(index, blsPubkeyHash, stake);
    }

    /// @inheritdoc IValidatorSet
    function signerLeaf(uint256 index, address signer, uint256 stake) external pure returns (bytes32 leaf) {
        return ValidatorSetMerkle.signerLeaf(index, signer, stake);
    }

    /// @inheritdoc IValidatorSet
    function verifyValidator(
        uint256 epoch,
        uint256 index,
        address signer,
        uint256 stake,
        bytes32[] calldata proof
    ) external view returns (bool valid) {
        bytes32 root = _epochAt(epoch).validatorSetRoot;
        if (root == bytes32(0)) return false;
        return MerkleProof.verifyCalldata(proof, root, ValidatorSetMerkle.signerLeaf(index, signer, stake));
    }

    /// @dev Root, aggregate key (and its hash) and total stake of an ordered set; all zero/empty when empty.
    function _freeze(
        IStakingTypes.Validator[] memory validators
    )
        private
        view
        returns (bytes32 root, bytes32 aggregatePubkeyHash, uint256 totalStake, bytes memory aggregatePubkey)
    {
        uint256 count = validators.length;
        if (count == 0) return (bytes32(0), bytes32(0), 0, aggregatePubkey);
        bytes32[] memory keyLeaves = new bytes32[](count);
        bytes32[] memory signerLeaves = new bytes32[](count);
        bytes memory packedKeys = new bytes(count * BLS12381.G2_POINT_LENGTH);
        for (uint256 i = 0; i < count; ++i) {
            IStakingTypes.Validator memory validator = validators[i];
            bytes memory key = validator.blsPubkey;
            totalStake += validator.stake;
            keyLeaves[i] = ValidatorSetMerkle.keyLeaf(i, keccak256(key), validator.stake);
            signerLeaves[i] = ValidatorSetMerkle.signerLeaf(i, validator.signer, validator.stake);
            assembly ("memory-safe") {
                mcopy(add(add(packedKeys, 0x20), mul(i, 256)), add(key, 0x20), 256)
            }
        }
        root = ValidatorSetMerkle.setRoot(ValidatorSetMerkle.root(keyLeaves), ValidatorSetMerkle.root(signerLeaves));
        aggregatePubkey = BLS12381.sumG2(packedKeys);
        aggregatePubkeyHash = keccak256(aggregatePubkey);
    }

    function _epochAt(uint256 epoch) private view returns (EpochInfo storage) {
        uint256 current = currentEpoch;
        if (epoch > current) revert ValidatorSetUnknownEpoch(epoch, current);
        return _epochs[epoch];
    }

    function _checkEpochLength(uint64 value) private pure {
        if (value < MIN_EPOCH_LENGTH || value > MAX_EPOCH_LENGTH) {
            revert ValidatorSetInvalidEpochLength(value, MIN_EPOCH_LENGTH, MAX_EPOCH_LENGTH);
        }
    }
}
