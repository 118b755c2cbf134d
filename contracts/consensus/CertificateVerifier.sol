// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BLS12381} from "../crypto/BLS12381.sol";
import {IBLS12381Errors} from "../interfaces/IBLS12381Errors.sol";
import {ICertificateErrors} from "../interfaces/ICertificateErrors.sol";
import {ICheckpointTypes} from "../interfaces/ICheckpointTypes.sol";
import {BitmapMultiProof} from "./lib/BitmapMultiProof.sol";
import {CompactBls} from "./lib/CompactBls.sol";

/// @title Quorum-certificate verification against a frozen validator set
/// @notice Pure verification, independent of storage: given the digest validators signed and the set's
/// commitments (Merkle root, total stake, aggregate BLS key hash), checks that validators holding more than two
/// thirds of the stake signed, and returns the signed stake. Two kinds:
/// - ECDSA: one EIP-2098 signature per signer; signers are recovered, their leaves proven with one multiproof.
/// - BLS12-381: one aggregate G1 signature; the set's aggregate G2 key minus the non-signers' keys must verify it
///   (one pairing check of two pairs, whatever the set size); non-signers are proven with one multiproof.
/// The set root commits two StandardMerkleTrees (ValidatorSetMerkle): ECDSA proves signers-tree leaves `(uint256 index,
/// address signer, uint256 stake)`, BLS proves keys-tree leaves `(uint256 index, bytes32 blsPubkeyHash, uint256
/// stake)`, each multiproof ending with the other tree's root. Indices are unique in a set (0..count-1, count <= 256),
/// so a one-word bitmap rejects repeats.
/// Encodings (docs/certificates.md): votes and non-signers are packed records in one `bytes` each, points are
/// compact EIP-2537 (48-byte field elements), multiproof flags are the bits of one word (BitmapMultiProof).
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
    /// @notice Bitmaps of signers are one word: a set has at most 256 members (indices fit a uint8).
    uint256 internal constant MAX_SET_SIZE = 256;

    /// @notice One packed ECDSA vote: uint8 index | uint96 stake | bytes32 r | bytes32 vs.
    /// @dev A stake is OPEN wei, at most the fixed supply of 1e27 < 2^96 (7.9e28).
    uint256 internal constant ECDSA_VOTE_LENGTH = 77;
    /// @notice One packed non-signer: uint8 index | uint96 stake | compact G2 key (192 bytes).
    uint256 internal constant NON_SIGNER_LENGTH = 205;

    /// @dev secp256k1n / 2: a larger s is the malleable twin of a valid signature (rejected, as OpenZeppelin does).
    uint256 private constant SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    /// @dev Gas forwarded to ECRECOVER (price 3,000) and G2ADD (price 600): twice the price.
    uint256 private constant ECRECOVER_GAS_CAP = 6_000;
    uint256 private constant G2ADD_GAS_CAP = 1_200;

    // Scratch memory of an ECDSA verification: ECRECOVER input (digest, v, r, s), a leaf preimage, then the queue.
    uint256 private constant ECDSA_LEAF_PREIMAGE = 0x80;
    uint256 private constant ECDSA_QUEUE = 0x100;
    // Memory of a BLS verification, laid out as the pairing input (sig | G2 | H(m) | -key) with the accumulator of
    // G2ADD and the next key side by side (the multiproof queue is allocated after it). The signature slot is the
    // leaf preimage scratch until the signature is written.
    uint256 private constant BLS_SIGNATURE = 0x000;
    uint256 private constant BLS_MESSAGE_POINT = 0x180;
    uint256 private constant BLS_ACCUMULATOR = 0x200;
    uint256 private constant BLS_BUFFER_LENGTH = 0x400;

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

    /// @notice Reverts unless `signedStake` is more than two thirds of `totalStake`.
    function requireQuorum(uint256 signedStake, uint256 totalStake) internal pure {
        // Strictly more than 2/3: exactly two thirds is not enough.
        if (signedStake * 3 <= totalStake * 2) {
            revert ICertificateErrors.CertificateQuorumNotReached(signedStake, (totalStake * 2) / 3 + 1);
        }
    }

    /// @notice Verifies an ECDSA certificate over `digest`.
    /// @param digest the EIP-712 digest of the precommit vote
    /// @param cert packed votes (in multiproof order), the multiproof of the signers' leaves and its flag bits
    /// @param root the epoch's validator-set root
    /// @param totalStake the epoch's total stake
    /// @return signedStake the stake of the signers
    function verifyEcdsa(
        bytes32 digest,
        ICheckpointTypes.EcdsaCertificate calldata cert,
        bytes32 root,
        uint256 totalStake
    ) internal view returns (uint256 signedStake) {
        bytes calldata votes = cert.votes;
        if (votes.length == 0) revert ICertificateErrors.CertificateNoSigners();
        if (votes.length % ECDSA_VOTE_LENGTH != 0) {
            revert ICertificateErrors.CertificateInvalidPackedLength(votes.length, ECDSA_VOTE_LENGTH);
        }
        uint256 count = votes.length / ECDSA_VOTE_LENGTH;
        bytes32[] calldata proof = cert.proof;
        uint256 buffer = _allocate(ECDSA_QUEUE + 32 * BitmapMultiProof.queueWords(count, proof.length));
        signedStake = _recoverSigners(digest, votes, buffer);
        _requireMembership(buffer + ECDSA_QUEUE, count, proof, cert.proofFlags, root);
        requireQuorum(signedStake, totalStake);
    }

    /// @notice Verifies a BLS certificate over `digest`.
    /// @dev Checks, cheapest first: lengths, no point at infinity, the aggregate key against its stored hash, the
    /// non-signers (unique, proven leaves; their keys hash to their leaves' key hashes), the quorum, then one pairing
    /// check e(sig, -G2) * e(H(digest), aggregate - sum(non-signer keys)) == 1.
    /// @param digest the EIP-712 digest of the precommit vote (the 32 bytes are the BLS message)
    /// @param cert aggregate signature, the set's aggregate key, packed non-signers and their multiproof
    /// @param root the epoch's validator-set root
    /// @param totalStake the epoch's total stake
    /// @param aggregatePubkeyHash keccak256 of the set's aggregate key (256-byte EIP-2537 form)
    /// @return signedStake the stake of the signers
    function verifyBls(
        bytes32 digest,
        ICheckpointTypes.BlsCertificate calldata cert,
        bytes32 root,
        uint256 totalStake,
        bytes32 aggregatePubkeyHash
    ) internal view returns (uint256 signedStake) {
        // Each calldata field is read once: a dynamic member access costs a bounds-checked offset decoding.
        bytes calldata signature = cert.aggregateSignature;
        uint256 buffer = _loadAggregateKey(signature, cert.aggregatePubkey, aggregatePubkeyHash);
        (uint256 missingStake, bool negated) = _subtractNonSigners(
            cert.nonSigners,
            cert.proof,
            cert.proofFlags,
            root,
            buffer
        );
        // Proven leaves of a consistent set never sum above the total; if they did, nothing is signed.
        signedStake = missingStake < totalStake ? totalStake - missingStake : 0;
        requireQuorum(signedStake, totalStake);
        _requireAggregateSignature(digest, signature, buffer, negated);
    }

    /// @dev Checks the points' lengths, that neither is infinity, and the key against the stored hash. Allocates the
    /// BLS buffer and writes the aggregate key into its accumulator.
    function _loadAggregateKey(
        bytes calldata signature,
        bytes calldata aggregateKey,
        bytes32 aggregatePubkeyHash
    ) private pure returns (uint256 buffer) {
        if (signature.length != CompactBls.G1_LENGTH) {
            revert ICertificateErrors.CertificateInvalidPointLength(signature.length, CompactBls.G1_LENGTH);
        }
        if (aggregateKey.length != CompactBls.G2_LENGTH) {
            revert ICertificateErrors.CertificateInvalidPointLength(aggregateKey.length, CompactBls.G2_LENGTH);
        }
        // An all-zero signature with an all-zero key passes the pairing: reject infinity everywhere.
        if (CompactBls.isZeroG1(signature) || CompactBls.isZeroG2(aggregateKey)) {
            revert IBLS12381Errors.BLSPointAtInfinity();
        }
        buffer = _allocate(BLS_BUFFER_LENGTH);
        uint256 accumulator = buffer + BLS_ACCUMULATOR;
        CompactBls.expandG2(accumulator, aggregateKey);
        bytes32 sentHash;
        assembly ("memory-safe") {
            sentHash := keccak256(accumulator, 0x100)
        }
        if (sentHash != aggregatePubkeyHash) {
            revert ICertificateErrors.CertificateAggregateKeyMismatch(sentHash, aggregatePubkeyHash);
        }
    }

    /// @dev With non-signers: negates the accumulator (-aggregate), adds their keys (leaving -(key of the signers):
    /// one negation whatever their number), proves their leaves, and returns their stake with `negated` true. With
    /// none, the accumulator keeps the aggregate key.
    function _subtractNonSigners(
        bytes calldata nonSigners,
        bytes32[] calldata proof,
        uint256 flags,
        bytes32 root,
        uint256 buffer
    ) private view returns (uint256 missingStake, bool negated) {
        if (nonSigners.length % NON_SIGNER_LENGTH != 0) {
            revert ICertificateErrors.CertificateInvalidPackedLength(nonSigners.length, NON_SIGNER_LENGTH);
        }
        uint256 count = nonSigners.length / NON_SIGNER_LENGTH;
        if (count == 0) {
            // Nothing to prove: only the empty proof is accepted (one encoding per certificate).
            if (proof.length != 0 || flags != 0) revert ICertificateErrors.CertificateInvalidMembershipProof();
            return (0, false);
        }
        uint256 queue = _allocate(32 * BitmapMultiProof.queueWords(count, proof.length));
        CompactBls.negateG2(buffer + BLS_ACCUMULATOR);
        missingStake = _addNonSigners(nonSigners, buffer, queue);
        _requireMembership(queue, count, proof, flags, root);
        negated = true;
    }

    /// @dev The pairing check e(sig, -G2) * e(H(m), key) == 1 with the accumulator holding the signers' key; when it
    /// holds the negated key instead, the equivalent e(sig, G2) * e(H(m), -key) == 1.
    function _requireAggregateSignature(
        bytes32 digest,
        bytes calldata signature,
        uint256 buffer,
        bool negated
    ) private view {
        // Everyone subtracted (the signers' key is infinity) would verify the infinity signature: rejected. (Without
        // non-signers the key is the aggregate, already checked.)
        if (negated && CompactBls.isInfinityG2(buffer + BLS_ACCUMULATOR)) revert IBLS12381Errors.BLSPointAtInfinity();
        CompactBls.writePairingHead(buffer, signature, !negated);
        bytes memory messagePoint = BLS12381.hashToG1(abi.encodePacked(digest), BLS12381.SIG_DST);
        assembly ("memory-safe") {
            mcopy(add(buffer, BLS_MESSAGE_POINT), add(messagePoint, 0x20), 0x80)
        }
        if (!CompactBls.pairingCheck2(buffer)) revert ICertificateErrors.CertificateInvalidBlsSignature();
    }

    /// @dev Recovers each vote's signer, writes its leaf into the queue at `buffer + ECDSA_QUEUE`, and sums the stake
    /// (at most 256 stakes below 2^96: no overflow). Reverts on a repeated index or a signature that does not recover
    /// (or has a high s). As everywhere here, returndatasize() is read in its own statement after a call: Yul evaluates
    /// arguments right to left.
    function _recoverSigners(
        bytes32 digest,
        bytes calldata votes,
        uint256 buffer
    ) private view returns (uint256 signedStake) {
        bytes4 duplicateSelector = ICertificateErrors.CertificateDuplicateValidator.selector;
        bytes4 invalidSelector = ICertificateErrors.CertificateInvalidEcdsaSignature.selector;
        assembly ("memory-safe") {
            let preimage := add(buffer, ECDSA_LEAF_PREIMAGE)
            let leaf := add(buffer, ECDSA_QUEUE)
            mstore(buffer, digest)
            let seen := 0
            let end := add(votes.offset, votes.length)
            for {
                let p := votes.offset
            } lt(p, end) {
                p := add(p, ECDSA_VOTE_LENGTH)
            } {
                let index := shr(248, calldataload(p))
                let bit := shl(index, 1)
                if and(seen, bit) {
                    mstore(0x00, duplicateSelector)
                    mstore(0x04, index)
                    revert(0x00, 0x24)
                }
                seen := or(seen, bit)
                // EIP-2098: the top bit of vs is the y parity, the rest is s.
                let vs := calldataload(add(p, 0x2d))
                let s := shr(1, shl(1, vs))
                mstore(add(buffer, 0x20), add(27, shr(255, vs)))
                mstore(add(buffer, 0x40), calldataload(add(p, 0x0d)))
                mstore(add(buffer, 0x60), s)
                // ECRECOVER writes the signer straight into the leaf preimage; for a signature that does not
                // recover it returns no data (and writes nothing: the slot may hold the previous signer).
                let ok := staticcall(ECRECOVER_GAS_CAP, 0x01, buffer, 0x80, add(preimage, 0x20), 0x20)
                ok := and(ok, eq(returndatasize(), 0x20))
                if iszero(and(ok, iszero(gt(s, SECP256K1_HALF_N)))) {
                    mstore(0x00, invalidSelector)
                    mstore(0x04, div(sub(p, votes.offset), ECDSA_VOTE_LENGTH))
                    revert(0x00, 0x24)
                }
                let stake := shr(160, calldataload(add(p, 0x01)))
                mstore(preimage, index)
                mstore(add(preimage, 0x40), stake)
                mstore(0x00, keccak256(preimage, 0x60))
                mstore(leaf, keccak256(0x00, 0x20))
                leaf := add(leaf, 0x20)
                signedStake := add(signedStake, stake)
            }
        }
    }

    /// @dev For each non-signer: checks its index is new, writes its key (EIP-2537 form) next to the accumulator,
    /// hashes it into the non-signer's leaf (queued at `queue`), adds it to the accumulator (G2ADD) and
    /// sums the stake. The keys are authenticated by the multiproof the caller checks next. The key slot holds each key
    /// in EIP-2537 form, every element after 16 zero bytes: only the 48 value bytes are copied per key, so the padding
    /// is zeroed once (nothing else writes the slot). Record layout: index at p, stake at p + 1, the compact key
    /// (4 x 48 bytes) at p + 13.
    function _addNonSigners(
        bytes calldata nonSigners,
        uint256 buffer,
        uint256 queue
    ) private view returns (uint256 missingStake) {
        bytes4 duplicateSelector = ICertificateErrors.CertificateDuplicateValidator.selector;
        CompactBls.zeroG2Padding(buffer + BLS_ACCUMULATOR + 0x100);
        assembly ("memory-safe") {
            let preimage := add(buffer, BLS_SIGNATURE)
            let accumulator := add(buffer, BLS_ACCUMULATOR)
            let key := add(accumulator, 0x100)
            let seen := 0
            let end := add(nonSigners.offset, nonSigners.length)
            for {
                let p := nonSigners.offset
            } lt(p, end) {
                p := add(p, NON_SIGNER_LENGTH)
            } {
                let index := shr(248, calldataload(p))
                let bit := shl(index, 1)
                if and(seen, bit) {
                    mstore(0x00, duplicateSelector)
                    mstore(0x04, index)
                    revert(0x00, 0x24)
                }
                seen := or(seen, bit)
                calldatacopy(add(key, 0x10), add(p, 0x0d), 0x30)
                calldatacopy(add(key, 0x50), add(p, 0x3d), 0x30)
                calldatacopy(add(key, 0x90), add(p, 0x6d), 0x30)
                calldatacopy(add(key, 0xd0), add(p, 0x9d), 0x30)
                let stake := shr(160, calldataload(add(p, 0x01)))
                mstore(preimage, index)
                mstore(add(preimage, 0x20), keccak256(key, 0x100))
                mstore(add(preimage, 0x40), stake)
                mstore(0x00, keccak256(preimage, 0x60))
                mstore(queue, keccak256(0x00, 0x20))
                queue := add(queue, 0x20)
                missingStake := add(missingStake, stake)
                // accumulator += key, in place (the precompile reads its input before writing).
                let ok := staticcall(G2ADD_GAS_CAP, 0x0d, accumulator, 0x200, accumulator, 0x100)
                ok := and(ok, eq(returndatasize(), 0x100))
                if iszero(ok) {
                    mstore(0x00, shl(224, 0xb39793a6)) // BLSPrecompileFailed(address)
                    mstore(0x04, 0x0d)
                    revert(0x00, 0x24)
                }
            }
        }
    }

    /// @dev Reverts unless the `count` leaves queued at `queue` are proven against `root`.
    function _requireMembership(
        uint256 queue,
        uint256 count,
        bytes32[] calldata proof,
        uint256 flags,
        bytes32 root
    ) private pure {
        (bytes32 rebuilt, bool wellFormed) = BitmapMultiProof.processMultiProof(queue, count, proof, flags);
        if (!wellFormed || rebuilt != root) revert ICertificateErrors.CertificateInvalidMembershipProof();
    }

    /// @dev `length` bytes of memory, not zeroed (every user writes before reading).
    function _allocate(uint256 length) private pure returns (uint256 ptr) {
        assembly ("memory-safe") {
            ptr := mload(0x40)
            mstore(0x40, add(ptr, length))
        }
    }
}
