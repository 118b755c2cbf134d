// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICheckpointTypes} from "./ICheckpointTypes.sol";

/// @title A contract that reads a recurring http-oracle task as a data feed, by proof against certified headers
interface ITaskFeedConsumer is ICheckpointTypes {
    /// @notice A newer round's value was proven and stored.
    event FeedUpdated(uint32 indexed round, int256 value, uint64 height);

    /// @notice The round is not newer than the stored one.
    error FeedRoundNotNewer(uint32 round, uint32 latestRound);
    /// @notice The proof does not put (taskId, round, abi.encode(value), executors) under header.taskRoot.
    error FeedInvalidProof(uint32 round);

    /// @notice Stores a newer round's value after checking it against a certified header's taskRoot.
    /// @param round the task round
    /// @param value the agreed value (the leaf's result is abi.encode(value))
    /// @param executors the executors in the leaf
    /// @param header a certified header (reverts CheckpointNotCertified otherwise)
    /// @param proof StandardMerkleTree proof against header.taskRoot
    function update(
        uint32 round,
        int256 value,
        address[] calldata executors,
        Header calldata header,
        bytes32[] calldata proof
    ) external;

    /// @notice The latest proven value.
    /// @return value the value (scaled by the spec's decimals)
    /// @return round its round (0 with height 0: nothing proven yet)
    /// @return height the certified height it was proven against
    function latest() external view returns (int256 value, uint32 round, uint64 height);
}
