// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICheckpointTypes} from "./ICheckpointTypes.sol";

/// @title Tasks paid in OPEN, executed by keepers, finalized by proof against a certified taskRoot
interface ITaskManager is ICheckpointTypes {
    enum TaskStatus {
        None,
        Open,
        Finalized,
        Refunded
    }

    struct Task {
        address poster;
        uint64 deadline;
        uint8 redundancy;
        TaskStatus status;
        uint128 reward;
        bytes32 kind;
        bytes32 specHash;
    }

    /// @notice A task was posted and its reward escrowed.
    event TaskPosted(
        uint256 indexed taskId,
        address indexed poster,
        bytes32 indexed kind,
        bytes32 specHash,
        string specURI,
        uint256 reward,
        uint8 redundancy,
        uint64 deadline
    );
    /// @notice A task's agreed result was proven; executors were credited and the protocol fee taken. The result
    /// is not stored (a new slot would cost ~20k gas per task): it is in this event, and provable by anyone against
    /// the certified taskRoot.
    event TaskFinalized(uint256 indexed taskId, bytes32 resultHash, address[] executors, uint256 fee);
    /// @notice An expired task's reward went back to its poster.
    event TaskRefunded(uint256 indexed taskId, address indexed poster, uint256 reward);
    /// @notice An executor withdrew its earnings.
    event EarningsWithdrawn(address indexed executor, uint256 amount);
    /// @notice Accumulated protocol fees were sent to the rewards pool.
    event FeesFlushed(uint256 amount);
    /// @notice Governance changed the protocol fee.
    event ProtocolFeeSet(uint16 feeBps);
    /// @notice Governance changed the grace period after a deadline during which a result may still finalize.
    event FinalizeGracePeriodSet(uint64 seconds_);

    error TaskZeroReward();
    error TaskDeadlineInPast(uint64 deadline, uint256 nowTime);
    error TaskInvalidRedundancy(uint8 redundancy);
    error TaskUnknown(uint256 taskId);
    error TaskNotOpen(uint256 taskId, TaskStatus status);
    error TaskInvalidProof(uint256 taskId);
    error TaskInvalidExecutors(uint256 count, uint8 redundancy);
    error TaskFinalizeWindowOver(uint256 taskId, uint256 closedAt);
    error TaskNotExpired(uint256 taskId, uint256 refundableAt);
    error TaskFeeTooHigh(uint16 feeBps, uint16 maximum);
    /// @notice A finalize grace period above MAX_FINALIZE_GRACE_PERIOD.
    error TaskGracePeriodTooLong(uint64 value, uint64 maximum);
    error TaskNothingToWithdraw(address executor);
    error TaskRewardTooLarge(uint256 reward);

    /// @notice Posts a task and escrows its reward (pulled from the caller).
    /// @param kind executor kind, e.g. keccak256("http-oracle") or keccak256("compute")
    /// @param specHash hash of the task specification
    /// @param specURI where the specification can be fetched
    /// @param reward OPEN wei paid to the executors (minus the protocol fee)
    /// @param redundancy how many executors run it (1..32)
    /// @param deadline a future timestamp; after it (plus the grace period) the poster may take the reward back
    /// @return taskId the new task's id
    function postTask(
        bytes32 kind,
        bytes32 specHash,
        string calldata specURI,
        uint256 reward,
        uint8 redundancy,
        uint64 deadline
    ) external returns (uint256 taskId);

    /// @notice Finalizes a task with its agreed result, proven against a certified header's taskRoot.
    /// @param taskId the task
    /// @param resultHash the agreed result
    /// @param executors who executed it (they share the reward)
    /// @param header a certified header
    /// @param proof StandardMerkleTree proof of (taskId, resultHash, executors) against header.taskRoot
    function finalizeTask(
        uint256 taskId,
        bytes32 resultHash,
        address[] calldata executors,
        Header calldata header,
        bytes32[] calldata proof
    ) external;

    /// @notice Returns an expired, unfinalized task's reward to its poster.
    /// @param taskId the task
    function refundTask(uint256 taskId) external;

    /// @notice Withdraws the caller's accumulated executor earnings.
    function withdrawEarnings() external;

    /// @notice Sends accumulated protocol fees to the rewards pool (anyone may call).
    function flushFees() external;

    /// @notice Sets the protocol fee (governance).
    /// @param feeBps basis points of each reward, at most MAX_FEE_BPS
    function setProtocolFee(uint16 feeBps) external;

    /// @notice Sets the grace period after a deadline (governance).
    /// @param value seconds
    function setFinalizeGracePeriod(uint64 value) external;

    /// @notice A task.
    /// @param taskId the task
    /// @return the record
    function getTask(uint256 taskId) external view returns (Task memory);

    /// @notice An executor's earnings not yet withdrawn.
    /// @param executor the executor
    /// @return OPEN wei
    function earnings(address executor) external view returns (uint256);
}
