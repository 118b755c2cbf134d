// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Receives each epoch's certified rewards root from the checkpoint store
interface IRewardsLedger {
    /// @notice Records the rewards of a finished epoch; reverts if `totalRewards` exceeds its budget.
    /// @param epoch the finished epoch the rewards are for
    /// @param rewardsRoot Merkle root of (index, operator, amount) claims
    /// @param totalRewards the sum of the claims
    function recordEpochRewards(uint64 epoch, bytes32 rewardsRoot, uint256 totalRewards) external;
}
