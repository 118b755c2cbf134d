// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Checks BLS12-381 proofs of possession bound to an operator (docs/certificates.md)
interface IProofOfPossessionVerifier {
    /// @notice Whether `proof` is a signature by `blsPubkey` over `blsPubkey || operator` (20 bytes) under the
    /// proof-of-possession domain tag. Its pairing also proves the key is a valid G2 subgroup point.
    /// @dev A malformed point reverts `BLSPrecompileFailed(0x0f)` (IBLS12381Errors).
    /// @param blsPubkey the 256-byte EIP-2537 G2 key
    /// @param proof the 128-byte EIP-2537 G1 signature
    /// @param operator the operator (owner) address that registers the key
    /// @return valid whether the proof verifies
    function verifyProofOfPossession(
        bytes calldata blsPubkey,
        bytes calldata proof,
        address operator
    ) external view returns (bool valid);
}
