// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Merkle multiproofs with the flags packed in one word, over a queue in memory
/// @notice The algorithm of OpenZeppelin's `MerkleProof.processMultiProof` (sorted-pair keccak256, the
/// `StandardMerkleTree.getMultiProof` format), with two changes that make certificates cheaper:
/// - the proof flags are the bits of one `uint256` (bit i = flag i) instead of a `bool[]` (32 bytes of calldata each);
/// - leaves and computed hashes share one memory queue: the leaves are written by the caller, the hashes are appended
///   right after them, so nothing is copied or allocated here.
/// A multiproof of h hashing steps over l leaves has exactly h + 1 - l proof elements, so h is not sent: it is
/// `leafCount + proof.length - 1`. At most 256 steps fit in the flags word; a tree of at most 256 leaves never needs
/// more than 255 (one per internal node).
/// @dev Stricter than OpenZeppelin, and for every valid proof equivalent: there must be at least one leaf; flag bits at
/// or above h must be zero (one encoding per proof); a step may only read a hash that an earlier step wrote
/// (OpenZeppelin reads a zero from its preallocated array); every proof element must be consumed.
library BitmapMultiProof {
    /// @notice Largest number of hashing steps (one per flag bit).
    uint256 internal constant MAX_STEPS = 256;

    /// @notice Memory words the queue needs: the leaves, then one hash per step.
    /// @param leafCount the number of leaves
    /// @param proofLength the number of proof elements
    /// @return words leafCount + steps (zero when there are no leaves)
    function queueWords(uint256 leafCount, uint256 proofLength) internal pure returns (uint256 words) {
        if (leafCount == 0) return 0;
        return 2 * leafCount + proofLength - 1;
    }

    /// @notice Rebuilds the root from `leafCount` leaves at `queue` (memory, 32 bytes each, in multiproof order).
    /// @dev Writes the hashes of the steps after the leaves: the caller must own `queueWords` words at `queue`.
    /// @param queue memory address of the first leaf
    /// @param leafCount the number of leaves (>= 1 for `valid`)
    /// @param proof the sibling hashes, in multiproof order
    /// @param flags bit i set: step i hashes two queue values; clear: a queue value and the next proof element
    /// @return root the rebuilt root (meaningless unless `valid`)
    /// @return valid whether the proof is well formed (the caller still compares `root` with the expected one)
    function processMultiProof(
        uint256 queue,
        uint256 leafCount,
        bytes32[] calldata proof,
        uint256 flags
    ) internal pure returns (bytes32 root, bool valid) {
        assembly ("memory-safe") {
            let proofLength := proof.length
            // leafCount >= 1 is checked before `steps` is used; with it the subtraction cannot underflow.
            let steps := sub(add(leafCount, proofLength), 1)
            // shr(256, x) is 0 in the EVM, so 256 steps may use every bit.
            valid := and(iszero(iszero(leafCount)), and(iszero(gt(steps, 256)), iszero(shr(steps, flags))))
            if valid {
                let read := queue
                let write := add(queue, shl(5, leafCount))
                let end := add(write, shl(5, steps))
                let p := proof.offset
                // Bounds are checked once, after the loop (see below).
                for {} lt(write, end) {} {
                    let a := mload(read)
                    // The second value: the next proof element (flag clear) or the next queue value (flag set).
                    // Then the sorted pair, smaller value first (OpenZeppelin's commutativeKeccak256), branch-free.
                    switch and(flags, 1)
                    case 0 {
                        let b := calldataload(p)
                        p := add(p, 0x20)
                        read := add(read, 0x20)
                        let first := shl(5, gt(a, b))
                        mstore(first, a)
                        mstore(xor(first, 0x20), b)
                    }
                    default {
                        let b := mload(add(read, 0x20))
                        read := add(read, 0x40)
                        let first := shl(5, gt(a, b))
                        mstore(first, a)
                        mstore(xor(first, 0x20), b)
                    }
                    flags := shr(1, flags)
                    mstore(write, keccak256(0x00, 0x40))
                    write := add(write, 0x20)
                }
                // The last hash; with no step (one leaf, empty proof), the leaf itself.
                root := mload(sub(write, 0x20))
                // Every proof element used exactly once: there were exactly proofLength clear flags (p only grows, so
                // no step read past the proof). Then the queue reads total leafCount + steps - 1, all but the root;
                // and since each step reads one or two values and writes one, (values read) - (values written) never
                // decreases: ending at "all but the last written" means no step read a value not yet written.
                valid := eq(p, add(proof.offset, shl(5, proofLength)))
            }
        }
    }
}
