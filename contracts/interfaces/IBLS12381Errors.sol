// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Errors of the BLS12-381 signature library (`contracts/crypto/BLS12381.sol`)
/// @notice Contracts that use the library inherit this interface so that its errors appear in their ABI.
interface IBLS12381Errors {
    /// @notice A point has the wrong byte length for its group (EIP-2537: G1 = 128 bytes, G2 = 256 bytes).
    error BLSInvalidPointLength(uint256 length, uint256 expected);
    /// @notice A signature or public key is the point at infinity (the all-zero encoding).
    /// @dev The precompiles accept it, and an all-zero signature with an all-zero key passes a pairing check.
    error BLSPointAtInfinity();
    /// @notice A precompile call failed or returned the wrong amount of data.
    /// @dev Invalid input (a coordinate >= p, a point off the curve or outside the subgroup) fails the call;
    /// so does a chain without the EIP-2537 precompiles (before Prague) or too little gas.
    error BLSPrecompileFailed(address precompile);
    /// @notice A pairing-check input is empty or not a whole number of 384-byte (G1, G2) pairs.
    error BLSInvalidPairingInputLength(uint256 length);
    /// @notice A coordinate to negate is not a canonical field element (it is >= p).
    error BLSFieldElementNotCanonical();
    /// @notice An empty domain separation tag: RFC 9380 section 3.1 requires a nonzero length.
    error BLSEmptyDomainTag();
    /// @notice A packed list of points is empty or not a whole number of points.
    error BLSInvalidPackedPointsLength(uint256 length, uint256 pointLength);
}
