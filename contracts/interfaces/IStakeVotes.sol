// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";

/// @title Voting power of OPEN holders and stakers, for the Governor
/// @notice An ERC-5805 vote source: votes(a) = OPEN votes delegated to a (the token's own checkpoints) + staked
/// votes delegated to a (checkpointed here). Staked voting units of an account are the OPEN it bonded (as
/// operator or delegator) and has not started to unbond. `delegate` here moves staked votes only; OPEN votes
/// are delegated on the token. On its first stake an account's staked votes go to its token delegate (or to
/// itself if it has none), so voting power does not vanish when OPEN is staked.
interface IStakeVotes is IERC5805 {
    /// @notice Only the staking contract that created this contract may change voting units.
    error StakeVotesUnauthorized(address caller);
    /// @notice The token does not use the timestamp clock this contract and the Governor rely on.
    error StakeVotesClockMismatch();

    /// @notice An account's staked voting units changed.
    event VotingUnitsChanged(address indexed account, uint256 oldUnits, uint256 newUnits);

    /// @notice Adds staked voting units (called by the staking contract when OPEN is bonded).
    /// @param account the staker
    /// @param amount OPEN wei bonded
    function addVotingUnits(address account, uint256 amount) external;

    /// @notice Removes staked voting units (called by the staking contract when OPEN starts unbonding).
    /// @param account the staker
    /// @param amount OPEN principal leaving
    function removeVotingUnits(address account, uint256 amount) external;

    /// @notice An account's staked voting units.
    /// @param account the staker
    /// @return units OPEN bonded and not unbonding
    function votingUnitsOf(address account) external view returns (uint256 units);

    /// @notice Staked votes delegated to an account now (without its OPEN votes).
    /// @param account the delegatee
    /// @return votes the staked votes
    function stakedVotes(address account) external view returns (uint256 votes);

    /// @notice Staked votes delegated to an account at a past time (without its OPEN votes).
    /// @param account the delegatee
    /// @param timepoint a past timestamp
    /// @return votes the staked votes
    function pastStakedVotes(address account, uint256 timepoint) external view returns (uint256 votes);

    /// @notice The OPEN token whose votes are added.
    /// @return the token
    function token() external view returns (address);

    /// @notice The staking contract allowed to change voting units.
    /// @return the staking contract
    function staking() external view returns (address);
}
