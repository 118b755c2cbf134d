// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICheckpointTypes} from "./ICheckpointTypes.sol";

/// @title Tasks paid in OPEN, executed by keepers in rounds, finalized by proof against a certified taskRoot
/// @notice A task is funded for `rounds` rounds. Round r is due from checkpoint height
/// `startHeight + 1 + r * periodHeights` (startHeight = the latest certified height when it was posted); a one-shot
/// task is one round. Each round's agreed result is a leaf of some certified header's taskRoot and pays that
/// round's reward to its executors' operator (owner) addresses. A recurring oracle task is a data feed: anyone can
/// read a round's value with a proof (contracts/examples/TaskFeedConsumer.sol).
interface ITaskManager is ICheckpointTypes {
    enum TaskStatus {
        None,
        /// rounds remain that may still finalize
        Open,
        /// every round finalized or was skipped (skipped rounds refunded)
        Finalized,
        /// expired: the unpaid rounds went back to the poster
        Refunded,
        /// cancelled by the poster with no round left to finalize
        Cancelled
    }

    struct Task {
        address poster;
        uint64 deadline;
        uint8 redundancy;
        TaskStatus status;
        /// rendezvous positions after the `redundancy` executors whose results count (they start when one ahead is
        /// suspected): the governed `defaultSpares` when the task was posted, fixed for the task's life so that
        /// every keeper validates its rounds alike
        uint8 spares;
        /// OPEN wei paid per finalized round (below 2^96: more than the total supply)
        uint96 rewardPerRound;
        /// funded rounds (lowered by a cancel to the rounds already due)
        uint32 rounds;
        /// lowest round that may still finalize (rounds finalize in order; one finalized skips those below it)
        uint32 nextRound;
        /// rounds finalized and paid
        uint32 paidRounds;
        /// checkpoint heights between two rounds
        uint32 periodHeights;
        /// the latest certified height when the task was posted
        uint64 startHeight;
        bytes32 kind;
        bytes32 specHash;
    }

    /// @notice A task was posted and its reward escrowed (`reward` is per round; see TaskScheduled).
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
    /// @notice The rounds of a posted task: round r is due from height startHeight + 1 + r * periodHeights; results
    /// count from its first redundancy + spares rendezvous positions.
    event TaskScheduled(uint256 indexed taskId, uint32 rounds, uint32 periodHeights, uint64 startHeight, uint8 spares);
    /// @notice A round's agreed result was proven; executors were credited and the protocol fee taken. The result
    /// is not stored (a new slot would cost ~20k gas per round): it is in this event, and provable by anyone
    /// against the certified taskRoot.
    event TaskRoundFinalized(
        uint256 indexed taskId,
        uint32 indexed round,
        bytes result,
        address[] executors,
        uint256 fee
    );
    /// @notice Unpaid rounds' rewards went back to the poster (expiry, cancel, or skipped rounds at the end).
    event TaskRefunded(uint256 indexed taskId, address indexed poster, uint256 reward);
    /// @notice The poster cancelled: rounds not yet due are refunded; `rounds` is the new number of funded rounds.
    event TaskCancelled(uint256 indexed taskId, uint32 rounds);
    /// @notice An executor withdrew its earnings.
    event EarningsWithdrawn(address indexed executor, uint256 amount);
    /// @notice Accumulated protocol fees were sent to the rewards pool.
    event FeesFlushed(uint256 amount);
    /// @notice Governance changed the protocol fee.
    event ProtocolFeeSet(uint16 feeBps);
    /// @notice Governance changed the grace period after a deadline during which a result may still finalize.
    event FinalizeGracePeriodSet(uint64 seconds_);
    /// @notice Governance changed the spares that tasks posted from now on get (posted tasks keep theirs).
    event DefaultSparesSet(uint8 spares);

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
    /// @notice A default spare count above MAX_SPARES.
    error TaskTooManySpares(uint8 spares, uint8 maximum);
    error TaskNothingToWithdraw(address executor);
    error TaskRewardTooLarge(uint256 reward);
    /// @notice Zero rounds, zero period, or more than MAX_ROUNDS.
    error TaskInvalidRounds(uint32 rounds, uint32 periodHeights);
    /// @notice The round is below the task's next round (already finalized or skipped) or beyond its funded rounds.
    error TaskRoundNotFinalizable(uint256 taskId, uint32 round, uint32 nextRound, uint32 rounds);
    /// @notice The header is older than the round's due height.
    error TaskRoundNotDue(uint256 taskId, uint32 round, uint64 dueHeight, uint64 headerHeight);
    /// @notice Only the poster may cancel.
    error TaskNotPoster(uint256 taskId, address caller);

