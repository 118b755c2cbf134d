// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BLS12381} from "../crypto/BLS12381.sol";
import {IBLS12381Errors} from "../interfaces/IBLS12381Errors.sol";

// The harness mirrors the library's `bytes memory` API; calldata parameters would only move the copy to memory
// into the library call (and into the `*Gas` measurements).
// solhint-disable gas-calldata-parameters

/// @title Test harness exposing the BLS12381 library as external functions
/// @notice For tests and gas benches only; the `*Gas` variants also return the gas used inside the library call
/// (measured with gasleft(), so without the transaction base cost, calldata and ABI decoding).
contract BLS12381Harness is IBLS12381Errors {
    /// @notice The signature domain tag.
    /// @return dst SIG_DST
    function sigDst() external pure returns (bytes memory dst) {
        return BLS12381.SIG_DST;
    }

    /// @notice The proof-of-possession domain tag.
    /// @return dst POP_DST
    function popDst() external pure returns (bytes memory dst) {
        return BLS12381.POP_DST;
    }

    /// @notice BLS12381.hashToG1.
    /// @param message the message
    /// @param dst the domain tag
    /// @return point H(message)
    function hashToG1(bytes memory message, bytes memory dst) external view returns (bytes memory point) {
        return BLS12381.hashToG1(message, dst);
    }

    /// @notice BLS12381.expandMessageXmd.
    /// @param message the message
    /// @param dst the domain tag
    /// @return uniform the 128 uniform bytes
    function expandMessageXmd(bytes memory message, bytes memory dst) external view returns (bytes memory uniform) {
        return BLS12381.expandMessageXmd(message, dst);
    }

    /// @notice BLS12381.mapFpToG1.
    /// @param fp a 64-byte field element
    /// @return point the mapped G1 point
    function mapFpToG1(bytes memory fp) external view returns (bytes memory point) {
        return BLS12381.mapFpToG1(fp);
    }

    /// @notice BLS12381.verify.
    /// @param pubkeyG2 the key
    /// @param signatureG1 the signature
    /// @param message the message
    /// @param dst the domain tag
    /// @return valid whether the signature is valid
    function verify(
        bytes memory pubkeyG2,
        bytes memory signatureG1,
        bytes memory message,
        bytes memory dst
    ) external view returns (bool valid) {
        return BLS12381.verify(pubkeyG2, signatureG1, message, dst);
    }

    /// @notice BLS12381.verifyProofOfPossession.
    /// @param pubkeyG2 the key
    /// @param popG1 the proof
    /// @param operator the operator the proof names
    /// @return valid whether the proof is valid
    function verifyProofOfPossession(
        bytes memory pubkeyG2,
        bytes memory popG1,
        address operator
    ) external view returns (bool valid) {
        return BLS12381.verifyProofOfPossession(pubkeyG2, popG1, operator);
    }

    /// @notice BLS12381.popMessage.
    /// @param pubkeyG2 the key
    /// @param operator the registering operator
    /// @return message what a proof of possession signs
    function popMessage(bytes memory pubkeyG2, address operator) external pure returns (bytes memory message) {
        return BLS12381.popMessage(pubkeyG2, operator);
    }

    /// @notice Aggregate verification of one message: sums the packed keys, then verifies the aggregate signature.
    /// @param packedPubkeysG2 n * 256 bytes, keys already proven by proof of possession
    /// @param aggregateSignatureG1 the sum of the n signatures
    /// @param message the message all n signed
    /// @return valid whether the aggregate signature is valid
    function verifyAggregate(
        bytes calldata packedPubkeysG2,
        bytes memory aggregateSignatureG1,
        bytes memory message
    ) external view returns (bool valid) {
        return _verifyAggregate(packedPubkeysG2, aggregateSignatureG1, message);
    }

    /// @notice BLS12381.pairingCheck.
    /// @param input concatenated (G1, G2) pairs
    /// @return ok whether the product of pairings is 1
    function pairingCheck(bytes memory input) external view returns (bool ok) {
        return BLS12381.pairingCheck(input);
    }

    /// @notice BLS12381.addG1.
    /// @param a a G1 point
    /// @param b a G1 point
    /// @return sum a + b
    function addG1(bytes memory a, bytes memory b) external view returns (bytes memory sum) {
        return BLS12381.addG1(a, b);
    }

    /// @notice BLS12381.addG2.
    /// @param a a G2 point
    /// @param b a G2 point
    /// @return sum a + b
    function addG2(bytes memory a, bytes memory b) external view returns (bytes memory sum) {
        return BLS12381.addG2(a, b);
    }

    /// @notice BLS12381.sumG1.
    /// @param packed n G1 points
    /// @return sum their sum
    function sumG1(bytes memory packed) external view returns (bytes memory sum) {
        return BLS12381.sumG1(packed);
    }

    /// @notice BLS12381.sumG2.
    /// @param packed n G2 points
    /// @return sum their sum
    function sumG2(bytes memory packed) external view returns (bytes memory sum) {
        return BLS12381.sumG2(packed);
    }

    /// @notice BLS12381.sumG2Calldata.
    /// @param packed n G2 points
    /// @return sum their sum
    function sumG2Calldata(bytes calldata packed) external view returns (bytes memory sum) {
        return BLS12381.sumG2Calldata(packed);
    }

    /// @notice BLS12381.negateG1.
    /// @param point a G1 point
    /// @return negated -point
    function negateG1(bytes memory point) external pure returns (bytes memory negated) {
        return BLS12381.negateG1(point);
    }

    /// @notice BLS12381.negateG2.
    /// @param point a G2 point
    /// @return negated -point
    function negateG2(bytes memory point) external pure returns (bytes memory negated) {
        return BLS12381.negateG2(point);
    }

    /// @notice BLS12381.isInfinity.
    /// @param point an encoding
    /// @return infinity whether all bytes are zero
    function isInfinity(bytes memory point) external pure returns (bool infinity) {
        return BLS12381.isInfinity(point);
    }

    /// @notice hashToG1 and the gas used inside the library call.
    /// @param message the message
    /// @param dst the domain tag
    /// @return point H(message)
    /// @return gasUsed gas of the library call
    function hashToG1Gas(
        bytes memory message,
        bytes memory dst
    ) external view returns (bytes memory point, uint256 gasUsed) {
        uint256 before = gasleft();
        point = BLS12381.hashToG1(message, dst);
        gasUsed = before - gasleft();
    }

    /// @notice verify and the gas used inside the library call.
    /// @param pubkeyG2 the key
    /// @param signatureG1 the signature
    /// @param message the message
    /// @param dst the domain tag
    /// @return valid whether the signature is valid
    /// @return gasUsed gas of the library call
    function verifyGas(
        bytes memory pubkeyG2,
        bytes memory signatureG1,
        bytes memory message,
        bytes memory dst
    ) external view returns (bool valid, uint256 gasUsed) {
        uint256 before = gasleft();
        valid = BLS12381.verify(pubkeyG2, signatureG1, message, dst);
        gasUsed = before - gasleft();
    }

    /// @notice verifyProofOfPossession and the gas used inside the library call.
    /// @param pubkeyG2 the key
    /// @param popG1 the proof
    /// @param operator the operator the proof names
    /// @return valid whether the proof is valid
    /// @return gasUsed gas of the library call
    function verifyProofOfPossessionGas(
        bytes memory pubkeyG2,
        bytes memory popG1,
        address operator
    ) external view returns (bool valid, uint256 gasUsed) {
        uint256 before = gasleft();
        valid = BLS12381.verifyProofOfPossession(pubkeyG2, popG1, operator);
        gasUsed = before - gasleft();
    }

    /// @notice verifyAggregate and the gas used by it (key summation from calldata + verify).
    /// @param packedPubkeysG2 n * 256 bytes
    /// @param aggregateSignatureG1 the aggregate signature
    /// @param message the message
    /// @return valid whether the aggregate signature is valid
    /// @return gasUsed gas of the summation and verification
    function verifyAggregateGas(
        bytes calldata packedPubkeysG2,
        bytes memory aggregateSignatureG1,
        bytes memory message
    ) external view returns (bool valid, uint256 gasUsed) {
        uint256 before = gasleft();
        valid = _verifyAggregate(packedPubkeysG2, aggregateSignatureG1, message);
        gasUsed = before - gasleft();
    }

    function _verifyAggregate(
        bytes calldata packedPubkeysG2,
        bytes memory aggregateSignatureG1,
        bytes memory message
    ) private view returns (bool) {
        bytes memory aggregateKey = BLS12381.sumG2Calldata(packedPubkeysG2);
        return BLS12381.verify(aggregateKey, aggregateSignatureG1, message, BLS12381.SIG_DST);
    }
}
