// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title Share and fraction arithmetic of the staking pools
/// @notice A pool holds `stake` OPEN split into `shares`. Rounding always favours the pool (the remaining
/// holders): shares minted round down, OPEN paid out rounds down, shares burned for an OPEN amount round up.
/// @dev ERC-4626 inflation defence (OpenZeppelin's virtual shares and assets, decimals offset 0): a non-empty
/// pool is priced as if it held one more share and one more wei, so a pool made of dust cannot be pushed to a
/// price where a depositor's rounding loss is large; with the staking contract's minimum pool (a self-stake is 0
/// or >= minStake, delegations need it) and `delegate`'s `minShares`, the attack of issue 15 has no room left.
/// Sum of payouts <= stake: sum floor(s_i (B + 1) / (S + 1)) <= floor(S (B + 1) / (S + 1)) <= B whenever S >= 1.
/// Facts used by callers: if stake > 0 and shares > 0, paying out s < shares leaves stake > 0; a slash of a
/// fraction below 1 leaves stake > 0. So a pool never has shares with zero stake.
library StakeMath {
    uint256 internal constant WAD = 1e18;

    /// @notice Shares `amount` buys from a pool (rounded down). An empty pool prices 1 share = 1 OPEN
    /// (any dust left when the last share was redeemed goes to the next depositor).
    /// @param amount OPEN
    /// @param totalShares pool shares
    /// @param totalStake pool stake
    /// @return shares minted
    function toShares(uint256 amount, uint256 totalShares, uint256 totalStake) internal pure returns (uint256) {
        if (totalShares == 0) return amount;
        return Math.mulDiv(amount, totalShares + 1, totalStake + 1);
    }

    /// @notice OPEN that `shares` are worth (rounded down).
    /// @param shares shares
    /// @param totalShares pool shares
    /// @param totalStake pool stake
    /// @return amount OPEN
    function toStake(uint256 shares, uint256 totalShares, uint256 totalStake) internal pure returns (uint256) {
        if (totalShares == 0) return 0;
        return Math.mulDiv(shares, totalStake + 1, totalShares + 1);
    }

    /// @notice x * fractionWad / 1e18, rounded down.
    /// @param x value
    /// @param fractionWad fraction in WAD
    /// @return the product
    function mulWad(uint256 x, uint256 fractionWad) internal pure returns (uint256) {
        return Math.mulDiv(x, fractionWad, WAD);
    }
}
