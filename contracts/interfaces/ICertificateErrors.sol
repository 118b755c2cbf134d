// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Errors of quorum-certificate verification
interface ICertificateErrors {
    /// @notice The signers hold `signedStake`; more than two thirds of the total, `requiredStake`, is needed.
    error CertificateQuorumNotReached(uint256 signedStake, uint256 requiredStake);
    /// @notice A validator appears twice among the signers (ECDSA) or the non-signers (BLS).
    error CertificateDuplicateValidator(uint256 index);
    /// @notice A packed list (ECDSA votes, BLS non-signers) is not a whole number of `recordLength`-byte records.
    error CertificateInvalidPackedLength(uint256 length, uint256 recordLength);
    /// @notice A compact BLS point has the wrong length (96 bytes for G1, 192 for G2).
    error CertificateInvalidPointLength(uint256 length, uint256 expected);
    /// @notice The multiproof does not prove the given leaves against the epoch's validator-set root.
    error CertificateInvalidMembershipProof();
    /// @notice An ECDSA signature (the vote at `position`) does not recover to an address, or has a high s.
    error CertificateInvalidEcdsaSignature(uint256 position);
    /// @notice The aggregate BLS signature does not verify.
    error CertificateInvalidBlsSignature();
    /// @notice The aggregate key sent (hashed in its 256-byte EIP-2537 form) is not the epoch's stored aggregate key.
    error CertificateAggregateKeyMismatch(bytes32 sent, bytes32 expected);
    /// @notice The epoch has no validator stake.
    error CertificateEmptyValidatorSet(uint64 epoch);
    /// @notice The certificate carries no signatures.
    error CertificateNoSigners();
}
