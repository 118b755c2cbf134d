// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {OpenToken} from "../../../contracts/token/OpenToken.sol";
import {CheatCodes} from "../utils/Vm.sol";

/// @dev Random sequences of transfers, approvals, permits, transferFroms and delegations
/// among a fixed set of holders (the only genesis recipients).
contract OpenTokenHandler is CheatCodes {
    OpenToken public immutable token;
    uint256[] internal keys;
    address[] public actors;
    uint256 public permitsUsed;

    bytes32 private constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );

    constructor(OpenToken token_, uint256[] memory keys_) {
        token = token_;
        keys = keys_;
        for (uint256 i = 0; i < keys_.length; ++i) actors.push(vm.addr(keys_[i]));
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = actors[fromSeed % actors.length];
        address to = actors[toSeed % actors.length];
        amount = bound(amount, 0, token.balanceOf(from));
        vm.prank(from);
        token.transfer(to, amount);
    }

    function delegate(uint256 fromSeed, uint256 toSeed) external {
        vm.prank(actors[fromSeed % actors.length]);
        token.delegate(actors[toSeed % actors.length]);
    }

    function permitAndPull(uint256 ownerSeed, uint256 spenderSeed, uint256 toSeed, uint256 amount) external {
        uint256 ownerIndex = ownerSeed % actors.length;
        address owner = actors[ownerIndex];
        address spender = actors[spenderSeed % actors.length];
        amount = bound(amount, 0, token.balanceOf(owner));
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, owner, spender, amount, token.nonces(owner), deadline)
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[ownerIndex], digest);
        token.permit(owner, spender, amount, deadline, v, r, s);
        ++permitsUsed;
        vm.prank(spender);
        token.transferFrom(owner, actors[toSeed % actors.length], amount);
    }

    function advanceTime(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 30 days));
    }
}

contract OpenTokenSupplyTest is CheatCodes {
    OpenToken internal token;
    OpenTokenHandler internal handler;
    uint256 internal constant SUPPLY = 1_000_000_000e18;

    function setUp() public {
        uint256[] memory keys = new uint256[](5);
        address[] memory holders = new address[](5);
        uint256[] memory amounts = new uint256[](5);
        for (uint256 i = 0; i < 5; ++i) {
            keys[i] = 0xA11CE + i;
            holders[i] = vm.addr(keys[i]);
            amounts[i] = SUPPLY / 5;
        }
        token = new OpenToken(holders, amounts, address(0));
        handler = new OpenTokenHandler(token, keys);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariantTotalSupplyNeverChanges() public view {
        require(token.totalSupply() == SUPPLY, "total supply changed");
    }

    function invariantHolderBalancesAddUpToSupply() public view {
        uint256 sum;
        for (uint256 i = 0; i < handler.actorCount(); ++i) sum += token.balanceOf(handler.actors(i));
        require(sum == SUPPLY, "balances do not add up to the supply");
    }

    function invariantDelegatedVotesNeverExceedSupply() public view {
        uint256 votes;
        for (uint256 i = 0; i < handler.actorCount(); ++i) votes += token.getVotes(handler.actors(i));
        require(votes <= SUPPLY, "votes exceed supply");
    }

    /// Fuzz: a single transfer of any amount up to the balance keeps the supply and moves exactly `amount`.
    function testTransferKeepsSupplyAndMovesExactAmount(uint256 amount, uint256 toSeed) public {
        address from = handler.actors(0);
        address to = handler.actors(1 + (toSeed % 4));
        amount = bound(amount, 0, token.balanceOf(from));
        uint256 before = token.balanceOf(to);
        vm.prank(from);
        token.transfer(to, amount);
        require(token.balanceOf(to) == before + amount, "amount not moved");
        require(token.totalSupply() == SUPPLY, "supply changed");
    }

    /// Fuzz: transferring more than the balance reverts and changes nothing.
    function testTransferAboveBalanceReverts(uint256 extra) public {
        address from = handler.actors(0);
        address to = handler.actors(1);
        uint256 balance = token.balanceOf(from);
        extra = bound(extra, 1, type(uint128).max);
        vm.prank(from);
        vm.expectRevert();
        token.transfer(to, balance + extra);
        require(token.balanceOf(from) == balance, "balance changed");
    }
}
