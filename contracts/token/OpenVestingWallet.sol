// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {VestingWallet} from "@openzeppelin/contracts/finance/VestingWallet.sol";
import {VestingWalletCliff} from "@openzeppelin/contracts/finance/VestingWalletCliff.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @title Vesting wallet for genesis allocations (team, advisors, early supporters, contributors)
/// @notice Linear vesting from `start` over `duration`, nothing released before `start + cliff`.
/// The beneficiary (owner) can delegate the voting power of the still-locked tokens, so vesting
/// holders take part in governance without being able to move the tokens early.
contract OpenVestingWallet is VestingWalletCliff {
    /// @param beneficiary who receives released tokens and may delegate their votes
    /// @param startTimestamp when vesting begins
    /// @param durationSeconds length of the linear vesting
    /// @param cliffSeconds time after start before anything is released; <= durationSeconds
    constructor(
        address beneficiary,
        uint64 startTimestamp,
        uint64 durationSeconds,
        uint64 cliffSeconds
    ) VestingWallet(beneficiary, startTimestamp, durationSeconds) VestingWalletCliff(cliffSeconds) {}

    /// @notice Delegates the votes of the tokens this wallet holds.
    /// @param token an ERC20Votes token held by this wallet
    /// @param delegatee who receives the voting power
    function delegate(IVotes token, address delegatee) external onlyOwner {
        token.delegate(delegatee);
    }
}
