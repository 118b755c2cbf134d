// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICheckpointTypes} from "../interfaces/ICheckpointTypes.sol";

/// @title Leaf encodings of the roots in a checkpoint header
/// @notice Every root is an OpenZeppelin StandardMerkleTree: leaf = keccak256(bytes.concat(keccak256(abi.encode(
/// values)))). The keeper builds the same trees (`keeper/src/checkpoint/leaves.ts`); docs/checkpoints.md lists
/// the encodings.
library CheckpointLeaves {
    /// @notice porRoot leaf: resources an operator proved, its latency and its uptime
    /// (address operator, uint32 cpuCores, uint32 bandwidthMbps, uint64 memoryMiB, uint64 storageGiB, uint32 latencyUs,
    /// uint32 uptimeBps).
    function resource(address operator, ICheckpointTypes.ProvenResources calldata r) internal pure returns (bytes32) {
        return
            keccak256(
                bytes.concat(
                    keccak256(
                        abi.encode(
                            operator,
                            r.cpuCores,
                            r.bandwidthMbps,
                            r.memoryMiB,
                            r.storageGiB,
                            r.latencyUs,
                            r.uptimeBps
                        )
                    )
                )
            );
    }

    /// @notice livenessRoot leaf: a validator's signed and missed heights over the sliding window
    /// (address signer, uint64 signed, uint64 missed).
    function liveness(address signer, uint64 signedHeights, uint64 missedHeights) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(signer, signedHeights, missedHeights))));
    }

    /// @notice faultsRoot leaf: misbehaviour found by peers (address signer, uint8 kind, bytes32 detailsHash).
    function fault(address signer, uint8 kind, bytes32 detailsHash) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(signer, kind, detailsHash))));
    }

    /// @notice rewardsRoot leaf: (uint256 index, address operator, uint256 amount).
    /// @dev Hashed in scratch memory (no abi.encode allocation): it is on the hot path of every reward claim.
    function reward(uint256 index, address operator, uint256 amount) internal pure returns (bytes32 leaf) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, index)
            mstore(add(ptr, 0x20), and(operator, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(ptr, 0x40), amount)
            mstore(0x00, keccak256(ptr, 0x60))
            leaf := keccak256(0x00, 0x20)
        }
    }

    /// @notice taskRoot leaf: one round's agreed result
    /// (uint256 taskId, uint32 round, bytes result, address[] executors). The leaf carries the value itself (an
    /// http-oracle's abi.encode(int256), a wasm module's output), so a contract reads it with the proof.
    function taskResult(
        uint256 taskId,
        uint32 round,
        bytes memory result,
        address[] calldata executors
    ) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(taskId, round, result, executors))));
    }
}
