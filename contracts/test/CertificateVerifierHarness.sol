// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {CertificateVerifier} from "../consensus/CertificateVerifier.sol";
import {BitmapMultiProof} from "../consensus/lib/BitmapMultiProof.sol";
import {IBLS12381Errors} from "../interfaces/IBLS12381Errors.sol";
import {ICertificateErrors} from "../interfaces/ICertificateErrors.sol";
import {ICheckpointTypes} from "../interfaces/ICheckpointTypes.sol";

/// @dev Test harness: the certificate library called directly with explicit set commitments.
/// The `measure*` variants are transactions, so benchmarks read their gas from receipts.
contract CertificateVerifierHarness is ICheckpointTypes, ICertificateErrors, IBLS12381Errors {
    event Verified(uint256 signedStake, uint256 gasUsed);

    function verifyEcdsa(
        bytes32 digest,
        EcdsaCertificate calldata cert,
        bytes32 root,
        uint256 totalStake
    ) external view returns (uint256) {
        return CertificateVerifier.verifyEcdsa(digest, cert, root, totalStake);
    }

    function verifyBls(
        bytes32 digest,
        BlsCertificate calldata cert,
        bytes32 root,
        uint256 totalStake,
        bytes32 aggregatePubkeyHash
    ) external view returns (uint256) {
        return CertificateVerifier.verifyBls(digest, cert, root, totalStake, aggregatePubkeyHash);
    }

    function measureEcdsa(bytes32 digest, EcdsaCertificate calldata cert, bytes32 root, uint256 totalStake) external {
        uint256 before = gasleft();
        uint256 signed = CertificateVerifier.verifyEcdsa(digest, cert, root, totalStake);
        emit Verified(signed, before - gasleft());
    }

    function measureBls(
        bytes32 digest,
        BlsCertificate calldata cert,
        bytes32 root,
        uint256 totalStake,
        bytes32 aggregatePubkeyHash
    ) external {
        uint256 before = gasleft();
        uint256 signed = CertificateVerifier.verifyBls(digest, cert, root, totalStake, aggregatePubkeyHash);
        emit Verified(signed, before - gasleft());
    }

    /// @dev BitmapMultiProof over leaves given as an array (copied into a queue of the size it needs).
    function processMultiProof(
        bytes32[] calldata leaves,
        bytes32[] calldata proof,
        uint256 flags
    ) external pure returns (bytes32 root, bool valid) {
        uint256 words = BitmapMultiProof.queueWords(leaves.length, proof.length);
        bytes32[] memory queue = new bytes32[](words);
        uint256 ptr;
        assembly ("memory-safe") {
            ptr := add(queue, 0x20)
            calldatacopy(ptr, leaves.offset, shl(5, leaves.length))
        }
        return BitmapMultiProof.processMultiProof(ptr, leaves.length, proof, flags);
    }

    function gasOfMultiProof(
        bytes32[] calldata leaves,
        bytes32[] calldata proof,
        uint256 flags
    ) external view returns (uint256 gasUsed, bool valid) {
        uint256 words = BitmapMultiProof.queueWords(leaves.length, proof.length);
        bytes32[] memory queue = new bytes32[](words);
        uint256 ptr;
        assembly ("memory-safe") {
            ptr := add(queue, 0x20)
            calldatacopy(ptr, leaves.offset, shl(5, leaves.length))
        }
        uint256 before = gasleft();
        (, valid) = BitmapMultiProof.processMultiProof(ptr, leaves.length, proof, flags);
        gasUsed = before - gasleft();
    }

    /// @dev OpenZeppelin's multiproof over the same input, for the bench's comparison.
    function gasOfOpenZeppelinMultiProof(
        bytes32[] calldata leaves,
        bytes32[] calldata proof,
        bool[] calldata flags
    ) external view returns (uint256 gasUsed, bytes32 root) {
        bytes32[] memory copy = leaves;
        uint256 before = gasleft();
        root = MerkleProof.processMultiProofCalldata(proof, flags, copy);
        gasUsed = before - gasleft();
    }

    function hashHeader(Header calldata header) external pure returns (bytes32) {
        return CertificateVerifier.hashHeader(header);
    }
}
