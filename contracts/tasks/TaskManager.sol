// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ICheckpointStore} from "../interfaces/ICheckpointStore.sol";
import {IRewardsDistributor} from "../interfaces/IRewardsDistributor.sol";
import {ITaskManager} from "../interfaces/ITaskManager.sol";
import {CheckpointLeaves} from "../consensus/CheckpointLeaves.sol";

/// @title Task manager
/// @notice Users post tasks paid in OPEN; keepers execute them and agree on results by BFT; a result finalizes
/// by Merkle proof against a certified header's taskRoot. Executors are credited (pull: `withdrawEarnings`),
/// the protocol fee accumulates and is flushed into the rewards pool. An expired task is refunded to its
/// poster once the deadline and the grace period have passed.
/// @dev Invariant: token balance >= sum of open rewards + unwithdrawn earnings + unflushed fees.
contract TaskManager is ITaskManager, AccessManaged, ReentrancyGuard {
    using SafeERC20 for IERC20;

    uint16 public constant MAX_FEE_BPS = 2_000;
    uint8 public constant MAX_REDUNDANCY = 32;

    IERC20 public immutable token;
    ICheckpointStore public immutable checkpoints;
    IRewardsDistributor public immutable rewards;

    uint16 public protocolFeeBps;
    uint64 public finalizeGracePeriod;
    uint256 public nextTaskId = 1;
    uint256 public accruedFees;

    mapping(uint256 taskId => Task) private _tasks;
    /// @notice Executor earnings not yet withdrawn.
    mapping(address executor => uint256) public earnings;

    /// @param token_ OPEN
    /// @param checkpoints_ the checkpoint store
    /// @param rewards_ the rewards pool that receives protocol fees
    /// @param authority the AccessManager
    /// @param feeBps initial protocol fee
    /// @param gracePeriod initial grace period after deadlines, seconds
    constructor(
        IERC20 token_,
        ICheckpointStore checkpoints_,
        IRewardsDistributor rewards_,
        address authority,
        uint16 feeBps,
        uint64 gracePeriod
    ) AccessManaged(authority) {
        token = token_;
        checkpoints = checkpoints_;
        rewards = rewards_;
        _setProtocolFee(feeBps);
        finalizeGracePeriod = gracePeriod;
        emit FinalizeGracePeriodSet(gracePeriod);
    }

    /// @inheritdoc ITaskManager
    function postTask(
        bytes32 kind,
        bytes32 specHash,
        string calldata specURI,
        uint256 reward,
        uint8 redundancy,
        uint64 deadline
    ) external nonReentrant returns (uint256 taskId) {
        if (reward == 0) revert TaskZeroReward();
        if (reward > type(uint128).max) revert TaskRewardTooLarge(reward);
        if (deadline <= block.timestamp) revert TaskDeadlineInPast(deadline, block.timestamp);
        if (redundancy == 0 || redundancy > MAX_REDUNDANCY) revert TaskInvalidRedundancy(redundancy);
        taskId = nextTaskId++;
        _tasks[taskId] = Task({
            poster: msg.sender,
            deadline: deadline,
            redundancy: redundancy,
            status: TaskStatus.Open,
            reward: uint128(reward),
            kind: kind,
            specHash: specHash,
            resultHash: bytes32(0)
        });
        emit TaskPosted(taskId, msg.sender, kind, specHash, specURI, reward, redundancy, deadline);
        token.safeTransferFrom(msg.sender, address(this), reward);
    }

    /// @inheritdoc ITaskManager
    function finalizeTask(
        uint256 taskId,
        bytes32 resultHash,
        address[] calldata executors,
        Header calldata header,
        bytes32[] calldata proof
    ) external {
        Task storage t = _openTask(taskId);
        uint256 closesAt = uint256(t.deadline) + finalizeGracePeriod;
        if (block.timestamp > closesAt) revert TaskFinalizeWindowOver(taskId, closesAt);
        uint256 n = executors.length;
        if (n == 0 || n > t.redundancy) revert TaskInvalidExecutors(n, t.redundancy);
        checkpoints.requireCertified(header);
        bytes32 leaf = CheckpointLeaves.taskResult(taskId, resultHash, executors);
        if (!MerkleProof.verifyCalldata(proof, header.taskRoot, leaf)) revert TaskInvalidProof(taskId);

        t.status = TaskStatus.Finalized;
        t.resultHash = resultHash;
        uint256 reward = t.reward;
        uint256 fee = (reward * protocolFeeBps) / 10_000;
        accruedFees += fee;
        uint256 share = (reward - fee) / n;
        // The rounding remainder goes to the first executor, so the whole reward is always accounted for.
        earnings[executors[0]] += reward - fee - share * (n - 1);
        for (uint256 i = 1; i < n; ++i) earnings[executors[i]] += share;
        emit TaskFinalized(taskId, resultHash, executors, fee);
    }

    /// @inheritdoc ITaskManager
    function refundTask(uint256 taskId) external nonReentrant {
        Task storage t = _openTask(taskId);
        uint256 refundableAt = uint256(t.deadline) + finalizeGracePeriod;
        if (block.timestamp <= refundableAt) revert TaskNotExpired(taskId, refundableAt);
        t.status = TaskStatus.Refunded;
        uint256 reward = t.reward;
        emit TaskRefunded(taskId, t.poster, reward);
        token.safeTransfer(t.poster, reward);
    }

    /// @inheritdoc ITaskManager
    function withdrawEarnings() external nonReentrant {
        uint256 amount = earnings[msg.sender];
        if (amount == 0) revert TaskNothingToWithdraw(msg.sender);
        earnings[msg.sender] = 0;
        emit EarningsWithdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ITaskManager
    function flushFees() external nonReentrant {
        uint256 amount = accruedFees;
        if (amount == 0) return;
        accruedFees = 0;
        emit FeesFlushed(amount);
        token.forceApprove(address(rewards), amount);
        rewards.addFees(amount);
    }

    /// @inheritdoc ITaskManager
    function setProtocolFee(uint16 feeBps) external restricted {
        _setProtocolFee(feeBps);
    }

    /// @inheritdoc ITaskManager
    function setFinalizeGracePeriod(uint64 value) external restricted {
        finalizeGracePeriod = value;
        emit FinalizeGracePeriodSet(value);
    }

    /// @inheritdoc ITaskManager
    function getTask(uint256 taskId) external view returns (Task memory) {
        return _tasks[taskId];
    }

    function _openTask(uint256 taskId) private view returns (Task storage t) {
        t = _tasks[taskId];
        if (t.status == TaskStatus.None) revert TaskUnknown(taskId);
        if (t.status != TaskStatus.Open) revert TaskNotOpen(taskId, t.status);
    }

    function _setProtocolFee(uint16 feeBps) private {
        if (feeBps > MAX_FEE_BPS) revert TaskFeeTooHigh(feeBps, MAX_FEE_BPS);
        protocolFeeBps = feeBps;
        emit ProtocolFeeSet(feeBps);
    }
}
