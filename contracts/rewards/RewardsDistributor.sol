// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IRewardsDistributor} from "../interfaces/IRewardsDistributor.sol";
import {IRewardsLedger} from "../interfaces/IRewardsLedger.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {CheckpointLeaves} from "../consensus/CheckpointLeaves.sol";

/// @title Rewards distributor: the node-operator pool (28% of genesis)
/// @notice Each finished epoch gets a budget: `emissionPerEpochWad` of the free pool plus the protocol fees
/// received since the last record. The checkpoint store records the certified `rewardsRoot` and
/// `totalRewards` of the epoch (never more than the budget). A claim proves a leaf and credits the operator;
/// `pushRewards` moves an operator's credited reward into its staking pool, tagged with the epoch it was earned
/// in: the commission becomes owner shares and the rest raises the price of the shares bonded when that epoch
/// began (Staking activates deposits at the second epoch boundary after them), so a delegation made after the
/// epoch, even in the push's block, gets none of it. A reward must be pushed before the epoch after its own is
/// over (later, deposits made since are earning and cannot be told apart): an older credit returns to the free
/// pool (`RewardsExpired`). The split keeps each proof cheap (one storage word per claim).
/// @dev Invariants: for every epoch paid <= total <= budget;
/// reserved == sum over epochs of (total - paid) + sum of credited rewards; the token balance >= reserved.
/// Default emission: 0.0012% of the free pool per epoch. With one-hour epochs (8,760 a year) that emits
/// 1 - (1 - 0.000012)^8760 ~= 10% of the remaining pool a year, a geometric decay that never empties the pool.
contract RewardsDistributor is IRewardsDistributor, AccessManaged, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Governance cannot emit more than 1% of the free pool in one epoch.
    uint256 public constant MAX_EMISSION_PER_EPOCH_WAD = 0.01e18;

    /// @notice Security (stake x signed heights) keeps at least 20% of every budget: it pays the validators whose
    /// signatures make the headers, the porRoot included, true.
    uint256 public constant MAX_SERVICE_SHARE_BPS = 8_000;

    IERC20 public immutable token;
    IStaking public immutable staking;

    uint256 public emissionPerEpochWad;
    /// @notice Recorded but not yet claimed rewards.
    uint256 public reserved;
    /// @notice Fees received since the last recorded epoch.
    uint256 public pendingFees;
    /// @notice Epochs per claims word.
    uint256 public constant CLAIM_WINDOW = 128;

    /// @dev Bits of a claims word that hold the claimed epochs (bit `epoch % 128`); the high 128 bits hold the
    /// reward claimed in the window and not yet pushed, as (epoch + 1) << 96 | amount (one epoch at a time: of two
    /// recorded epochs the older cannot be pushed any more; an amount <= the token supply < 2^96).
    uint256 private constant CLAIMED_MASK = type(uint128).max;

    ServiceRewards private _service;

    mapping(uint64 epoch => EpochRewards) private _epochs;
    /// @dev operator => epoch / 128 => claims word (see CLAIMED_MASK).
    mapping(address operator => mapping(uint256 window => uint256)) private _claims;

    /// @param token_ OPEN
    /// @param staking_ the staking contract that receives claims
    /// @param authority the AccessManager
    /// @param emissionPerEpochWad_ initial emission fraction per epoch
    constructor(
        IERC20 token_,
        IStaking staking_,
        address authority,
        uint256 emissionPerEpochWad_
    ) AccessManaged(authority) {
        token = token_;
        staking = staking_;
        _setEmission(emissionPerEpochWad_);
        // Half for proven service; the reference node of docs/por.md (8 cores, 16 GiB, 1 TiB, 1 Gbit/s, 50 ms).
        _setServiceRewards(
            ServiceRewards({
                serviceShareBps: 5_000,
                cpuWeightBps: 3_000,
                memoryWeightBps: 2_000,
                storageWeightBps: 2_000,
                bandwidthWeightBps: 2_000,
                latencyWeightBps: 1_000,
                refCpuCores: 8,
                refBandwidthMbps: 1_000,
                refLatencyUs: 50_000,
                refMemoryMiB: 16_384,
                refStorageGiB: 1_024
            })
        );
    }

    /// @inheritdoc IRewardsLedger
    function recordEpochRewards(uint64 epoch, bytes32 rewardsRoot, uint256 totalRewards) external restricted {
        EpochRewards storage e = _epochs[epoch];
        if (e.recorded) revert RewardsEpochAlreadyRecorded(epoch);
        uint256 budget = nextEpochBudget();
        if (totalRewards > budget) revert RewardsExceedBudget(totalRewards, budget);
        e.root = rewardsRoot;
        e.total = uint128(totalRewards); // <= budget <= token supply < 2^128
        e.budget = uint128(budget);
        e.recorded = true;
        reserved += totalRewards;
        pendingFees = 0;
        emit EpochRewardsRecorded(epoch, rewardsRoot, totalRewards, budget);
    }

    /// @inheritdoc IRewardsDistributor
    function claim(uint64 epoch, uint256 index, address operator, uint256 amount, bytes32[] calldata proof) external {
        EpochRewards storage e = _epochs[epoch];
        bytes32 root = e.root;
        // A recorded epoch has a non-zero root (a hash) unless its header declared none; then no proof verifies and
        // the `recorded` word is read only on this cold path.
        if (root == bytes32(0) && !e.recorded) revert RewardsEpochNotRecorded(epoch);
        mapping(uint256 => uint256) storage words = _claims[operator];
        uint256 window = epoch / CLAIM_WINDOW;
        uint256 bit = 1 << (epoch % CLAIM_WINDOW);
        uint256 word = words[window];
        if (word & bit != 0) revert RewardsAlreadyClaimed(epoch, operator);
        if (_processProof(proof, CheckpointLeaves.reward(index, operator, amount)) != root) {
            revert RewardsInvalidProof();
        }
        uint256 total = e.total;
        uint256 paid = e.paid + amount;
        // A certified tree whose leaves add up to more than its declared total cannot pay past the total.
        if (paid > total) revert RewardsEpochOverpaid(epoch, paid, total);

        e.paid = uint128(paid);
        emit RewardClaimed(epoch, operator, amount);
        words[window] = _credit(operator, epoch, amount, word | bit);
    }

    /// @inheritdoc IRewardsDistributor
    function pushRewards(address operator, uint64 fromEpoch, uint64 toEpoch) external nonReentrant {
        mapping(uint256 => uint256) storage words = _claims[operator];
        bool found;
        for (uint256 w = fromEpoch / CLAIM_WINDOW; w <= toEpoch / CLAIM_WINDOW; ++w) {
            uint256 word = words[w];
            if (word > CLAIMED_MASK) {
                found = true;
                // The claimed bits stay: the word is never zero again, so later claims of the window write ~5k.
                words[w] = word & CLAIMED_MASK;
                uint64 epoch = uint64(word >> 224) - 1;
                uint256 amount = uint96(word >> 128);
                reserved -= amount;
                token.forceApprove(address(staking), amount);
                if (staking.distributeRewards(operator, epoch, amount)) {
                    emit RewardsPushed(operator, amount);
                } else {
                    // too late for the stake that earned it (see the contract's notice): back to the free pool
                    token.forceApprove(address(staking), 0);
                    emit RewardsExpired(operator, epoch, amount);
                }
            }
        }
        if (!found) revert RewardsNothingToPush(operator);
    }

    /// @inheritdoc IRewardsDistributor
    function addFees(uint256 amount) external nonReentrant {
        if (amount == 0) revert RewardsZeroAmount();
        pendingFees += amount;
        emit FeesAdded(msg.sender, amount);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IRewardsDistributor
    function setEmissionPerEpoch(uint256 value) external restricted {
        _setEmission(value);
    }

    /// @inheritdoc IRewardsDistributor
    function setServiceRewards(ServiceRewards calldata params) external restricted {
        _setServiceRewards(params);
    }

    /// @inheritdoc IRewardsDistributor
    function serviceRewards() external view returns (ServiceRewards memory) {
        return _service;
    }

    /// @inheritdoc IRewardsDistributor
    function nextEpochBudget() public view returns (uint256) {
        uint256 free = freePool();
        uint256 fees = pendingFees < free ? pendingFees : free;
        return ((free - fees) * emissionPerEpochWad) / 1e18 + fees;
    }

    /// @inheritdoc IRewardsDistributor
    function freePool() public view returns (uint256) {
        return token.balanceOf(address(this)) - reserved;
    }

    /// @inheritdoc IRewardsDistributor
    function isClaimed(uint64 epoch, address operator) external view returns (bool) {
        return _claims[operator][epoch / CLAIM_WINDOW] & (1 << (epoch % CLAIM_WINDOW)) != 0;
    }

    /// @inheritdoc IRewardsDistributor
    function credited(address operator, uint64 fromEpoch, uint64 toEpoch) external view returns (uint256 amount) {
        mapping(uint256 => uint256) storage words = _claims[operator];
        for (uint256 w = fromEpoch / CLAIM_WINDOW; w <= toEpoch / CLAIM_WINDOW; ++w) amount += uint96(words[w] >> 128);
    }

    /// @inheritdoc IRewardsDistributor
    function epochRewards(uint64 epoch) external view returns (EpochRewards memory) {
        return _epochs[epoch];
    }

    /// @dev The claims word after crediting `amount` of `epoch` (its claimed bit already set in `word`).
    function _credit(address operator, uint64 epoch, uint256 amount, uint256 word) private returns (uint256) {
        uint256 credit = word >> 128;
        if (credit != 0) {
            // An unpushed reward of another epoch of the window: both are recorded, so the older one's next epoch is
            // over and it can no longer reach the stake that earned it. It returns to the free pool.
            uint64 creditEpoch = uint64(credit >> 96) - 1;
            if (creditEpoch > epoch) {
                reserved -= amount;
                emit RewardsExpired(operator, epoch, amount);
                return word;
            }
            reserved -= uint96(credit);
            emit RewardsExpired(operator, creditEpoch, uint96(credit));
        }
        // amount <= total <= the token supply < 2^96; epoch + 1 < 2^32 (ValidatorSetManager epochs)
        return (word & CLAIMED_MASK) | (uint256(epoch + 1) << 224) | (amount << 128);
    }

    /// @dev OpenZeppelin's `MerkleProof.processProofCalldata` (sorted pairs) without the per-element bounds checks:
    /// the ABI decoder already checked that the whole array lies in calldata.
    function _processProof(bytes32[] calldata proof, bytes32 leaf) private pure returns (bytes32 node) {
        assembly ("memory-safe") {
            node := leaf
            let end := add(proof.offset, shl(5, proof.length))
            for {
                let p := proof.offset
            } lt(p, end) {
                p := add(p, 0x20)
            } {
                let sibling := calldataload(p)
                let first := shl(5, gt(node, sibling))
                mstore(first, node)
                mstore(xor(first, 0x20), sibling)
                node := keccak256(0x00, 0x40)
            }
        }
    }

    function _setEmission(uint256 value) private {
        if (value > MAX_EMISSION_PER_EPOCH_WAD) revert RewardsEmissionTooHigh(value, MAX_EMISSION_PER_EPOCH_WAD);
        emissionPerEpochWad = value;
        emit EmissionSet(value);
    }

    function _setServiceRewards(ServiceRewards memory p) private {
        if (p.serviceShareBps > MAX_SERVICE_SHARE_BPS) {
            revert RewardsServiceShareTooHigh(p.serviceShareBps, MAX_SERVICE_SHARE_BPS);
        }
        uint256 sum =
            uint256(p.cpuWeightBps) +
                p.memoryWeightBps +
                p.storageWeightBps +
                p.bandwidthWeightBps +
                p.latencyWeightBps;
        if (sum != 10_000) revert RewardsServiceWeightsNotWhole(sum);
        if (
            p.refCpuCores == 0 ||
            p.refBandwidthMbps == 0 ||
            p.refLatencyUs == 0 ||
            p.refMemoryMiB == 0 ||
            p.refStorageGiB == 0
        ) revert RewardsServiceZeroReference();
        _service = p;
        emit ServiceRewardsSet(p);
    }
}
