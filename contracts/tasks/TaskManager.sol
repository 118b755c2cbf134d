// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ICheckpointStore} from "../interfaces/ICheckpointStore.sol";
import {IRewardsDistributor} from "../interfaces/IRewardsDistributor.sol";
import {ITaskManager} from "../interfaces/ITaskManager.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {CheckpointProofs} from "../consensus/CheckpointProofs.sol";

/// @title Task manager
/// @notice Users post tasks paid in OPEN, one round or a funded series of rounds (a data feed); keepers execute
/// them and agree on results by BFT; each round's result finalizes by Merkle proof against a certified header's
/// taskRoot. Executors are credited (pull: `withdrawEarnings`),
/// the protocol fee accumulates and is flushed into the rewards pool. An expired task's unpaid rounds are
/// refunded to its poster once the deadline and the grace period have passed; a poster may cancel the rounds not
/// yet due.
/// Finalizing avoids new storage slots (~20k gas each): the result is logged, not stored; the fee accumulator
/// shares its slot with the fee and grace-period settings (never zero in a configured deployment); an
/// executor's earnings slot keeps a 1-wei sentinel after a withdrawal. Only an executor's very first task writes
/// a new slot.
/// @dev Invariant: token balance >= sum over open tasks of (rounds - paidRounds) * rewardPerRound + unwithdrawn
/// earnings + unflushed fees.
contract TaskManager is ITaskManager, AccessManaged, ReentrancyGuard {
    using SafeERC20 for IERC20;

    uint16 public constant MAX_FEE_BPS = 2_000;
    uint8 public constant MAX_REDUNDANCY = 32;
    /// @notice Most rounds one task may fund (a year of 1-second heights would be ~2^25).
    uint32 public constant MAX_ROUNDS = 1_000_000;
    /// @notice Longest finalize grace period governance can set: a longer one would hold refunds of expired
    /// tasks hostage.
    uint64 public constant MAX_FINALIZE_GRACE_PERIOD = 30 days;
    /// @notice Most spares governance can set: each one is a keeper that may run a round it is not paid for unless
    /// it replaces an executor.
    uint8 public constant MAX_SPARES = 8;

    IERC20 public immutable token;
    ICheckpointStore public immutable checkpoints;
    IRewardsDistributor public immutable rewards;

    /// @dev One slot (a struct starts its own): finalizing reads the fee and the grace period and adds to the
    /// accrued fees in a slot it already paid for, and one that is not zero once the fee or grace period is set.
    struct FeeState {
        uint16 protocolFeeBps;
        uint64 finalizeGracePeriod;
        /// spares copied into each task at post time (read there in the slot posting reads anyway)
        uint8 defaultSpares;
        /// protocol fees not yet flushed (at most the sum of task rewards, each below 2^128)
        uint128 accruedFees;
    }

    FeeState private _fees;
    uint256 public nextTaskId = 1;

    mapping(uint256 taskId => Task) private _tasks;
    /// @dev Executor earnings not yet withdrawn, plus 1 once the executor was ever credited: the slot never goes
    /// back to zero, so crediting it again costs ~5k gas, not ~22k.
    mapping(address executor => uint256) private _earnings;

    /// @param token_ OPEN
    /// @param checkpoints_ the checkpoint store
    /// @param rewards_ the rewards pool that receives protocol fees
    /// @param authority the AccessManager
    /// @param feeBps initial protocol fee
    /// @param gracePeriod initial grace period after deadlines, seconds
    /// @param spares initial default spares (0..MAX_SPARES)
    constructor(
        IERC20 token_,
        ICheckpointStore checkpoints_,
        IRewardsDistributor rewards_,
        address authority,
        uint16 feeBps,
        uint64 gracePeriod,
        uint8 spares
    ) AccessManaged(authority) {
        token = token_;
        checkpoints = checkpoints_;
        rewards = rewards_;
        _setProtocolFee(feeBps);
        _setFinalizeGracePeriod(gracePeriod);
        _setDefaultSpares(spares);
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
        return _post(kind, specHash, specURI, reward, redundancy, deadline, 1, 1);
    }

    /// @inheritdoc ITaskManager
    function postRecurringTask(
        bytes32 kind,
        bytes32 specHash,
        string calldata specURI,
        uint256 rewardPerRound,
        uint8 redundancy,
        uint64 deadline,
        uint32 rounds,
        uint32 periodHeights
    ) external nonReentrant returns (uint256 taskId) {
        return _post(kind, specHash, specURI, rewardPerRound, redundancy, deadline, rounds, periodHeights);
    }

    /// @inheritdoc ITaskManager
    function finalizeTask(
        uint256 taskId,
        uint32 round,
        bytes calldata result,
        address[] calldata executors,
        Header calldata header,
        bytes32[] calldata proof
    ) external {
        // No reentrancy guard (~5k gas a round): state is final before the only external calls (the certified
        // check is a view; the refund transfers OPEN, which has no hooks) and the refund comes last.
        Task storage t = _openTask(taskId);
        FeeState memory fees = _fees;
        _checkRound(t, taskId, round, executors.length, header.height, fees.finalizeGracePeriod);
        checkpoints.requireCertified(header);
        if (!CheckpointProofs.taskResult(header.taskRoot, taskId, round, result, executors, proof)) {
            revert TaskInvalidProof(taskId);
        }

        t.nextRound = round + 1; // round < rounds <= MAX_ROUNDS: no overflow
        uint32 paid = t.paidRounds + 1;
        t.paidRounds = paid;
        uint256 reward = t.rewardPerRound;
        uint256 fee = (reward * fees.protocolFeeBps) / 10_000;
        _fees.accruedFees = fees.accruedFees + uint128(fee); // fee <= reward < 2^96
        _pay(executors, reward - fee);
        emit TaskRoundFinalized(taskId, round, result, executors, fee);
        uint32 rounds = t.rounds;
        if (round + 1 == rounds) {
            t.status = TaskStatus.Finalized;
            _refund(taskId, t.poster, uint256(rounds - paid) * reward);
        }
    }

    /// @dev Reverts unless `round` may finalize now with `n` executors against a header at `headerHeight`.
    function _checkRound(
        Task storage t,
        uint256 taskId,
        uint32 round,
        uint256 n,
        uint64 headerHeight,
        uint64 grace
    ) private view {
        uint256 closesAt = uint256(t.deadline) + grace;
        if (block.timestamp > closesAt) revert TaskFinalizeWindowOver(taskId, closesAt);
        if (round < t.nextRound || round >= t.rounds) {
            revert TaskRoundNotFinalizable(taskId, round, t.nextRound, t.rounds);
        }
        uint64 due = _dueHeight(t, round);
        if (headerHeight < due) revert TaskRoundNotDue(taskId, round, due, headerHeight);
        if (n == 0 || n > t.redundancy) revert TaskInvalidExecutors(n, t.redundancy);
    }

    /// @dev Splits `amount` among the executors; the rounding remainder goes to the first, so the whole reward is
    /// always accounted for.
    function _pay(address[] calldata executors, uint256 amount) private {
        uint256 n = executors.length;
        uint256 share = amount / n;
        _credit(executors[0], amount - share * (n - 1));
        for (uint256 i = 1; i < n; ++i) _credit(executors[i], share);
    }

    /// @inheritdoc ITaskManager
    function cancelTask(uint256 taskId) external nonReentrant {
        Task storage t = _openTask(taskId);
        if (msg.sender != t.poster) revert TaskNotPoster(taskId, msg.sender);
        // Rounds that may be in the next certified checkpoint stay payable: a poster cannot cancel work done.
        uint256 cutoff = uint256(checkpoints.latestHeight()) + checkpoints.checkpointInterval();
        uint256 firstDue = uint256(t.startHeight) + 1;
        uint256 due = cutoff < firstDue ? 0 : (cutoff - firstDue) / t.periodHeights + 1;
        uint32 oldRounds = t.rounds;
        uint32 kept = uint32(Math.min(oldRounds, Math.max(due, t.nextRound)));
        t.rounds = kept;
        emit TaskCancelled(taskId, kept);
        uint256 refund = uint256(oldRounds - kept) * t.rewardPerRound;
        if (t.nextRound == kept) {
            t.status = TaskStatus.Cancelled;
            refund += uint256(kept - t.paidRounds) * t.rewardPerRound;
        }
        _refund(taskId, t.poster, refund);
    }

    /// @inheritdoc ITaskManager
    function refundTask(uint256 taskId) external nonReentrant {
        Task storage t = _openTask(taskId);
        uint256 refundableAt = uint256(t.deadline) + _fees.finalizeGracePeriod;
        if (block.timestamp <= refundableAt) revert TaskNotExpired(taskId, refundableAt);
        t.status = TaskStatus.Refunded;
        _refund(taskId, t.poster, uint256(t.rounds - t.paidRounds) * t.rewardPerRound);
    }

    /// @inheritdoc ITaskManager
    function withdrawEarnings() external nonReentrant {
        uint256 stored = _earnings[msg.sender];
        if (stored <= 1) revert TaskNothingToWithdraw(msg.sender);
        uint256 amount = stored - 1;
        _earnings[msg.sender] = 1;
        emit EarningsWithdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ITaskManager
    function flushFees() external nonReentrant {
        uint256 amount = _fees.accruedFees;
        if (amount == 0) return;
        _fees.accruedFees = 0;
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
        _setFinalizeGracePeriod(value);
    }

    /// @inheritdoc ITaskManager
    function setDefaultSpares(uint8 spares) external restricted {
        _setDefaultSpares(spares);
    }

    function _setDefaultSpares(uint8 spares) private {
        if (spares > MAX_SPARES) revert TaskTooManySpares(spares, MAX_SPARES);
        _fees.defaultSpares = spares;
        emit DefaultSparesSet(spares);
    }

    function _setFinalizeGracePeriod(uint64 value) private {
        if (value > MAX_FINALIZE_GRACE_PERIOD) revert TaskGracePeriodTooLong(value, MAX_FINALIZE_GRACE_PERIOD);
        _fees.finalizeGracePeriod = value;
        emit FinalizeGracePeriodSet(value);
    }

    /// @inheritdoc ITaskManager
    function getTask(uint256 taskId) external view returns (Task memory) {
        return _tasks[taskId];
    }

    /// @notice The protocol fee on task rewards.
    /// @return basis points
    function protocolFeeBps() external view returns (uint16) {
        return _fees.protocolFeeBps;
    }

    /// @notice How long after a deadline a result may still finalize (and before which no refund).
    /// @return seconds
    function finalizeGracePeriod() external view returns (uint64) {
        return _fees.finalizeGracePeriod;
    }

    /// @inheritdoc ITaskManager
    function defaultSpares() external view returns (uint8) {
        return _fees.defaultSpares;
    }

    /// @notice Protocol fees not yet flushed to the rewards pool.
    /// @return OPEN wei
    function accruedFees() external view returns (uint256) {
        return _fees.accruedFees;
    }

    /// @inheritdoc ITaskManager
    function earnings(address executor) external view returns (uint256) {
        uint256 stored = _earnings[executor];
        return stored == 0 ? 0 : stored - 1;
    }

    /// @inheritdoc ITaskManager
    function roundDueHeight(uint256 taskId, uint32 round) external view returns (uint64 height) {
        Task storage t = _tasks[taskId];
        if (t.status == TaskStatus.None) revert TaskUnknown(taskId);
        return _dueHeight(t, round);
    }

    function _post(
        bytes32 kind,
        bytes32 specHash,
        string calldata specURI,
        uint256 rewardPerRound,
        uint8 redundancy,
        uint64 deadline,
        uint32 rounds,
        uint32 periodHeights
    ) private returns (uint256 taskId) {
        if (rewardPerRound == 0) revert TaskZeroReward();
        if (rounds == 0 || rounds > MAX_ROUNDS || periodHeights == 0) revert TaskInvalidRounds(rounds, periodHeights);
        if (rewardPerRound >= 2 ** 96) revert TaskRewardTooLarge(rewardPerRound);
        uint256 total = rewardPerRound * rounds; // < 2^116
        if (total >= 2 ** 96) revert TaskRewardTooLarge(total);
        if (deadline <= block.timestamp) revert TaskDeadlineInPast(deadline, block.timestamp);
        if (redundancy == 0 || redundancy > MAX_REDUNDANCY) revert TaskInvalidRedundancy(redundancy);
        taskId = nextTaskId++;
        uint64 startHeight = checkpoints.latestHeight();
        // copied, not read later: a governed change must not move the counting positions of a task in progress
        uint8 spares = _fees.defaultSpares;
        _tasks[taskId] = Task({
            poster: msg.sender,
            deadline: deadline,
            redundancy: redundancy,
            status: TaskStatus.Open,
            spares: spares,
            rewardPerRound: uint96(rewardPerRound),
            rounds: rounds,
            nextRound: 0,
            paidRounds: 0,
            periodHeights: periodHeights,
            startHeight: startHeight,
            kind: kind,
            specHash: specHash
        });
        emit TaskPosted(taskId, msg.sender, kind, specHash, specURI, rewardPerRound, redundancy, deadline);
        emit TaskScheduled(taskId, rounds, periodHeights, startHeight, spares);
        token.safeTransferFrom(msg.sender, address(this), total);
    }

    function _dueHeight(Task storage t, uint32 round) private view returns (uint64) {
        return t.startHeight + 1 + uint64(round) * t.periodHeights; // < 2^64: round and period are 32-bit
    }

    function _refund(uint256 taskId, address poster, uint256 amount) private {
        if (amount == 0) return;
        emit TaskRefunded(taskId, poster, amount);
        token.safeTransfer(poster, amount);
    }

    /// @dev Adds to an executor's earnings, starting from the 1-wei sentinel for a first credit.
    function _credit(address executor, uint256 amount) private {
        uint256 stored = _earnings[executor];
        _earnings[executor] = (stored == 0 ? 1 : stored) + amount;
    }

    function _openTask(uint256 taskId) private view returns (Task storage t) {
        t = _tasks[taskId];
        if (t.status == TaskStatus.None) revert TaskUnknown(taskId);
        if (t.status != TaskStatus.Open) revert TaskNotOpen(taskId, t.status);
    }

    function _setProtocolFee(uint16 feeBps) private {
        if (feeBps > MAX_FEE_BPS) revert TaskFeeTooHigh(feeBps, MAX_FEE_BPS);
        _fees.protocolFeeBps = feeBps;
        emit ProtocolFeeSet(feeBps);
    }
}
