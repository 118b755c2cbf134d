// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title OpenZeppelin StandardMerkleTree leaves hashed without abi.encode
/// @notice leaf = keccak256(bytes.concat(keccak256(abi.encode(values)))), computed in memory that is not kept:
/// reward claims and certificates hash leaves on their hot paths.
library StandardLeaf {
    /// @notice The leaf of ["uint256", "address", "uint256"] values.
    /// @param a first value
    /// @param account second value
    /// @param b third value
    /// @return leaf the double-hashed leaf
    function uintAddressUint(uint256 a, address account, uint256 b) internal pure returns (bytes32 leaf) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, a)
            mstore(add(ptr, 0x20), and(account, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(ptr, 0x40), b)
            mstore(0x00, keccak256(ptr, 0x60))
            leaf := keccak256(0x00, 0x20)
        }
    }
}
