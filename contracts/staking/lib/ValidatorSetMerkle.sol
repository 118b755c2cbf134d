// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Arrays} from "@openzeppelin/contracts/utils/Arrays.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @title Validator-set Merkle trees, bit-for-bit equal to `@openzeppelin/merkle-tree`'s StandardMerkleTree
/// @notice Leaf encoding ["uint256", "address", "bytes32", "uint256"] = (index, signer, blsPubkeyHash, stake),
/// leaf hash keccak256(bytes.concat(keccak256(abi.encode(...)))). The root equals
/// `StandardMerkleTree.of(leaves, ["uint256","address","bytes32","uint256"])` with the library's default
/// options (`sortLeaves: true`): leaf hashes are sorted ascending, laid out at the end of a (2n - 1)-node array
/// in reverse order (sorted[i] at position 2n - 2 - i), and node i = commutativeKeccak256(node 2i+1, node 2i+2).
/// Proofs from the JS library verify with OpenZeppelin's `MerkleProof`.
library ValidatorSetMerkle {
    /// @notice The leaf of one validator set member.
    /// @param index position in the set
    /// @param signer signer address
    /// @param blsPubkeyHash keccak256 of the 256-byte G2 key
    /// @param stake stake
    /// @return the double-hashed leaf
    function leaf(uint256 index, address signer, bytes32 blsPubkeyHash, uint256 stake) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, signer, blsPubkeyHash, stake))));
    }

    /// @notice The StandardMerkleTree root of leaf hashes (the array is sorted in place).
    /// @param leaves leaf hashes, at least one
    /// @return root the root
    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        uint256 count = leaves.length;
        Arrays.sort(leaves);
        bytes32[] memory tree = new bytes32[](2 * count - 1);
        uint256 last = tree.length - 1;
        for (uint256 i = 0; i < count; ++i) {
            tree[last - i] = leaves[i];
        }
        // Internal nodes are 0 .. count - 2, each built from its two children, bottom up.
        for (uint256 i = count - 1; i > 0; --i) {
            tree[i - 1] = Hashes.commutativeKeccak256(tree[2 * i - 1], tree[2 * i]);
        }
        return tree[0];
    }
}
