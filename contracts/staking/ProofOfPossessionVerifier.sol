// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BLS12381} from "../crypto/BLS12381.sol";
import {IProofOfPossessionVerifier} from "../interfaces/IProofOfPossessionVerifier.sol";

/// @title Stateless BLS proof-of-possession checker, created by the staking contract
/// @notice Holds the BLS12-381 hash-to-curve and pairing code (BLS12381) outside `Staking`, which calls it once
/// per key registration or rotation: `Staking` stays under the 24 KB contract size limit (EIP-170) without a
/// linked library. Pure computation, no storage, no owner.
contract ProofOfPossessionVerifier is IProofOfPossessionVerifier {
    /// @inheritdoc IProofOfPossessionVerifier
    function verifyProofOfPossession(
        bytes calldata blsPubkey,
        bytes calldata proof,
        address operator
    ) external view returns (bool valid) {
        return BLS12381.verifyProofOfPossession(blsPubkey, proof, operator);
    }
}
