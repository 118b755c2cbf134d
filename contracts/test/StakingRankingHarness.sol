// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ValidatorRanking} from "../staking/lib/ValidatorRanking.sol";

/// @title Test-only harness exposing the ValidatorRanking library (two storage heaps) to fuzz and invariant tests
/// at sizes the BLS-keyed staking tests cannot reach cheaply. Not deployed by the protocol.
contract StakingRankingHarness {
    using ValidatorRanking for ValidatorRanking.Ranking;

    ValidatorRanking.Ranking private _ranking;
    uint256 public capacity;

    constructor(uint256 initialCapacity) {
        capacity = initialCapacity;
    }

    function update(address operator, uint256 stake, bool eligible) external {
        _ranking.update(operator, stake, eligible, capacity);
    }

    function setCapacity(uint256 newCapacity) external {
        capacity = newCapacity;
        _ranking.rebalance(newCapacity);
    }

    function topKeys() external view returns (uint256[] memory) {
        return _ranking.top.keys;
    }

    function topInSetOrder() external view returns (uint256[] memory) {
        return _ranking.topInSetOrder();
    }

    function restKeys() external view returns (uint256[] memory) {
        return _ranking.rest.keys;
    }

    function topPosition(address operator) external view returns (uint256) {
        return _ranking.top.position[operator];
    }

    function restPosition(address operator) external view returns (uint256) {
        return _ranking.rest.position[operator];
    }

    function keyOf(address operator, uint256 stake) external pure returns (uint256) {
        return ValidatorRanking.keyOf(operator, stake);
    }

    function operatorOf(uint256 key) external pure returns (address) {
        return ValidatorRanking.operatorOf(key);
    }
}
