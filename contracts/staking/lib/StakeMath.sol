// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title Share and fraction arithmetic of the staking pools
/// @notice A pool holds `stake` OPEN split into `shares`. Rounding always favours the pool (the remaining
/// holders): shares minted round down, OPEN paid out rounds down, shares burned for an OPEN amount round up.
/// @dev No virtual shares: pool stake only changes through deposits (which mint shares), rewards (restricted),
/// slashing and payouts, never through a donation, so the ERC-4626 inflation attack does not apply.
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
        return Math.mulDiv(amount, totalShares, totalStake);
    }

    /// @notice OPEN that `shares` are worth (rounded down).
    /// @param shares shares
    /// @param totalShares pool shares
    /// @param totalStake pool stake
    /// @return amount OPEN
    function toStake(uint256 shares, uint256 totalShares, uint256 totalStake) internal pure returns (uint256) {
        if (totalShares == 0) return 0;
        return Math.mulDiv(shares, totalStake, totalShares);
    }

    /// @notice x * fractionWad / 1e18, rounded down.
    /// @param x value
    /// @param fractionWad fraction in WAD
    /// @return the product
    function mulWad(uint256 x, uint256 fractionWad) internal pure returns (uint256) {
        return Math.mulDiv(x, fractionWad, WAD);
    }
}
