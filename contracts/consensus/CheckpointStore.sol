// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IBLS12381Errors} from "../interfaces/IBLS12381Errors.sol";
import {ICertificateErrors} from "../interfaces/ICertificateErrors.sol";
import {ICheckpointStore} from "../interfaces/ICheckpointStore.sol";
import {IValidatorSet} from "../interfaces/IValidatorSet.sol";
import {CheckpointProofs} from "./CheckpointProofs.sol";
import {IRewardsLedger} from "../interfaces/IRewardsLedger.sol";
import {CertificateVerifier} from "./CertificateVerifier.sol";

/// @title Checkpoint store: certified BFT headers on chain
/// @notice Accepts a header of the current epoch when validators holding more than 2/3 of that epoch's frozen
/// stake signed its precommit (ECDSA or BLS certificate). Heights strictly increase; a header that directly
/// follows the latest certified one must link to it by `parentHash`. Submitting an already certified header
/// again is a no-op that emits `CheckpointAlreadyCertified`, so racing submitters never fail each other.
/// A header that carries rewards (`totalRewards > 0`) declares the rewards of the previous epoch; they are
/// recorded in the rewards ledger, which enforces the epoch budget.
/// @dev Only header hashes are stored (one slot per checkpoint); proofs against a header's roots send the header
/// in calldata and `requireCertified` checks it.
contract CheckpointStore is ICheckpointStore, ICertificateErrors, IBLS12381Errors, EIP712, AccessManaged {
    /// @notice Largest checkpoint interval governance can set (heights between submissions).
    uint64 public constant MAX_CHECKPOINT_INTERVAL = 1_000;

    IValidatorSet public immutable validatorSets;

    /// @inheritdoc ICheckpointStore
    mapping(uint64 height => bytes32) public checkpointHash;
    /// @inheritdoc ICheckpointStore
    uint64 public latestHeight;
    /// @inheritdoc ICheckpointStore
    uint64 public checkpointInterval;
    IRewardsLedger public rewardsLedger;

    /// @param validatorSets_ the staking contract that freezes each epoch's validator set
    /// @param authority the AccessManager
    /// @param interval the initial checkpoint interval
    constructor(
        IValidatorSet validatorSets_,
        address authority,
        uint64 interval
    ) EIP712("OpenMesh Checkpoints", "1") AccessManaged(authority) {
        validatorSets = validatorSets_;
        _setCheckpointInterval(interval);
    }

    /// @inheritdoc ICheckpointStore
    function submitCheckpointEcdsa(Header calldata header, EcdsaCertificate calldata certificate) external {
        (bytes32 hash, bool fresh) = _checkHeader(header);
        if (!fresh) return;
        (bytes32 root, uint256 totalStake, , ) = _validatorSet(header.epoch);
        bytes32 digest = _precommitDigest(header, certificate.round, hash);
        uint256 signedStake = CertificateVerifier.verifyEcdsa(digest, certificate, root, totalStake);
        _store(header, hash, CertificateKind.Ecdsa, certificate.round, signedStake);
    }

    /// @inheritdoc ICheckpointStore
    function submitCheckpointBls(Header calldata header, BlsCertificate calldata certificate) external {
        (bytes32 hash, bool fresh) = _checkHeader(header);
        if (!fresh) return;
        (bytes32 root, uint256 totalStake, bytes32 aggregateKeyHash, ) = _validatorSet(header.epoch);
        bytes32 digest = _precommitDigest(header, certificate.round, hash);
        uint256 signedStake = CertificateVerifier.verifyBls(digest, certificate, root, totalStake, aggregateKeyHash);
        _store(header, hash, CertificateKind.Bls, certificate.round, signedStake);
    }

    /// @inheritdoc ICheckpointStore
    function requireCertified(Header calldata header) external view returns (bytes32 hash) {
        return _requireCertified(header);
    }

    /// @notice Whether `operator` proved `resources` in a certified header's porRoot (Proof-of-Resource).
    /// Any contract, here or on a chain the header was bridged to, can rely on this capacity for
    /// `header.epoch`.
    /// @param header a certified header (reverts with CheckpointNotCertified otherwise)
    /// @param operator the operator
    /// @param resources the proven resources
    /// @param proof StandardMerkleTree proof against header.porRoot
    /// @return valid whether the proof verifies
    function verifyResource(
        Header calldata header,
        address operator,
        ProvenResources calldata resources,
        bytes32[] calldata proof
    ) external view returns (bool valid) {
        _requireCertified(header);
        return CheckpointProofs.resource(header.porRoot, operator, resources, proof);
    }

    /// @inheritdoc ICheckpointStore
    function voteDigest(
        uint8 voteType,
        uint64 epoch,
        uint64 height,
        uint32 round,
        bytes32 valueHash
    ) external view returns (bytes32) {
        return _hashTypedDataV4(CertificateVerifier.hashVote(voteType, epoch, height, round, valueHash));
    }

    /// @inheritdoc ICheckpointStore
    function headerHash(Header calldata header) external pure returns (bytes32) {
        return CertificateVerifier.hashHeader(header);
    }

    /// @inheritdoc ICheckpointStore
    function setCheckpointInterval(uint64 interval) external restricted {
        _setCheckpointInterval(interval);
    }

    /// @notice Sets the rewards ledger (governance).
    /// @param ledger the rewards distributor
    function setRewardsLedger(IRewardsLedger ledger) external restricted {
        rewardsLedger = ledger;
        emit RewardsLedgerSet(address(ledger));
    }

    function _requireCertified(Header calldata header) private view returns (bytes32 hash) {
        hash = CertificateVerifier.hashHeader(header);
        if (checkpointHash[header.height] != hash) revert CheckpointNotCertified(header.height, hash);
    }

    function _setCheckpointInterval(uint64 interval) private {
        // At most one submission per 1,000 heights: rarer certificates would leave liveness, rewards and evidence
        // without a certified header for too long.
        if (interval == 0 || interval > MAX_CHECKPOINT_INTERVAL) revert CheckpointInvalidInterval(interval);
        checkpointInterval = interval;
        emit CheckpointIntervalSet(interval);
    }

    /// @dev Validates placement; returns (hash, false) for an already certified header (no-op).
    function _checkHeader(Header calldata header) private returns (bytes32 hash, bool fresh) {
        hash = CertificateVerifier.hashHeader(header);
        bytes32 existing = checkpointHash[header.height];
        if (existing != bytes32(0)) {
            if (existing != hash) revert CheckpointConflict(header.height, existing, hash);
            emit CheckpointAlreadyCertified(header.height, hash, msg.sender);
            return (hash, false);
        }
        if (header.chainId != block.chainid) revert CheckpointWrongChain(header.chainId, block.chainid);
        uint256 current = validatorSets.currentEpoch();
        if (header.epoch != current) revert CheckpointWrongEpoch(header.epoch, current);
        uint64 latest = latestHeight;
        if (header.height <= latest) revert CheckpointHeightNotIncreasing(header.height, latest);
        if (header.height == latest + 1) {
            bytes32 parent = checkpointHash[latest];
            if (header.parentHash != parent) revert CheckpointParentMismatch(header.parentHash, parent);
        }
        return (hash, true);
    }

    function _validatorSet(
        uint64 epoch
    ) private view returns (bytes32 root, uint256 totalStake, bytes32 aggregateKeyHash, uint256 count) {
        (root, totalStake, aggregateKeyHash, count) = validatorSets.epochValidatorSet(epoch);
        if (totalStake == 0) revert CertificateEmptyValidatorSet(epoch);
    }

    function _precommitDigest(Header calldata header, uint32 round, bytes32 hash) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                CertificateVerifier.hashVote(CertificateVerifier.PRECOMMIT, header.epoch, header.height, round, hash)
            );
    }

    function _store(
        Header calldata header,
        bytes32 hash,
        CertificateKind kind,
        uint32 round,
        uint256 signedStake
    ) private {
        checkpointHash[header.height] = hash;
        latestHeight = header.height;
        emit CheckpointCertified(header.epoch, header.height, hash, kind, round, signedStake, msg.sender);
        if (header.totalRewards > 0 || header.rewardsRoot != bytes32(0)) {
            IRewardsLedger ledger = rewardsLedger;
            if (address(ledger) == address(0)) revert CheckpointNoRewardsLedger();
            // Rewards in a header of epoch e are those of the finished epoch e - 1.
            ledger.recordEpochRewards(header.epoch - 1, header.rewardsRoot, header.totalRewards);
        }
    }
}
