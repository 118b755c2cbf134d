// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {OpenToken} from "../../../contracts/token/OpenToken.sol";
import {OpenAccessManager} from "../../../contracts/governance/OpenAccessManager.sol";
import {Staking} from "../../../contracts/staking/Staking.sol";
import {RewardsDistributor} from "../../../contracts/rewards/RewardsDistributor.sol";
import {IRewardsDistributor} from "../../../contracts/interfaces/IRewardsDistributor.sol";
import {IOperatorRegistryTypes} from "../../../contracts/interfaces/IOperatorRegistry.sol";
import {CheckpointLeaves} from "../../../contracts/consensus/CheckpointLeaves.sol";
import {CheatCodes} from "../utils/Vm.sol";
import {StakingKeys} from "../staking/StakingKeys.sol";

/// @dev Random sequences of epoch records (within and beyond budget), honest and inflated claims, and fee
/// deposits against the real RewardsDistributor paying into the real Staking contract.
contract RewardsHandler is CheatCodes {
    RewardsDistributor public immutable rewards;
    OpenToken public immutable token;
    address public immutable operator;
    /// A second operator for the second leaf (claims are one per operator and epoch); not registered in staking,
    /// so its pushes fail and its credit stays reserved.
    address public constant OTHER = address(0xB0B);
    uint64 public epochs;

    constructor(RewardsDistributor rewards_, OpenToken token_, address operator_) {
        rewards = rewards_;
        token = token_;
        operator = operator_;
    }

    function _pairRoot(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    /// Records the next epoch with a two-leaf tree (operator, OTHER) whose leaves may add up to more than the declared total.
    function record(uint256 totalSeed, uint256 aSeed, uint256 bSeed) external {
        uint256 budget = rewards.nextEpochBudget();
        uint256 total = bound(totalSeed, 0, budget + budget / 5 + 1);
        uint256 a = bound(aSeed, 0, total + 1e18);
        uint256 b = bound(bSeed, 0, total + 1e18);
        bytes32 root = _pairRoot(CheckpointLeaves.reward(0, operator, a), CheckpointLeaves.reward(1, OTHER, b));
        uint64 epoch = epochs + 1;
        try rewards.recordEpochRewards(epoch, root, total) {
            epochs = epoch;
            leafA[epoch] = a;
            leafB[epoch] = b;
        } catch {}
    }

    mapping(uint64 => uint256) public leafA;
    mapping(uint64 => uint256) public leafB;

    function claim(uint256 epochSeed, bool second) external {
        if (epochs == 0) return;
        uint64 epoch = uint64(bound(epochSeed, 1, epochs));
        bytes32 la = CheckpointLeaves.reward(0, operator, leafA[epoch]);
        bytes32 lb = CheckpointLeaves.reward(1, OTHER, leafB[epoch]);
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = second ? la : lb;
        uint256 index = second ? 1 : 0;
        uint256 amount = second ? leafB[epoch] : leafA[epoch];
        try rewards.claim(epoch, index, second ? OTHER : operator, amount, proof) {} catch {}
    }

    function push(uint256 fromSeed, uint256 toSeed) external {
        uint64 from = uint64(bound(fromSeed, 0, epochs));
        uint64 to = uint64(bound(toSeed, from, epochs));
        try rewards.pushRewards(operator, from, to) {} catch {}
    }

    function addFees(uint256 amount) external {
        amount = bound(amount, 1, 1_000_000e18);
        token.approve(address(rewards), amount);
        try rewards.addFees(amount) {} catch {}
    }
}

contract RewardsInvariantTest is CheatCodes {
    OpenToken internal token;
    RewardsDistributor internal rewards;
    RewardsHandler internal handler;
    Staking internal staking;

    function setUp() public {
        address[] memory holders = new address[](1);
        uint256[] memory amounts = new uint256[](1);
        holders[0] = address(this);
        amounts[0] = 1_000_000_000e18;
        token = new OpenToken(holders, amounts, address(0));
        OpenAccessManager manager = new OpenAccessManager(address(this));
        staking = new Staking(address(manager), address(token), address(0xBEEF));
        rewards = new RewardsDistributor(token, staking, address(manager), 0.01e18);

        // the operator is the staking invariant's actor 0: StakingKeys' key 0 carries a proof of possession bound to it
        address operator = address(uint160(0xA0000));
        token.transfer(operator, 10_000e18);
        (bytes memory pubkey, bytes memory proof) = StakingKeys.key(0);
        vm.startPrank(operator);
        token.approve(address(staking), 10_000e18);
        staking.register(
            IOperatorRegistryTypes.Registration({
                signer: address(0x5161),
                blsPubkey: pubkey,
                blsProofOfPossession: proof,
                peerId: hex"01",
                endpoint: "/ip4/127.0.0.1/tcp/1",
                resources: IOperatorRegistryTypes.Resources(1, 1, 1, 1),
                commissionWad: 0.1e18,
                stake: 10_000e18
            })
        );
        vm.stopPrank();
        handler = new RewardsHandler(rewards, token, operator);
        token.transfer(address(rewards), 280_000_000e18);
        token.transfer(address(handler), 100_000_000e18);

        bytes4[] memory record = new bytes4[](1);
        record[0] = RewardsDistributor.recordEpochRewards.selector;
        manager.setTargetFunctionRole(address(rewards), record, 1);
        manager.grantRole(1, address(handler), 0);
        bytes4[] memory distribute = new bytes4[](1);
        distribute[0] = Staking.distributeRewards.selector;
        manager.setTargetFunctionRole(address(staking), distribute, 2);
        manager.grantRole(2, address(rewards), 0);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// paid <= totalRewards <= budget, for every recorded epoch
    function invariantPaidNeverExceedsTotalNorTotalTheBudget() public view {
        for (uint64 e = 1; e <= handler.epochs(); ++e) {
            IRewardsDistributor.EpochRewards memory r = rewards.epochRewards(e);
            require(r.paid <= r.total, "paid above total");
            require(r.total <= r.budget, "total above budget");
        }
    }

    /// the distributor always holds what it promised (recorded but unclaimed, and claimed but not pushed)
    function invariantBalanceCoversReserved() public view {
        uint256 owed;
        for (uint64 e = 1; e <= handler.epochs(); ++e) {
            IRewardsDistributor.EpochRewards memory r = rewards.epochRewards(e);
            owed += r.total - r.paid;
        }
        owed += rewards.credited(handler.operator(), 0, handler.epochs());
        owed += rewards.credited(handler.OTHER(), 0, handler.epochs());
        require(rewards.reserved() == owed, "reserved != unpaid totals + credited");
        require(token.balanceOf(address(rewards)) >= rewards.reserved(), "balance below reserved");
    }
}
