// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IRewardsLedger} from "./IRewardsLedger.sol";

/// @title Node-operator rewards: per-epoch budgets from the node pool, claims by Merkle proof
interface IRewardsDistributor is IRewardsLedger {
    /// @notice What is recorded for one finished epoch.
    struct EpochRewards {
        bytes32 root;
        uint128 total;
        uint128 paid;
        uint128 budget;
        bool recorded;
    }

    /// @notice How keepers split each epoch's budget (docs/checkpoints.md, "Rewards"): `serviceShareBps` of it
    /// is paid for proven service, each member's capacity score x uptime in the epoch's certified porRoot leaves,
    /// the score being the sum over measures of weight x proven / reference (latency: reference / proven, at most
    /// 1); the rest pays security, stake x signed heights. Keepers read it at the block that starts the next epoch.
    struct ServiceRewards {
        /// share of the budget paid for proven service, basis points (at most MAX_SERVICE_SHARE_BPS)
        uint16 serviceShareBps;
        /// weights of the measures in the score, basis points summing to 10,000
        uint16 cpuWeightBps;
        uint16 memoryWeightBps;
        uint16 storageWeightBps;
        uint16 bandwidthWeightBps;
        uint16 latencyWeightBps;
        /// the reference node: proving exactly this scores 10,000 (all non-zero)
        uint32 refCpuCores;
        uint32 refBandwidthMbps;
        uint32 refLatencyUs;
        uint64 refMemoryMiB;
        uint64 refStorageGiB;
    }

    /// @notice A certified header declared an epoch's rewards.
    event EpochRewardsRecorded(uint64 indexed epoch, bytes32 root, uint256 totalRewards, uint256 budget);
    /// @notice A reward leaf was proven and credited to the operator (one per operator and epoch, so the leaf index
    /// is not logged).
    event RewardClaimed(uint64 indexed epoch, address indexed operator, uint256 amount);
    /// @notice An operator's credited rewards went into its staking pool (commission to the operator, the rest
    /// to its delegators through the share price).
    event RewardsPushed(address indexed operator, uint256 amount);
    /// @notice A credited reward was not pushed in the epoch after the one it was earned in: the stake that earned
    /// it can no longer be told apart from later deposits, so it returned to the free pool (re-emitted later).
    event RewardsExpired(address indexed operator, uint64 indexed epoch, uint256 amount);
    /// @notice Protocol fees joined the pool; they are added to the next recorded epoch's budget.
    event FeesAdded(address indexed from, uint256 amount);
    /// @notice Governance changed the per-epoch emission.
    event EmissionSet(uint256 emissionPerEpochWad);
    /// @notice Governance changed the security/service split of the budget, the score's weights or its reference.
    event ServiceRewardsSet(ServiceRewards params);

    /// @notice The epoch's rewards were already recorded.
    error RewardsEpochAlreadyRecorded(uint64 epoch);
    /// @notice Declared rewards exceed the epoch's budget.
    error RewardsExceedBudget(uint256 totalRewards, uint256 budget);
    /// @notice No rewards are recorded for the epoch.
    error RewardsEpochNotRecorded(uint64 epoch);
    /// @notice The operator already claimed its reward of the epoch.
    error RewardsAlreadyClaimed(uint64 epoch, address operator);
    /// @notice The proof does not prove the claim against the epoch's rewards root.
    error RewardsInvalidProof();
    /// @notice Paying the claim would exceed the epoch's declared total.
    error RewardsEpochOverpaid(uint64 epoch, uint256 paid, uint256 total);
    /// @notice Emission above the governance cap.
    error RewardsEmissionTooHigh(uint256 value, uint256 maximum);
    /// @notice A service share above the cap (security keeps at least 10,000 - MAX_SERVICE_SHARE_BPS).
    error RewardsServiceShareTooHigh(uint256 value, uint256 maximum);
    /// @notice The score's weights do not sum to 10,000 basis points.
    error RewardsServiceWeightsNotWhole(uint256 sum);
    /// @notice A reference value of zero (a score divides by it).
    error RewardsServiceZeroReference();
    /// @notice A zero amount.
    error RewardsZeroAmount();
    /// @notice The operator has no credited rewards to push.
    error RewardsNothingToPush(address operator);

    /// @notice Proves a reward leaf `(index, operator, amount)` of `epoch` and credits the operator. Anyone may
    /// call it; the reward can only ever go to the operator's staking pool (see pushRewards). One claim per
    /// operator and epoch.
    /// @param epoch the rewarded epoch
    /// @param index the leaf's index (part of the leaf)
    /// @param operator the operator
    /// @param amount OPEN wei
    /// @param proof StandardMerkleTree proof against the epoch's rewards root
    function claim(uint64 epoch, uint256 index, address operator, uint256 amount, bytes32[] calldata proof) external;

    /// @notice Moves an operator's rewards credited by claims of epochs `fromEpoch`..`toEpoch` (rounded out to whole
    /// 128-epoch windows) into its staking pool, each tagged with its epoch (anyone may call). A reward reaches only
    /// the stake bonded when its epoch began, and must be pushed during the epoch after its own: later, the staking
    /// contract refuses it and it returns to the free pool (`RewardsExpired`). `pushRewards(operator, e, e)` pushes
    /// epoch e's reward reading one word; `pushRewards(operator, 0, currentEpoch)` pushes everything.
    /// @param operator the operator
    /// @param fromEpoch the first epoch whose window is pushed
    /// @param toEpoch the last epoch whose window is pushed
    function pushRewards(address operator, uint64 fromEpoch, uint64 toEpoch) external;

    /// @notice Adds protocol fees to the pool (pulled from the caller); they raise the next epoch's budget.
    /// @param amount OPEN wei
    function addFees(uint256 amount) external;

    /// @notice Sets the fraction of the remaining pool emitted per epoch (governance).
    /// @param value WAD, at most MAX_EMISSION_PER_EPOCH_WAD
    function setEmissionPerEpoch(uint256 value) external;

    /// @notice Sets the security/service split, the score's weights and the reference node (governance). Keepers
    /// apply it from the next epoch start on, to the epoch that just ended.
    /// @param params the split (at most MAX_SERVICE_SHARE_BPS to service), weights (summing to 10,000) and non-zero
    /// references
    function setServiceRewards(ServiceRewards calldata params) external;

    /// @notice The security/service split in force (read by keepers at each epoch's start block).
    /// @return the split, weights and reference node
    function serviceRewards() external view returns (ServiceRewards memory);

    /// @notice The budget the next recorded epoch would get now: emission of the free pool plus pending fees.
    /// @return budget OPEN wei
    function nextEpochBudget() external view returns (uint256 budget);

    /// @notice OPEN in the pool not yet promised to recorded epochs.
    /// @return OPEN wei
    function freePool() external view returns (uint256);

    /// @notice Whether the operator claimed its reward of the epoch.
    /// @param epoch the epoch
    /// @param operator the operator
    /// @return whether it was claimed
    function isClaimed(uint64 epoch, address operator) external view returns (bool);

    /// @notice Rewards claimed for epochs `fromEpoch`..`toEpoch` (whole 128-epoch windows) and not yet pushed.
    /// @param operator the operator
    /// @param fromEpoch the first epoch whose window counts
    /// @param toEpoch the last epoch whose window counts
    /// @return amount OPEN wei
    function credited(address operator, uint64 fromEpoch, uint64 toEpoch) external view returns (uint256 amount);

    /// @notice The record of an epoch.
    /// @param epoch the epoch
    /// @return the record
    function epochRewards(uint64 epoch) external view returns (EpochRewards memory);
}
