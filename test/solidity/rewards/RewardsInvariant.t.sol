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
        token = new OpenToken(holders, amounts);
        OpenAccessManager manager = new OpenAccessManager(address(this));
        staking = new Staking(address(manager), address(token), address(0xBEEF));
        rewards = new RewardsDistributor(token, staking, address(manager), 0.01e18);

        token.approve(address(staking), 10_000e18);
        staking.register(
            IOperatorRegistryTypes.Registration({
                signer: address(0x5161),
                blsPubkey: hex"0000000000000000000000000000000014f59b7d93d5cbb1242a18a35f9b956492cdb4caf619c0a1b51f3ad49dfe477ae586a59cf576e4487a7349e4fd5087750000000000000000000000000000000018351f05c09abea599990ad396a4cf65f13c0a59231d6177275e1b2aae478243e8fe474de7be3d00c8026837877c6c960000000000000000000000000000000006b2c6565072156536b686a131885dac5adcf709541e582bdffc294615cc26db31a9bf804c6347899a780d51635a3ae0000000000000000000000000000000000238468c678a506850a5ee370c4ac6a61f64edf900c3932f7056fd2c56067f28343d3dea174e479e57acdeced25fe55a",
                blsProofOfPossession: hex"0000000000000000000000000000000006d110889fd348c6975a165df62eb1702cc22cc6ed91e1cac89dc68e8b12ed8cac4fd64e1d2d5a52ddfbdc7e4c90282d00000000000000000000000000000000184f60308698cc77bdd74338fd263c4ffa8ad4c39231c0758c148183c50051e32c944a2d1fbdffbb0ed2c58c66c48691",
                peerId: hex"01",
                endpoint: "/ip4/127.0.0.1/tcp/1",
                resources: IOperatorRegistryTypes.Resources(1, 1, 1, 1),
                commissionWad: 0.1e18,
                stake: 10_000e18
            })
        );
        handler = new RewardsHandler(rewards, token, address(this));
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
