// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Types of certified checkpoints, shared by the store, the verifier and their users
interface ICheckpointTypes {
    /// @notice A checkpoint header, decided by the keepers' BFT consensus (DESIGN.md §1).
    /// Its EIP-712 struct hash is the value validators vote on.
    struct Header {
        uint256 chainId;
        uint64 epoch;
        uint64 height;
        bytes32 parentHash;
        bytes32 porRoot;
        bytes32 taskRoot;
        bytes32 livenessRoot;
        bytes32 rewardsRoot;
        uint256 totalRewards;
        bytes32 faultsRoot;
    }

    /// @notice A member of an epoch's validator set, as committed in its Merkle root.
    struct ValidatorLeaf {
        uint256 index;
        address signer;
        bytes32 blsPubkeyHash;
        uint256 stake;
    }

    /// @notice One ECDSA precommit of a certificate. The signer is recovered, not sent.
    struct EcdsaVote {
        uint256 index;
        bytes32 blsPubkeyHash;
        uint256 stake;
        /// @dev EIP-2098 compact signature
        bytes32 r;
        bytes32 yParityAndS;
    }

    /// @notice A quorum certificate of ECDSA precommits, with a multiproof of the signers' leaves.
    /// @dev `votes` are in the leaf order the multiproof expects (as `StandardMerkleTree.getMultiProof` returns).
    struct EcdsaCertificate {
        uint32 round;
        EcdsaVote[] votes;
        bytes32[] proof;
        bool[] proofFlags;
    }

    /// @notice A non-signer of a BLS certificate: its leaf and full public key (to subtract it).
    struct NonSigner {
        uint256 index;
        address signer;
        uint256 stake;
        bytes blsPubkey;
    }

    /// @notice A BLS quorum certificate: one aggregate signature over the precommit digest.
    /// @dev The aggregate key of the whole set is sent (its hash is stored); non-signers' keys are subtracted
    /// and their leaves proven against the set root with one multiproof (`nonSigners` in multiproof order).
    struct BlsCertificate {
        uint32 round;
        bytes aggregateSignature;
        bytes aggregatePubkey;
        NonSigner[] nonSigners;
        bytes32[] proof;
        bool[] proofFlags;
    }
}
