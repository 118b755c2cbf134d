// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {StakingRankingHarness} from "../../../contracts/test/StakingRankingHarness.sol";
import {CheatCodes} from "../utils/Vm.sol";

/// @dev Random updates of up to 48 operators (stake changes, leaving, re-entering) and capacity changes, with a
/// model of every operator's current (stake, eligible).
contract RankingHandler is CheatCodes {
    StakingRankingHarness public immutable ranking;
    uint256 public constant OPERATORS = 48;
    mapping(address => uint256) public stakeOf;
    mapping(address => bool) public eligibleOf;

    constructor(StakingRankingHarness ranking_) {
        ranking = ranking_;
    }

    function operator(uint256 i) public pure returns (address) {
        return address(uint160(0x1000 + i));
    }

    function update(uint256 opSeed, uint256 stake, bool eligible) external {
        address op = operator(opSeed % OPERATORS);
        // Few distinct stakes, so ties (broken by address) happen often.
        stake = bound(stake, 0, 40) * 1e18;
        ranking.update(op, stake, eligible);
        stakeOf[op] = stake;
        eligibleOf[op] = eligible;
    }

    function setCapacity(uint256 size) external {
        ranking.setCapacity(bound(size, 1, 20));
    }
}

contract ValidatorRankingTest is CheatCodes {
    StakingRankingHarness internal ranking;
    RankingHandler internal handler;

    function setUp() public {
        ranking = new StakingRankingHarness(8);
        handler = new RankingHandler(ranking);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// hardhat-config: invariant.depth = 128
    /// hardhat-config: invariant.runs = 32
    /// Both arrays are heaps (min-heap top, max-heap rest) and every position entry points at its key.
    function invariantHeapsAreOrderedAndIndexed() public view {
        uint256[] memory top = ranking.topKeys();
        uint256[] memory rest = ranking.restKeys();
        for (uint256 i = 1; i < top.length; ++i) require(top[(i - 1) / 2] < top[i], "top not a min-heap");
        for (uint256 i = 1; i < rest.length; ++i) require(rest[(i - 1) / 2] > rest[i], "rest not a max-heap");
        for (uint256 i = 0; i < top.length; ++i) {
            require(ranking.topPosition(ranking.operatorOf(top[i])) == i + 1, "top position wrong");
        }
        for (uint256 i = 0; i < rest.length; ++i) {
            require(ranking.restPosition(ranking.operatorOf(rest[i])) == i + 1, "rest position wrong");
        }
    }

    /// hardhat-config: invariant.depth = 128
    /// hardhat-config: invariant.runs = 32
    /// Exactly the eligible operators are ranked, each once, with its current stake; the top set has
    /// min(capacity, eligible) members, every top key beats every other key, and `topInSetOrder` lists the
    /// members in strictly descending key order.
    function invariantTopIsTheBestCapacity() public view {
        uint256[] memory top = ranking.topKeys();
        uint256[] memory rest = ranking.restKeys();
        uint256 eligible;
        for (uint256 i = 0; i < handler.OPERATORS(); ++i) {
            address op = handler.operator(i);
            bool ranked = ranking.topPosition(op) != 0 || ranking.restPosition(op) != 0;
            require(ranked == handler.eligibleOf(op), "ranked != eligible");
            require(ranking.topPosition(op) == 0 || ranking.restPosition(op) == 0, "in both heaps");
            if (!handler.eligibleOf(op)) continue;
            ++eligible;
            uint256 key = ranking.keyOf(op, handler.stakeOf(op));
            uint256 position = ranking.topPosition(op);
            require(position == 0 ? rest[ranking.restPosition(op) - 1] == key : top[position - 1] == key, "stale key");
        }
        uint256[] memory ordered = ranking.topInSetOrder();
        require(ordered.length == top.length, "set order has a different size");
        for (uint256 i = 0; i < ordered.length; ++i) {
            require(ranking.topPosition(ranking.operatorOf(ordered[i])) != 0, "set order has a non-member");
            require(i == 0 || ordered[i - 1] > ordered[i], "set order not strictly descending");
        }
        uint256 capacity = ranking.capacity();
        require(top.length == (eligible < capacity ? eligible : capacity), "wrong top size");
        if (top.length != 0 && rest.length != 0) require(top[0] > rest[0], "an outsider beats a member");
    }
}
