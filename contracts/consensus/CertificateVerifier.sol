// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {BLS12381} from "../crypto/BLS12381.sol";
import {ICertificateErrors} from "../interfaces/ICertificateErrors.sol";
import {ICheckpointTypes} from "../interfaces/ICheckpointTypes.sol";

/// @title Quorum-certificate verification against a frozen validator set
/// @notice Pure verification, independent of storage: given the digest validators signed and the set's
/// commitments (Merkle root, total stake, aggregate BLS key hash), checks that validators holding more than two
/// thirds of the stake signed, and returns the signed stake. Two kinds:
/// - ECDSA: one EIP-2098 signature per signer; signers are recovered, their leaves proven with one multiproof.
/// - BLS12-381: one aggregate G1 signature; the set's aggregate G2 key minus the non-signers' keys must verify it
///   (one pairing check of two pairs, whatever the set size); non-signers are proven with one multiproof.
/// Leaves are OpenZeppelin StandardMerkleTree leaves of `(uint256 index, address signer, bytes32 blsPubkeyHash,
/// uint256 stake)`. Indices are unique in a set (0..count-1), so a bitmap over indices rejects repeats.
library CertificateVerifier {
    /// @notice EIP-712 type of a checkpoint header.
    bytes32 internal constant HEADER_TYPEHASH = keccak256(
        "Header(uint256 chainId,uint64 epoch,uint64 height,bytes32 parentHash,bytes32 porRoot,bytes32 taskRoot,"
        "bytes32 livenessRoot,bytes32 rewardsRoot,uint256 totalRewards,bytes32 faultsRoot)"
    );
    /// @notice EIP-712 type of a consensus vote; `valueHash` is the header's struct hash (zero for nil).
    bytes32 internal constant VOTE_TYPEHASH = keccak256(
        "Vote(uint8 voteType,uint64 epoch,uint64 height,uint32 round,bytes32 valueHash)"
    );
    uint8 internal constant PREVOTE = 1;
    uint8 internal constant PRECOMMIT = 2;
    /// @notice Bitmaps of signers are one word: a set has at most 256 members.
    uint256 internal constant MAX_SET_SIZE = 256;

    /// @notice EIP-712 struct hash of a header.
    /// @param h the header
    /// @return hash keccak256(abi.encode(HEADER_TYPEHASH, h))
    function hashHeader(ICheckpointTypes.Header calldata h) internal pure returns (bytes32 hash) {
        bytes32 typehash = HEADER_TYPEHASH;
        assembly ("memory-safe") {
            // The header is 10 static words in calldata: hash typehash || header without an abi.encode copy.
            let ptr := mload(0x40)
            mstore(ptr, typehash)
            calldatacopy(add(ptr, 0x20), h, 0x140)
            hash := keccak256(ptr, 0x160)
        }
    }

    /// @notice EIP-712 struct hash of a vote.
    /// @return hash the struct hash (to be wrapped in the verifying contract's domain)
    function hashVote(
        uint8 voteType,
        uint64 epoch,
        uint64 height,
        uint32 round,
        bytes32 valueHash
    ) internal pure returns (bytes32 hash) {
        return keccak256(abi.encode(VOTE_TYPEHASH, voteType, epoch, height, round, valueHash));
    }

    /// @notice The leaf of a validator in the set's StandardMerkleTree (double keccak of the ABI encoding).
    /// @return leaf the leaf hash
    function validatorLeaf(
        uint256 index,
        address signer,
        bytes32 blsPubkeyHash,
        uint256 stake
    ) internal pure returns (bytes32 leaf) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, index)
            mstore(add(ptr, 0x20), signer)
            mstore(add(ptr, 0x40), blsPubkeyHash)
            mstore(add(ptr, 0x60), stake)
            mstore(0x00, keccak256(ptr, 0x80))
            leaf := keccak256(0x00, 0x20)
        }
    }

    /// @notice Reverts unless `signedStake` is more than two thirds of `totalStake`.
    function requireQuorum(uint256 signedStake, uint256 totalStake) internal pure {
        // Strictly more than 2/3: exactly two thirds is not enough.
        if (signedStake * 3 <= totalStake * 2) {
            revert ICertificateErrors.CertificateQuorumNotReached(signedStake, (totalStake * 2) / 3 + 1);
        }
    }

    /// @notice Verifies an ECDSA certificate over `digest`.
    /// @param digest the EIP-712 digest of the precommit vote
    /// @param cert the signatures, signer leaves and multiproof
    /// @param root the epoch's validator-set root
    /// @param totalStake the epoch's total stake
    /// @return signedStake the stake of the signers
    function verifyEcdsa(
        bytes32 digest,
        ICheckpointTypes.EcdsaCertificate calldata cert,
        bytes32 root,
        uint256 totalStake
    ) internal pure returns (uint256 signedStake) {
        uint256 n = cert.votes.length;
        if (n == 0) revert ICertificateErrors.CertificateNoSigners();
        bytes32[] memory leaves = new bytes32[](n);
        uint256 seen;
        for (uint256 i = 0; i < n; ++i) {
            ICheckpointTypes.EcdsaVote calldata v = cert.votes[i];
            seen = _mark(seen, v.index);
            (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, v.r, v.yParityAndS);
            if (err != ECDSA.RecoverError.NoError) revert ICertificateErrors.CertificateInvalidEcdsaSignature(i);
            leaves[i] = validatorLeaf(v.index, signer, v.blsPubkeyHash, v.stake);
            signedStake += v.stake;
        }
        if (!MerkleProof.multiProofVerifyCalldata(cert.proof, cert.proofFlags, root, leaves)) {
            revert ICertificateErrors.CertificateInvalidMembershipProof();
        }
        requireQuorum(signedStake, totalStake);
    }

    /// @notice Verifies a BLS certificate over `digest`.
    /// @param digest the EIP-712 digest of the precommit vote (the 32 bytes are the BLS message)
    /// @param cert aggregate signature, the set's aggregate key, non-signers and their multiproof
    /// @param root the epoch's validator-set root
    /// @param totalStake the epoch's total stake
    /// @param aggregatePubkeyHash keccak256 of the set's aggregate key
    /// @return signedStake the stake of the signers
    function verifyBls(
        bytes32 digest,
        ICheckpointTypes.BlsCertificate calldata cert,
        bytes32 root,
        uint256 totalStake,
        bytes32 aggregatePubkeyHash
    ) internal view returns (uint256 signedStake) {
        bytes32 sentHash = keccak256(cert.aggregatePubkey);
        if (sentHash != aggregatePubkeyHash) {
            revert ICertificateErrors.CertificateAggregateKeyMismatch(sentHash, aggregatePubkeyHash);
        }
        bytes memory key = cert.aggregatePubkey;
        uint256 n = cert.nonSigners.length;
        uint256 missingStake;
        if (n > 0) {
            bytes32[] memory leaves = new bytes32[](n);
            uint256 seen;
            bytes memory nonSignerSum;
            for (uint256 i = 0; i < n; ++i) {
                ICheckpointTypes.NonSigner calldata ns = cert.nonSigners[i];
                seen = _mark(seen, ns.index);
                leaves[i] = validatorLeaf(ns.index, ns.signer, keccak256(ns.blsPubkey), ns.stake);
                missingStake += ns.stake;
                nonSignerSum = i == 0 ? ns.blsPubkey : BLS12381.addG2(nonSignerSum, ns.blsPubkey);
            }
            if (!MerkleProof.multiProofVerifyCalldata(cert.proof, cert.proofFlags, root, leaves)) {
                revert ICertificateErrors.CertificateInvalidMembershipProof();
            }
            // One negation and one addition, whatever the number of non-signers.
            key = BLS12381.addG2(key, BLS12381.negateG2(nonSignerSum));
        }
        signedStake = totalStake - missingStake;
        requireQuorum(signedStake, totalStake);
        if (!BLS12381.verify(key, cert.aggregateSignature, abi.encodePacked(digest), BLS12381.SIG_DST)) {
            revert ICertificateErrors.CertificateInvalidBlsSignature();
        }
    }

    function _mark(uint256 seen, uint256 index) private pure returns (uint256) {
        if (index >= MAX_SET_SIZE) revert ICertificateErrors.CertificateIndexOutOfRange(index);
        uint256 bit = 1 << index;
        if (seen & bit != 0) revert ICertificateErrors.CertificateDuplicateValidator(index);
        return seen | bit;
    }
}
