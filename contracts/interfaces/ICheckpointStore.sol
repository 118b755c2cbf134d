// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICheckpointTypes} from "./ICheckpointTypes.sol";

/// @title Certified checkpoint headers
/// @notice Keepers submit each decided header once with a quorum certificate; everything else (rewards, PoR,
/// tasks, liveness, faults) is then proven by Merkle proof against a certified header's roots.
interface ICheckpointStore is ICheckpointTypes {
    /// @notice Which certificate certified a header.
    enum CertificateKind {
        Ecdsa,
        Bls
    }

    /// @notice A header was certified and stored.
    event CheckpointCertified(
        uint64 indexed epoch,
        uint64 indexed height,
        bytes32 indexed headerHash,
        CertificateKind kind,
        uint32 round,
        uint256 signedStake,
        address submitter
    );
    /// @notice A header that is already certified was submitted again (harmless, nothing changes).
    event CheckpointAlreadyCertified(uint64 indexed height, bytes32 indexed headerHash, address submitter);
    /// @notice Governance changed how many heights separate two submitted checkpoints.
    event CheckpointIntervalSet(uint64 interval);
    /// @notice Governance set the rewards ledger that receives each epoch's certified rewards root.
    event RewardsLedgerSet(address ledger);

    /// @notice The header is for another chain.
    error CheckpointWrongChain(uint256 chainId, uint256 expected);
    /// @notice The header is not for the current epoch.
    error CheckpointWrongEpoch(uint64 epoch, uint256 current);
    /// @notice The height does not come after the latest certified height.
    error CheckpointHeightNotIncreasing(uint64 height, uint64 latest);
    /// @notice The header follows the latest certified header but does not link to it.
    error CheckpointParentMismatch(bytes32 parentHash, bytes32 expected);
    /// @notice A different header is already certified at this height.
    error CheckpointConflict(uint64 height, bytes32 certified, bytes32 submitted);
    /// @notice The header is not the one certified at its height.
    error CheckpointNotCertified(uint64 height, bytes32 headerHash);
    /// @notice A zero checkpoint interval.
    error CheckpointInvalidInterval(uint64 interval);
    /// @notice Rewards were declared in a header but no rewards ledger is set.
    error CheckpointNoRewardsLedger();

    /// @notice Submits a header with an ECDSA quorum certificate.
    /// @param header the decided header
    /// @param certificate precommit signatures of more than 2/3 of the epoch's stake
    function submitCheckpointEcdsa(Header calldata header, EcdsaCertificate calldata certificate) external;

    /// @notice Submits a header with a BLS12-381 aggregate quorum certificate.
    /// @param header the decided header
    /// @param certificate the aggregate signature, the set's aggregate key and the proven non-signers
    function submitCheckpointBls(Header calldata header, BlsCertificate calldata certificate) external;

    /// @notice Reverts with CheckpointNotCertified unless `header` is the certified header at its height.
    /// @param header a header
    /// @return headerHash its EIP-712 struct hash
    function requireCertified(Header calldata header) external view returns (bytes32 headerHash);

    /// @notice The EIP-712 digest validators sign for a vote.
    /// @param voteType 1 = prevote, 2 = precommit
    /// @param epoch the epoch
    /// @param height the height
    /// @param round the round
    /// @param valueHash the header's struct hash, zero for nil
    /// @return the digest
    function voteDigest(
        uint8 voteType,
        uint64 epoch,
        uint64 height,
        uint32 round,
        bytes32 valueHash
    ) external view returns (bytes32);

    /// @notice The EIP-712 struct hash of a header.
    /// @param header the header
    /// @return the hash
    function headerHash(Header calldata header) external pure returns (bytes32);

    /// @notice The certified header hash at `height`, zero when none.
    /// @param height the height
    /// @return the hash
    function checkpointHash(uint64 height) external view returns (bytes32);

    /// @notice The latest certified height (0 before the first checkpoint).
    /// @return the height
    function latestHeight() external view returns (uint64);

    /// @notice How many heights separate two submitted checkpoints (keepers follow it).
    /// @return the interval
    function checkpointInterval() external view returns (uint64);

    /// @notice Sets the checkpoint interval (governance).
    /// @param interval heights between submissions, >= 1
    function setCheckpointInterval(uint64 interval) external;
}
