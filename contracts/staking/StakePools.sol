// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IValidatorSet} from "../interfaces/IValidatorSet.sol";
import {StakingStorage} from "./StakingStorage.sol";
import {StakeMath} from "./lib/StakeMath.sol";

/// @title The staking contract's pool logic: deposits that activate, unbonding, slashing of the pools
/// @notice Runs only through `delegatecall` from `Staking` (which creates it), on `Staking`'s storage: both share
/// the layout of `StakingStorage` (EigenLayer's core/storage split). It exists so that `Staking` stays under the
/// 24 KB code size limit; access control, reentrancy guards, the ranking and the token transfers stay in `Staking`.
///
/// Rewards reach the stake that earned them (issue 15): a deposit made in epoch d is priced at the pool's share
/// price at once (`Staked` shows those shares; it is in the ranking and slashable at once) but only becomes
/// bonded shares, which earn, when epoch d + 2 begins (`DepositsActivated`, at the pool's price of that moment).
/// The reward of epoch e is pushed during epoch e + 1 (`Staking.distributeRewards` refuses it later), when only
/// deposits of epochs <= e - 1, all bonded when e began, have activated.
contract StakePools is StakingStorage {
    address private immutable _self = address(this);

    /// @notice Called directly instead of through `delegatecall` from `Staking`.
    error StakePoolsNotDelegated();

    modifier onlyDelegated() {
        if (address(this) == _self) revert StakePoolsNotDelegated();
        _;
    }

    /// @notice Activates the operator's due deposits (before a reward of the previous epoch joins the pool).
    /// @param operator the operator
    /// @return epoch the current epoch
    function activate(address operator) external onlyDelegated returns (uint64 epoch) {
        epoch = _currentEpoch();
        _activate(operator, epoch);
    }

    /// @notice Slashes the pools for an infraction of `infractionEpoch`: unbonding buckets of epochs >= it first
    /// (newest first), then the bonded pool and the activating deposits, each losing at most `fractionWad`, never
    /// more than `target` in total.
    /// @param operator the operator
    /// @param fractionWad fraction, WAD
    /// @param infractionEpoch the infraction's epoch
    /// @param target the most to take
    /// @return bondedSlashed taken from the bonded pool and activating deposits
    /// @return unbondingSlashed taken from the unbonding buckets (the caller lowers the pool's sum)
    function slashPools(
        address operator,
        uint256 fractionWad,
        uint64 infractionEpoch,
        uint256 target
    ) external onlyDelegated returns (uint256 bondedSlashed, uint256 unbondingSlashed) {
        unbondingSlashed = _slashUnbonding(operator, fractionWad, infractionEpoch, target);
        // unbondingSlashed <= target by construction
        bondedSlashed = _slashBonded(operator, fractionWad, target - unbondingSlashed);
    }

    /// @dev A deposit (delegation or added self-stake) into the operator's bonded pool, priced at the pool's share
    /// price now; it activates (becomes bonded shares that earn) when the epoch after next begins, so it never shares
    /// the reward of an epoch it was not bonded in from the start (effects only; `_collect` pulls the OPEN and adds
    /// the voting units afterwards). Returns the shares it is priced at.
    function deposit(
        address operator,
        address account,
        uint256 amount
    ) external onlyDelegated returns (uint256 shares) {
        if (amount == 0) revert StakingZeroAmount();
        uint64 epoch = _currentEpoch();
        _activate(operator, epoch);
        _settle(operator, account, epoch);
        Pool storage pool = _pools[operator];
        shares = StakeMath.toShares(amount, pool.bondedShares, pool.bondedStake);
        if (shares == 0) revert StakingAmountTooSmall(amount);
        Activation storage activation = _activations[operator][epoch];
        // The deposits of one epoch form their own small pool (a unit per OPEN until a slash), not priced in bonded
        // shares: a reward pushed between two deposits of the epoch must not move value from the later one to the
        // earlier one (both are worth what they put in until they activate).
        uint256 units = StakeMath.toShares(amount, activation.units, activation.value);
        activation.units = SafeCast.toUint128(activation.units + units);
        activation.value += uint128(amount); // activating OPEN <= the OPEN supply < 2^128
        // After _activate / _settle only deposits of this epoch and the one before are left: shift in this epoch.
        uint64 entry = epoch + 1;
        uint64 heads = _activating[operator];
        if (uint32(heads) != entry) _activating[operator] = (heads << 32) | entry;
        uint256 pending = _pendingDeposits[operator][account];
        if (uint32(pending >> 96) == entry) {
            pending += units;
        } else {
            pending = (pending << 128) | (uint256(entry) << 96);
            pending += units;
        }
        if (uint96(pending) < units) revert StakingDepositTooLarge(units);
        _pendingDeposits[operator][account] = pending;
        _positions[operator][account].principal += amount;
        emit Staked(operator, account, amount, shares);
    }

    /// @dev Activates the operator's deposits of epochs <= `epoch` - 2 (at most two epochs are ever waiting).
    function _activate(address operator, uint64 epoch) private {
        uint64 heads = _activating[operator];
        if (heads == 0) return;
        uint64 newer = uint32(heads);
        // entries hold epoch + 1 (the newer is never 0 when the older is set): deposits of d activate once
        // d + 2 <= epoch, i.e. entry < epoch, the older first (it can only wait if the newer waits too)
        uint64 older = heads >> 32;
        if (older == 0 ? newer >= epoch : older >= epoch) return;
        if (older != 0) _activateEpoch(operator, older - 1);
        if (newer < epoch) {
            _activateEpoch(operator, newer - 1);
            newer = 0;
        }
        _activating[operator] = newer;
    }

    /// @dev The deposits of `epoch` become bonded shares at the pool's price now.
    function _activateEpoch(address operator, uint64 epoch) private {
        Activation storage activation = _activations[operator][epoch];
        Pool storage pool = _pools[operator];
        uint256 stake = activation.value;
        // no holder left (all undelegated while activating): the dust joins the pool without shares
        uint256 shares = activation.units == 0 ? 0 : StakeMath.toShares(stake, pool.bondedShares, pool.bondedStake);
        pool.bondedShares += shares;
        pool.bondedStake += stake;
        activation.value = SafeCast.toUint128(shares);
        emit DepositsActivated(operator, epoch, stake, shares);
    }

    /// @dev Converts the account's activated deposits into its bonded shares (the pool's activated first).
    function _settle(address operator, address account, uint64 epoch) private {
        uint256 pending = _pendingDeposits[operator][account];
        uint256 left = pending;
        uint256 shares;
        // the older (high half) first: it activates no later than the newer, so it never waits behind a converted one
        for (uint256 shift = 256; shift != 0;) {
            shift -= 128;
            uint256 deposit = uint128(left >> shift);
            if (deposit == 0) continue;
            uint64 entry = uint32(deposit >> 96);
            if (entry >= epoch) break;
            Activation storage activation = _activations[operator][entry - 1];
            shares += Math.mulDiv(uint96(deposit), activation.value, activation.units);
            left ^= deposit << shift;
        }
        if (left == pending) return;
        _pendingDeposits[operator][account] = left;
        _positions[operator][account].shares += shares;
    }

    /// @dev Moves `shares` of `account`'s position into the unbonding pool and records a request: activating
    /// deposits first (newest first, at the price they were made at), then bonded shares. Returns the request id and
    /// the principal (voting units) that left.
    function unbond(
        address operator,
        address account,
        uint256 shares
    ) external onlyDelegated returns (uint256 requestId, uint256 principalOut) {
        if (shares == 0) revert StakingZeroAmount();
        uint64 epoch = _currentEpoch();
        _activate(operator, epoch);
        _settle(operator, account, epoch);
        (uint256 amount, uint256 held) = _takeShares(operator, account, shares);
        Position storage position = _positions[operator][account];
        Pool storage pool = _pools[operator];
        (uint64 bucketEpoch, uint256 unbondingShares) = _addToBucket(operator, amount, epoch);
        principalOut = shares == held ? position.principal : Math.mulDiv(position.principal, shares, held);
        position.principal -= principalOut;
        pool.unbondingShares += unbondingShares;
        pool.unbondingStake += amount;
        requestId = ++unbondingRequestCount;
        uint64 releaseTime = uint64(block.timestamp) + unbondingPeriod;
        _unbondingRequests[requestId] = UnbondingRequest({
            account: account,
            releaseTime: releaseTime,
            operator: operator,
            epoch: bucketEpoch,
            shares: unbondingShares
        });
        emit UnbondingRequested(requestId, operator, account, shares, amount, unbondingShares, releaseTime);
    }

    /// @dev Burns `shares` of a settled position (activating deposits first, newest first, at the price they were made
    /// at; then bonded shares) and returns their OPEN and the shares the position held.
    function _takeShares(
        address operator,
        address account,
        uint256 shares
    ) private returns (uint256 amount, uint256 held) {
        Position storage position = _positions[operator][account];
        Pool storage pool = _pools[operator];
        uint256 pending = _pendingDeposits[operator][account];
        // activating deposits count as the bonded shares their OPEN buys now (as positionOf shows them)
        uint256 pendingValue;
        for (uint256 p = pending; p != 0; p >>= 128) {
            Activation storage activation = _activations[operator][uint32(p >> 96) - 1];
            pendingValue += Math.mulDiv(uint96(p), activation.value, activation.units);
        }
        uint256 equivalent = StakeMath.toShares(pendingValue, pool.bondedShares, pool.bondedStake);
        held = position.shares + equivalent;
        if (shares > held) revert StakingInsufficientShares(operator, account, held, shares);
        uint256 left = shares;
        if (pending != 0) {
            // all of them first, or the same fraction of each (which leaves each a unit at least)
            bool all = shares >= equivalent;
            amount = _takePending(operator, account, pending, all ? 1 : shares, all ? 1 : equivalent);
            left = all ? shares - equivalent : 0;
        }
        if (left != 0) {
            uint256 bonded = StakeMath.toStake(left, pool.bondedShares, pool.bondedStake);
            position.shares -= left;
            pool.bondedShares -= left;
            pool.bondedStake -= bonded;
            amount += bonded;
        }
    }

    /// @dev Takes the fraction `numerator / denominator` of each of the account's activating deposits (at their own
    /// price); returns their OPEN.
    function _takePending(
        address operator,
        address account,
        uint256 pending,
        uint256 numerator,
        uint256 denominator
    ) private returns (uint256 amount) {
        for (uint256 shift = 0; shift < 256; shift += 128) {
            uint256 deposit = uint128(pending >> shift);
            if (deposit == 0) continue;
            uint256 units = uint96(deposit);
            Activation storage activation = _activations[operator][uint32(deposit >> 96) - 1];
            uint256 take = Math.mulDiv(units, numerator, denominator);
            uint256 value = Math.mulDiv(take, activation.value, activation.units);
            activation.value -= uint128(value);
            activation.units -= uint128(take);
            amount += value;
            pending -= take << shift;
        }
        // all taken, or a fraction below 1 that leaves each deposit a unit at least
        _pendingDeposits[operator][account] = numerator == denominator ? 0 : pending;
    }

    /// @dev Puts `amount` into the operator's unbonding bucket of `epoch` (the current one); returns the epoch and
    /// the bucket shares minted.
    function _addToBucket(address operator, uint256 amount, uint64 epoch) private returns (uint64, uint256 shares) {
        UnbondingBucket storage bucket = _unbondingBuckets[operator][epoch];
        shares = StakeMath.toShares(amount, bucket.shares, bucket.stake);
        if (shares == 0) revert StakingAmountTooSmall(amount);
        uint32 last = _lastUnbondingEpoch[operator];
        // epochs last >= 1 s (ValidatorSetManager): epoch + 1 < 2^32 for 136 years
        uint32 head = uint32(epoch + 1);
        // Epochs only grow: a bucket of this epoch exists iff it is the newest one.
        if (last != head) {
            bucket.previous = last;
            _lastUnbondingEpoch[operator] = head;
        }
        bucket.shares = SafeCast.toUint128(bucket.shares + shares);
        bucket.stake += uint96(amount); // a bucket holds at most the OPEN supply (1e27 < 2^96)
        return (epoch, shares);
    }

    /// @dev Takes up to `fractionWad` of the bonded pool and of each activating deposit, never more than `cap` in
    /// total. Returns what it took.
    function _slashBonded(address operator, uint256 fractionWad, uint256 cap) private returns (uint256 taken) {
        Pool storage pool = _pools[operator];
        taken = StakeMath.mulWad(pool.bondedStake, fractionWad);
        if (taken > cap) taken = cap;
        pool.bondedStake -= taken;
        for (uint64 heads = _activating[operator]; heads != 0 && taken < cap; heads >>= 32) {
            Activation storage activation = _activations[operator][uint32(heads) - 1];
            uint256 take = StakeMath.mulWad(activation.value, fractionWad);
            if (take > cap - taken) take = cap - taken;
            activation.value -= uint128(take); // take <= value
            taken += take;
        }
    }

    /// @dev Takes up to `fractionWad` of each unbonding bucket of epochs >= `infractionEpoch`, newest first, never
    /// more than `target` in total. Returns what it took (bucket stakes only; the caller updates the pool sum).
    function _slashUnbonding(
        address operator,
        uint256 fractionWad,
        uint64 infractionEpoch,
        uint256 target
    ) private returns (uint256 taken) {
        mapping(uint64 => UnbondingBucket) storage buckets = _unbondingBuckets[operator];
        // walk the list from the newest bucket back to the infraction's epoch (links hold epoch + 1)
        for (uint32 link = _lastUnbondingEpoch[operator]; link != 0 && link > infractionEpoch && taken < target;) {
            UnbondingBucket storage bucket = buckets[link - 1];
            uint256 take = StakeMath.mulWad(bucket.stake, fractionWad);
            if (take > target - taken) take = target - taken;
            bucket.stake -= uint96(take); // take <= stake
            taken += take;
            link = bucket.previous;
        }
    }

    /// @dev The epoch that numbers new unbonding buckets (0 until the validator set manager is set).
    function _currentEpoch() private view returns (uint64) {
        address sets = validatorSets;
        return sets == address(0) ? 0 : uint64(IValidatorSet(sets).currentEpoch());
    }
}
