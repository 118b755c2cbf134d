// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICheckpointStore} from "../interfaces/ICheckpointStore.sol";
import {ITaskFeedConsumer} from "../interfaces/ITaskFeedConsumer.sol";
import {CheckpointProofs} from "../consensus/CheckpointProofs.sol";

/// @title Example: a data feed from a recurring http-oracle task
/// @notice Anyone relays a round's agreed value with its proof; the contract checks the header is certified and
/// the leaf is under its taskRoot, and keeps the newest round. No trusted relayer: a wrong value has no proof.
/// On another chain the same check goes through `CheckpointReceiver.verifyTaskResult`.
contract TaskFeedConsumer is ITaskFeedConsumer {
    ICheckpointStore public immutable checkpoints;
    /// @notice The TaskManager task this feed follows.
    uint256 public immutable taskId;

    int256 private _value;
    uint32 private _round;
    uint64 private _height;

    /// @param checkpoints_ the checkpoint store that certifies headers
    /// @param taskId_ the recurring task whose rounds feed this contract
    constructor(ICheckpointStore checkpoints_, uint256 taskId_) {
        checkpoints = checkpoints_;
        taskId = taskId_;
    }

    /// @inheritdoc ITaskFeedConsumer
    function update(
        uint32 round,
        int256 value,
        address[] calldata executors,
        Header calldata header,
        bytes32[] calldata proof
    ) external {
        if (_height != 0 && round <= _round) revert FeedRoundNotNewer(round, _round);
        checkpoints.requireCertified(header);
        bool valid = CheckpointProofs.taskResult(header.taskRoot, taskId, round, abi.encode(value), executors, proof);
        if (!valid) revert FeedInvalidProof(round);
        (_value, _round, _height) = (value, round, header.height);
        emit FeedUpdated(round, value, header.height);
    }

    /// @inheritdoc ITaskFeedConsumer
    function latest() external view returns (int256 value, uint32 round, uint64 height) {
        return (_value, _round, _height);
    }
}
