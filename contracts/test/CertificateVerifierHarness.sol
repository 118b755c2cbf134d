// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {CertificateVerifier} from "../consensus/CertificateVerifier.sol";
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
    ) external pure returns (uint256) {
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

    function hashHeader(Header calldata header) external pure returns (bytes32) {
        return CertificateVerifier.hashHeader(header);
    }
}
