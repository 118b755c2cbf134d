// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Immutable byte blobs stored as contract code ("SSTORE2")
/// @notice A 256-byte BLS key costs 8 storage words: 8 cold SLOADs (16,800 gas) to read, about 177k gas to
/// write. Stored as the code of a tiny data contract it costs one cold EXTCODECOPY (about 2,700 gas) to read
/// and about 90k gas to write. Freezing a validator set reads every member's key, so this matters.
/// @dev The data contract's code is 0x00 (STOP, so calling it does nothing) followed by the data; it has no
/// other code, so the blob can never change or be destroyed.
library KeyStore {
    /// @notice Creating the data contract failed.
    error KeyStoreWriteFailed();

    /// @notice Stores `data` as the code of a new contract.
    /// @param data the blob (at most 65,534 bytes)
    /// @return pointer the data contract
    function write(bytes memory data) internal returns (address pointer) {
        // Creation code (12 bytes) that returns the code after it:
        // PUSH2 len, DUP1, PUSH1 0x0c, PUSH1 0, CODECOPY, PUSH1 0, RETURN.
        bytes memory code = abi.encodePacked(hex"61", uint16(data.length + 1), hex"80600c6000396000f3", hex"00", data);
        assembly ("memory-safe") {
            pointer := create(0, add(code, 0x20), mload(code))
        }
        if (pointer == address(0)) revert KeyStoreWriteFailed();
    }

    /// @notice Reads `length` bytes stored at `pointer`.
    /// @param pointer a data contract made by `write`
    /// @param length number of bytes to read
    /// @return data the blob
    function read(address pointer, uint256 length) internal view returns (bytes memory data) {
        data = new bytes(length);
        assembly ("memory-safe") {
            extcodecopy(pointer, add(data, 0x20), 1, length)
        }
    }
}