    /// @notice Posts a one-round task and escrows its reward (pulled from the caller).
    /// @param kind executor kind: keccak256("http-oracle") or keccak256("wasm") (docs/tasks.md)
    /// @param specHash keccak256 of the task spec document (docs/tasks.md)
    /// @param specURI where the spec can be fetched
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

    /// @notice Posts a recurring task: `rounds` rounds, one every `periodHeights` checkpoint heights, and escrows
    /// `rewardPerRound * rounds`.
    /// @param kind executor kind
    /// @param specHash keccak256 of the task spec document
    /// @param specURI where the spec can be fetched
    /// @param rewardPerRound OPEN wei per finalized round
    /// @param redundancy how many executors run each round (1..32)
    /// @param deadline a future timestamp; rounds still unpaid after it (plus the grace period) are refundable
    /// @param rounds funded rounds (1..MAX_ROUNDS)
    /// @param periodHeights heights between rounds (>= 1)
    /// @return taskId the new task's id
    function postRecurringTask(
        bytes32 kind,
        bytes32 specHash,
        string calldata specURI,
        uint256 rewardPerRound,
        uint8 redundancy,
        uint64 deadline,
        uint32 rounds,
        uint32 periodHeights
    ) external returns (uint256 taskId);

    /// @notice Finalizes one round with its agreed result, proven against a certified header's taskRoot, and
    /// credits the executors. Skips (forfeits) the unfinalized rounds below it; after the last round, unpaid
    /// rounds are refunded to the poster.
    /// @param taskId the task
    /// @param round the round (>= the task's next round, below its rounds)
    /// @param result the agreed result (http-oracle: abi.encode(int256); wasm: the module's output bytes)
    /// @param executors operator (owner) addresses of the executors whose results agreed (they share the reward)
    /// @param header a certified header at or after the round's due height
    /// @param proof StandardMerkleTree proof of (taskId, round, result, executors) against header.taskRoot
    function finalizeTask(
        uint256 taskId,
        uint32 round,
        bytes calldata result,
        address[] calldata executors,
        Header calldata header,
        bytes32[] calldata proof
    ) external;

    /// @notice Cancels a task (poster only): rounds not due by the latest certified height plus one checkpoint
    /// interval are refunded now; rounds already due may still finalize until the deadline (plus grace).
    /// @param taskId the task
    function cancelTask(uint256 taskId) external;

    /// @notice Returns an expired task's unpaid rounds to its poster.
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

    /// @notice Sets the spares of tasks posted from now on (governance); posted tasks keep theirs.
    /// @param spares rendezvous positions after the executors whose results count, at most MAX_SPARES
    function setDefaultSpares(uint8 spares) external;

    /// @notice The spares a task posted now gets.
    /// @return the count
    function defaultSpares() external view returns (uint8);

    /// @notice A task.
    /// @param taskId the task
    /// @return the record
    function getTask(uint256 taskId) external view returns (Task memory);

    /// @notice The height from which a round may be certified.
    /// @param taskId the task
    /// @param round the round
    /// @return height startHeight + 1 + round * periodHeights
    function roundDueHeight(uint256 taskId, uint32 round) external view returns (uint64 height);

    /// @notice An executor's earnings not yet withdrawn.
    /// @param executor the executor
    /// @return OPEN wei
    function earnings(address executor) external view returns (uint256);
}
