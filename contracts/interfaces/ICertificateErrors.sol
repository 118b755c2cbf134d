// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Errors of quorum-certificate verification
interface ICertificateErrors {
    /// @notice The signers hold `signedStake`; more than two thirds of the total, `requiredStake`, is needed.
    error CertificateQuorumNotReached(uint256 signedStake, uint256 requiredStake);
    /// @notice A validator appears twice among the signers (ECDSA) or the non-signers (BLS).
    error CertificateDuplicateValidator(uint256 index);
    /// @notice A leaf index is beyond the 256-member bitmap.
    error CertificateIndexOutOfRange(uint256 index);
    /// @notice The multiproof does not prove the given leaves against the epoch's validator-set root.
    error CertificateInvalidMembershipProof();
    /// @notice An ECDSA signature does not recover to an address.
    error CertificateInvalidEcdsaSignature(uint256 position);
    /// @notice The aggregate BLS signature does not verify.
    error CertificateInvalidBlsSignature();
    /// @notice The aggregate key sent does not hash to the epoch's stored aggregate key hash.
    error CertificateAggregateKeyMismatch(bytes32 sent, bytes32 expected);
    /// @notice The epoch has no validator stake.
    error CertificateEmptyValidatorSet(uint64 epoch);
    /// @notice The certificate carries no signatures.
    error CertificateNoSigners();
}
