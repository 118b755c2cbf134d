// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Arrays} from "@openzeppelin/contracts/utils/Arrays.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @title Validator-set commitment: two StandardMerkleTrees under one root
/// @notice A set is committed as root = commutativeKeccak256(keysRoot, signersRoot), where
/// - keysRoot is the StandardMerkleTree over ["uint256", "bytes32", "uint256"] = (index, blsPubkeyHash, stake): what a
///   BLS certificate proves for its non-signers (the key is sent, the signer address is not needed);
/// - signersRoot is the StandardMerkleTree over ["uint256", "address", "uint256"] = (index, signer, stake): what an
///   ECDSA certificate and double-sign evidence prove (the signer is recovered, the key hash is not needed).
/// Each certificate thus sends only what it uses; a proof into one tree ends with the other tree's root (one more
/// proof element and hashing step per certificate, not per member). Leaf hash keccak256(bytes.concat(keccak256(
/// abi.encode(...)))), as the JS library. Each tree's root equals `StandardMerkleTree.of(values, encoding)` with the
/// default options (`sortLeaves: true`): leaf hashes are sorted ascending, laid out at the end of a (2n - 1)-node
/// array in reverse order (sorted[i] at position 2n - 2 - i), and node i = commutativeKeccak256(node 2i+1, node 2i+2).
/// The two leaf kinds cannot stand for each other: a key leaf equal to a signer leaf needs a key hash equal to a
/// zero-padded address (96 zero bits of keccak output), and leaves (hashes of 32 bytes) never equal inner nodes
/// (hashes of 64 bytes) without a keccak collision.
library ValidatorSetMerkle {
    /// @notice The keys-tree leaf of one member.
    /// @param index position in the set
    /// @param blsPubkeyHash keccak256 of the 256-byte G2 key
    /// @param stake stake
    /// @return leaf the double-hashed leaf
    function keyLeaf(uint256 index, bytes32 blsPubkeyHash, uint256 stake) internal pure returns (bytes32 leaf) {
        // Hashed at the free memory pointer without allocating: advanceEpoch hashes two leaves per member.
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, index)
            mstore(add(ptr, 0x20), blsPubkeyHash)
            mstore(add(ptr, 0x40), stake)
            mstore(0x00, keccak256(ptr, 0x60))
            leaf := keccak256(0x00, 0x20)
        }
    }

    /// @notice The signers-tree leaf of one member.
    /// @param index position in the set
    /// @param signer signer address
    /// @param stake stake
    /// @return leaf the double-hashed leaf
    function signerLeaf(uint256 index, address signer, uint256 stake) internal pure returns (bytes32 leaf) {
        // The same hashing as CheckpointLeaves.reward, kept here: routed through one shared library function, the
        // optimizer stopped inlining it on advanceEpoch's path (+60 gas per member, measured at 100 members).
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, index)
            mstore(add(ptr, 0x20), and(signer, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(ptr, 0x40), stake)
            mstore(0x00, keccak256(ptr, 0x60))
            leaf := keccak256(0x00, 0x20)
        }
    }

    /// @notice The set's root from its two trees' roots (OpenZeppelin's commutativeKeccak256).
    /// @param keysRoot root of the keys tree
    /// @param signersRoot root of the signers tree
    /// @return the set root
    function setRoot(bytes32 keysRoot, bytes32 signersRoot) internal pure returns (bytes32) {
        return Hashes.commutativeKeccak256(keysRoot, signersRoot);
    }

    /// @notice The StandardMerkleTree root of leaf hashes (the array is sorted in place).
    /// @param leaves leaf hashes, at least one
    /// @return result the root
    function root(bytes32[] memory leaves) internal pure returns (bytes32 result) {
        uint256 count = leaves.length;
        Arrays.sort(leaves);
        // The (2n - 1)-node array lives in scratch memory past the free memory pointer (not allocated: nothing else
        // runs while it is in use), and nodes are hashed without bounds checks.
        assembly ("memory-safe") {
            let tree := mload(0x40)
            let last := sub(shl(1, count), 2)
            let src := add(leaves, 0x20)
            for {
                let i := 0
            } lt(i, count) {
                i := add(i, 1)
            } {
                mstore(add(tree, shl(5, sub(last, i))), mload(add(src, shl(5, i))))
            }
            // Internal nodes are 0 .. count - 2, each built from its two children, bottom up.
            for {
                let i := sub(count, 1)
            } gt(i, 0) {
                i := sub(i, 1)
            } {
                let a := mload(add(tree, shl(5, sub(shl(1, i), 1))))
                let b := mload(add(tree, shl(6, i)))
                let first := shl(5, gt(a, b))
                mstore(first, a)
                mstore(xor(first, 0x20), b)
                mstore(add(tree, shl(5, sub(i, 1))), keccak256(0x00, 0x40))
            }
            result := mload(tree)
        }
    }
}
