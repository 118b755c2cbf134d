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

    /// @notice What an operator proved in an epoch (a porRoot leaf): the per-measure median of its verifiers' signed
    /// reports (docs/por.md), with the round-trip latency to its verifiers and its uptime in the epoch.
    /// @dev Only ever passed in calldata: packing is moot.
    // solhint-disable-next-line gas-struct-packing
    struct ProvenResources {
        uint32 cpuCores;
        uint32 bandwidthMbps;
        uint64 memoryMiB;
        uint64 storageGiB;
        /// @dev median round-trip time to the verifiers, in microseconds
        uint32 latencyUs;
        /// @dev share of the epoch the operator was up, in basis points (0..10,000): heights signed for validators,
        /// heartbeats answered for every operator
        uint32 uptimeBps;
    }

    /// @notice A member of an epoch's validator set, as committed in its signers tree.
    struct ValidatorLeaf {
        uint256 index;
        address signer;
        uint256 stake;
    }

    /// @notice A quorum certificate of ECDSA precommits, with a multiproof of the signers' leaves.
    /// @dev `votes` packs one 77-byte record per signer, in the leaf order the multiproof expects (as
    /// `StandardMerkleTree.getMultiProof` of the set's signers tree returns): uint8 index | uint96 stake | bytes32 r |
    /// bytes32 yParityAndS (EIP-2098). The signer is recovered, not sent. The multiproof proves the signers-tree
    /// leaves (index, signer, stake) against the set root: the signers tree's multiproof, then the keys tree's root
    /// (one last step). Bit i of `proofFlags` is the multiproof's flag i. Layouts and rationale: docs/certificates.md.
    struct EcdsaCertificate {
        uint32 round;
        bytes votes;
        bytes32[] proof;
        uint256 proofFlags;
    }

    /// @notice A BLS quorum certificate: one aggregate signature over the precommit digest.
    /// @dev Points are compact EIP-2537 encodings (each field element as its 48 bytes, without the 16 zero bytes of
    /// padding): `aggregateSignature` G1, 96 bytes; `aggregatePubkey` G2, 192 bytes, the whole set's key (the hash of
    /// its 256-byte EIP-2537 form is stored). `nonSigners` packs one 205-byte record per non-signer, in multiproof
    /// order: uint8 index | uint96 stake | compact G2 key (192 bytes). Their keys are subtracted
    /// from the aggregate key and their keys-tree leaves (index, keccak256(key), stake) proven against the set root with one
    /// multiproof (the keys tree's, then the signers tree's root) (`proof`, flag i =
    /// bit i of `proofFlags`; empty and zero when everyone signed).
    struct BlsCertificate {
        uint32 round;
        bytes aggregateSignature;
        bytes aggregatePubkey;
        bytes nonSigners;
        bytes32[] proof;
        uint256 proofFlags;
    }
}
