// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IOperatorRegistry} from "../interfaces/IOperatorRegistry.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {IStakeVotes} from "../interfaces/IStakeVotes.sol";
import {IValidatorSet} from "../interfaces/IValidatorSet.sol";
import {IProofOfPossessionVerifier} from "../interfaces/IProofOfPossessionVerifier.sol";
import {ProofOfPossessionVerifier} from "./ProofOfPossessionVerifier.sol";
import {OperatorRegistry} from "./OperatorRegistry.sol";
import {StakeVotes} from "./StakeVotes.sol";
import {StakePools} from "./StakePools.sol";
import {StakeMath} from "./lib/StakeMath.sol";
import {ValidatorRanking} from "./lib/ValidatorRanking.sol";

/// @title OpenMesh staking: operators, delegation, unbonding, rewards, jailing, slashing
/// @notice Every operator has one bonded share pool held by its owner (self-stake) and its delegators alike,
/// and one unbonding pool. Rewards raise the bonded share price (the commission is minted as owner shares);
/// a slash lowers the price of both pools, so self-stake, delegations and pending withdrawals lose the same
/// fraction, with no loop over holders. Active operators are ranked incrementally by bonded stake
/// (`ValidatorRanking`); `ValidatorSetManager` freezes the top `maxValidators` at each epoch.
/// Privileged functions are `restricted` through the AccessManager (admin: the timelock).
/// @dev Invariants (tested in test/solidity/staking):
///  - token balance == sum over operators of (bondedStake + unbondingStake) + totalSlashLocked;
///  - an account's bonded value, floor(shares * bondedStake / bondedShares), never exceeds its pro-rata part;
///  - the ranking's top set is exactly the best `maxValidators` Active operators by (stake desc, address asc).
contract Staking is IStaking, OperatorRegistry, AccessManaged, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using ValidatorRanking for ValidatorRanking.Ranking;

    IERC20 private immutable _token;
    IStakeVotes private immutable _stakeVotes;
    IProofOfPossessionVerifier private immutable _popVerifier;
    /// @dev the pool logic, run by delegatecall on this contract's storage (see StakePools)
    address private immutable _poolLogic;

    /// @param initialAuthority the AccessManager
    /// @param openToken the OPEN token
    /// @param initialTreasury where slashed OPEN goes by default (the DAO timelock)
    constructor(address initialAuthority, address openToken, address initialTreasury) AccessManaged(initialAuthority) {
        if (initialTreasury == address(0)) revert StakingZeroTreasury();
        _token = IERC20(openToken);
        _stakeVotes = new StakeVotes(openToken);
        _popVerifier = new ProofOfPossessionVerifier();
        _poolLogic = address(new StakePools());
        minStake = 10_000e18;
        unbondingPeriod = 7 days;
        jailPeriod = 1 days;
        commissionIncreaseDelay = 7 days;
        maxCommissionWad = 0.25e18;
        maxValidators = 100;
        treasury = initialTreasury;
        slashDestination = SlashDestination.Treasury;
        _slashFractionWad[SlashReason.DoubleSign] = 0.05e18;
        _slashFractionWad[SlashReason.Downtime] = 0.01e18;
        _slashFractionWad[SlashReason.Fault] = 0.02e18;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Registration and self-stake
    // ---------------------------------------------------------------------------------------------------------

    /// @inheritdoc IOperatorRegistry
    function register(Registration calldata registration) external nonReentrant {
        address operator = msg.sender;
        if (registration.stake < minStake) revert StakingBelowMinimum(registration.stake, minStake);
        _checkCommission(registration.commissionWad);
        _registerIdentity(operator, registration);
        // A new pool: nobody's earlier reward to share, so the self-stake is bonded shares at once.
        Pool storage pool = _pools[operator];
        pool.bondedShares = registration.stake;
        pool.bondedStake = registration.stake;
        _positions[operator][operator] = Position({shares: registration.stake, principal: registration.stake});
        emit Staked(operator, operator, registration.stake, registration.stake);
        _syncRanking(operator);
        _collect(operator, registration.stake);
    }

    /// @inheritdoc IStaking
    function addStake(uint256 amount) external nonReentrant returns (uint256 shares) {
        address operator = msg.sender;
        Operator storage op = _requireOperator(operator);
        if (op.status == OperatorStatus.Tombstoned) revert StakingOperatorTombstoned(operator);
        _syncVotes(operator, operator);
        shares = _deposit(operator, operator, amount);
        // A minimum pool in every status: a self-stake is zero or at least minStake (no 1-wei pool to inflate).
        uint256 selfStake = _selfStake(operator);
        if (selfStake < minStake) revert StakingBelowMinimum(selfStake, minStake);
        if (op.status == OperatorStatus.Inactive) _setStatus(operator, op, OperatorStatus.Active);
        _syncRanking(operator);
        _collect(operator, amount);
    }

    /// @inheritdoc IStaking
    function requestUnbonding(uint256 shares) external nonReentrant returns (uint256 requestId) {
        address operator = msg.sender;
        Operator storage op = _requireOperator(operator);
        _syncVotes(operator, operator);
        uint256 principal;
        (requestId, principal) = _unbond(operator, operator, shares);
        if (op.status != OperatorStatus.Tombstoned) {
            if (_positions[operator][operator].shares == 0 && _pendingDeposits[operator][operator] == 0) {
                if (op.status == OperatorStatus.Active) _setStatus(operator, op, OperatorStatus.Inactive);
            } else {
                uint256 remaining = _selfStake(operator);
                if (remaining < minStake) revert StakingBelowMinimum(remaining, minStake);
            }
        }
        _syncRanking(operator);
        _stakeVotes.removeVotingUnits(operator, principal);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Delegation
    // ---------------------------------------------------------------------------------------------------------

    /// @inheritdoc IStaking
    function delegate(
        address operator,
        uint256 amount,
        uint256 minShares
    ) external nonReentrant returns (uint256 shares) {
        Operator storage op = _requireOperator(operator);
        if (operator == msg.sender) revert DelegationToOwnOperator(operator);
        if (op.status == OperatorStatus.Tombstoned) revert StakingOperatorTombstoned(operator);
        // A minimum pool: no delegation into an empty or dust pool (whose price a reward could inflate).
        uint256 poolStake = _bondedStake(operator);
        if (poolStake < minStake) revert StakingBelowMinimum(poolStake, minStake);
        _syncVotes(operator, msg.sender);
        shares = _deposit(operator, msg.sender, amount);
        if (shares < minShares) revert StakingSlippage(shares, minShares);
        _syncRanking(operator);
        _collect(msg.sender, amount);
    }

    /// @inheritdoc IStaking
    function undelegate(address operator, uint256 shares) external nonReentrant returns (uint256 requestId) {
        _requireOperator(operator);
        if (operator == msg.sender) revert DelegationToOwnOperator(operator);
        _syncVotes(operator, msg.sender);
        uint256 principal;
        (requestId, principal) = _unbond(operator, msg.sender, shares);
        _syncRanking(operator);
        _stakeVotes.removeVotingUnits(msg.sender, principal);
    }

    /// @inheritdoc IStaking
    function syncVotes(address operator, address account) external nonReentrant returns (uint256 removed) {
        return _syncVotes(operator, account);
    }

    /// @inheritdoc IStaking
    function withdraw(uint256 requestId) external nonReentrant returns (uint256 amount) {
        UnbondingRequest memory request = _unbondingRequests[requestId];
        if (request.account == address(0)) revert StakingUnknownUnbondingRequest(requestId);
        if (request.account != msg.sender) revert StakingNotRequestOwner(requestId, request.account, msg.sender);
        if (block.timestamp < request.releaseTime) {
            revert StakingWithdrawTooEarly(requestId, request.releaseTime, block.timestamp);
        }
        Pool storage pool = _pools[request.operator];
        UnbondingBucket storage bucket = _unbondingBuckets[request.operator][request.epoch];
        amount = StakeMath.toStake(request.shares, bucket.shares, bucket.stake);
        // request.shares <= bucket.shares and amount <= bucket.stake: both fit their fields
        bucket.shares -= uint128(request.shares);
        bucket.stake -= uint96(amount);
        pool.unbondingShares -= request.shares;
        pool.unbondingStake -= amount;
        delete _unbondingRequests[requestId];
        emit Withdrawn(requestId, request.operator, request.account, amount);
        if (amount != 0) _token.safeTransfer(request.account, amount);
    }

    /// @inheritdoc IStaking
    function setCommission(uint64 commissionWad) external {
        address operator = msg.sender;
        Operator storage op = _requireOperator(operator);
        _checkCommission(commissionWad);
        uint64 current = _applyDueCommission(operator, op);
        if (commissionWad <= current) {
            op.commissionWad = commissionWad;
            op.pendingCommissionWad = 0;
            op.pendingCommissionTime = 0;
            emit CommissionChanged(operator, current, commissionWad);
        } else {
            uint64 effectiveTime = uint64(block.timestamp) + commissionIncreaseDelay;
            op.pendingCommissionWad = commissionWad;
            op.pendingCommissionTime = effectiveTime;
            emit CommissionIncreaseScheduled(operator, commissionWad, effectiveTime);
        }
    }

    /// @inheritdoc IStaking
    function unjail() external {
        address operator = msg.sender;
        Operator storage op = _requireOperator(operator);
        if (op.status == OperatorStatus.Tombstoned) revert StakingOperatorTombstoned(operator);
        if (op.status != OperatorStatus.Jailed) revert StakingOperatorNotJailed(operator);
        if (block.timestamp < op.jailedUntil) {
            revert StakingJailPeriodNotOver(operator, op.jailedUntil, block.timestamp);
        }
        uint256 selfStake = _selfStake(operator);
        if (selfStake < minStake) revert StakingBelowMinimum(selfStake, minStake);
        op.jailedUntil = 0;
        _setStatus(operator, op, OperatorStatus.Active);
        _syncRanking(operator);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Restricted: rewards, slashing, jailing
    // ---------------------------------------------------------------------------------------------------------

    /// @inheritdoc IStaking
    function distributeRewards(
        address operator,
        uint64 epoch,
        uint256 amount
    ) external restricted nonReentrant returns (bool paid) {
        Operator storage op = _requireOperator(operator);
        if (amount == 0) revert StakingZeroAmount();
        // Activated now: deposits of epochs <= current - 2 <= epoch - 1, all bonded when `epoch` began. Deposits of
        // `epoch` and later are still activating and get nothing of it.
        uint64 current = abi.decode(_pools_(abi.encodeCall(StakePools.activate, (operator))), (uint64));
        // Once epoch + 1 is over, the deposits of `epoch` and `epoch + 1` may have activated: they would share a
        // reward they did not earn. (Activating first changed nothing a later reward would not have done.)
        if (epoch + 1 < current) return false;
        Pool storage pool = _pools[operator];
        uint64 commissionWad = uint64(Math.min(_applyDueCommission(operator, op), maxCommissionWad));
        // Nobody holds shares (everyone left): the whole reward goes to the owner, as new shares, so a late
        // claim never gets stuck.
        uint256 commission = pool.bondedShares == 0 ? amount : StakeMath.mulWad(amount, commissionWad);
        // The holders' part raises the price first; the commission then buys owner shares at that price.
        pool.bondedStake += amount - commission;
        uint256 commissionShares = StakeMath.toShares(commission, pool.bondedShares, pool.bondedStake);
        pool.bondedStake += commission;
        if (commissionShares != 0) {
            pool.bondedShares += commissionShares;
            _positions[operator][operator].shares += commissionShares;
        }
        emit RewardsDistributed(operator, epoch, amount, commission, commissionShares);
        _syncRanking(operator);
        _token.safeTransferFrom(msg.sender, address(this), amount);
        return true;
    }

    /// @inheritdoc IStaking
    function slash(
        address operator,
        uint256 fractionWad,
        SlashReason reason,
        uint64 infractionEpoch,
        uint256 stakeAtInfraction
    ) external restricted nonReentrant returns (uint256 slashed) {
        _requireOperator(operator);
        if (fractionWad == 0 || fractionWad > MAX_SLASH_FRACTION_WAD) {
            revert StakingInvalidSlashFraction(fractionWad, MAX_SLASH_FRACTION_WAD);
        }
        Pool storage pool = _pools[operator];
        uint256 target = stakeAtInfraction == 0 ? type(uint256).max : StakeMath.mulWad(stakeAtInfraction, fractionWad);
        (uint256 bondedSlashed, uint256 unbondingSlashed) = abi.decode(
            _pools_(abi.encodeCall(StakePools.slashPools, (operator, fractionWad, infractionEpoch, target))),
            (uint256, uint256)
        );
        pool.unbondingStake -= unbondingSlashed;
        slashed = bondedSlashed + unbondingSlashed;
        SlashDestination destination = slashDestination;
        if (destination == SlashDestination.Burn) totalSlashLocked += slashed;
        emit OperatorSlashed(
            operator,
            reason,
            infractionEpoch,
            fractionWad,
            bondedSlashed,
            unbondingSlashed,
            destination
        );
        _syncRanking(operator);
        if (destination == SlashDestination.Treasury && slashed != 0) _token.safeTransfer(treasury, slashed);
    }

    /// @inheritdoc IStaking
    function jail(address operator) external restricted {
        Operator storage op = _requireOperator(operator);
        // Tombstoned is stronger than jailed: nothing to do (callers need not check first).
        if (op.status == OperatorStatus.Tombstoned) return;
        uint64 jailedUntil = uint64(block.timestamp) + jailPeriod;
        if (op.jailedUntil > jailedUntil) jailedUntil = op.jailedUntil;
        op.jailedUntil = jailedUntil;
        _setStatus(operator, op, OperatorStatus.Jailed);
        emit OperatorJailed(operator, jailedUntil);
        _syncRanking(operator);
    }

    /// @inheritdoc IStaking
    function tombstone(address operator) external restricted {
        Operator storage op = _requireOperator(operator);
        // Idempotent (the evidence handler refuses evidence against a tombstoned operator before this).
        if (op.status == OperatorStatus.Tombstoned) return;
        _setStatus(operator, op, OperatorStatus.Tombstoned);
        _syncRanking(operator);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Restricted: governance parameters
    // ---------------------------------------------------------------------------------------------------------

    /// @inheritdoc IStaking
    function setMinStake(uint256 value) external restricted {
        if (value == 0 || value > MAX_MIN_STAKE) revert StakingInvalidParameter(value, 1, MAX_MIN_STAKE);
        emit MinStakeSet(minStake, value);
        minStake = value;
    }

    /// @inheritdoc IStaking
    function setUnbondingPeriod(uint64 value) external restricted {
        if (value < MIN_UNBONDING_PERIOD) revert StakingInvalidParameter(value, MIN_UNBONDING_PERIOD, MAX_PERIOD);
        _checkPeriod(value);
        emit UnbondingPeriodSet(unbondingPeriod, value);
        unbondingPeriod = value;
    }

    /// @inheritdoc IStaking
    function setJailPeriod(uint64 value) external restricted {
        _checkPeriod(value);
        emit JailPeriodSet(jailPeriod, value);
        jailPeriod = value;
    }

    /// @inheritdoc IStaking
    function setMaxCommission(uint64 value) external restricted {
        if (value > StakeMath.WAD) revert StakingInvalidParameter(value, 0, StakeMath.WAD);
        emit MaxCommissionSet(maxCommissionWad, value);
        maxCommissionWad = value;
    }

    /// @inheritdoc IStaking
    function setCommissionIncreaseDelay(uint64 value) external restricted {
        _checkPeriod(value);
        emit CommissionIncreaseDelaySet(commissionIncreaseDelay, value);
        commissionIncreaseDelay = value;
    }

    /// @inheritdoc IStaking
    function setMaxValidators(uint32 value) external restricted {
        if (value == 0 || value > MAX_VALIDATORS_LIMIT) revert StakingInvalidParameter(value, 1, MAX_VALIDATORS_LIMIT);
        emit MaxValidatorsSet(maxValidators, value);
        maxValidators = value;
        _ranking.rebalance(value);
    }

    /// @inheritdoc IStaking
    function setSlashFraction(SlashReason reason, uint64 value) external restricted {
        if (value == 0 || value > MAX_SLASH_FRACTION_WAD) {
            revert StakingInvalidSlashFraction(value, MAX_SLASH_FRACTION_WAD);
        }
        emit SlashFractionSet(reason, _slashFractionWad[reason], value);
        _slashFractionWad[reason] = value;
    }

    /// @inheritdoc IStaking
    function setValidatorSets(address validatorSets_) external restricted {
        // Once: another manager would number the unbonding buckets differently.
        if (validatorSets != address(0) || validatorSets_ == address(0)) {
            revert StakingInvalidParameter(uint160(validatorSets_), 1, type(uint160).max);
        }
        validatorSets = validatorSets_;
        emit ValidatorSetsSet(validatorSets_);
    }

    /// @inheritdoc IStaking
    function setSlashDestination(SlashDestination destination, address newTreasury) external restricted {
        if (newTreasury == address(0)) revert StakingZeroTreasury();
        slashDestination = destination;
        treasury = newTreasury;
        emit SlashDestinationSet(destination, newTreasury);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------

    /// @inheritdoc IStaking
    function validatorCandidates() external view returns (Validator[] memory validators) {
        uint256[] memory keys = _ranking.topInSetOrder();
        uint256 count = keys.length;
        validators = new Validator[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 key = keys[i];
            address operator = ValidatorRanking.operatorOf(key);
            Operator storage op = _operators[operator];
            validators[i] = Validator({
                operator: operator,
                signer: op.signer,
                stake: ValidatorRanking.stakeOf(key),
                blsPubkey: _blsPubkey(op)
            });
        }
    }

    /// @inheritdoc IStaking
    function operatorInfo(address operator) external view returns (OperatorInfo memory info) {
        Operator storage op = _requireOperator(operator);
        Pool memory pool = _poolView(operator);
        (uint256 selfShares, uint256 selfStake) = _positionValue(operator, operator);
        info = OperatorInfo({
            status: op.status,
            signer: op.signer,
            blsPubkeyHash: op.blsPubkeyHash,
            jailedUntil: op.jailedUntil,
            commissionWad: _commissionNow(op),
            pendingCommissionWad: op.pendingCommissionWad,
            pendingCommissionTime: op.pendingCommissionTime,
            bondedStake: pool.bondedStake,
            bondedShares: pool.bondedShares,
            unbondingStake: pool.unbondingStake,
            unbondingShares: pool.unbondingShares,
            selfShares: selfShares,
            selfStake: selfStake
        });
    }

    /// @inheritdoc IStaking
    function statusOf(address operator) external view returns (OperatorStatus status) {
        return _operators[operator].status;
    }

    /// @inheritdoc IStaking
    function poolOf(address operator) external view returns (Pool memory pool) {
        return _poolView(operator);
    }

    /// @inheritdoc IStaking
    function positionOf(
        address operator,
        address account
    ) external view returns (uint256 shares, uint256 stake, uint256 principal) {
        (shares, stake) = _positionValue(operator, account);
        principal = _positions[operator][account].principal;
    }

    /// @inheritdoc IStaking
    function unbondingRequest(
        uint256 requestId
    ) external view returns (UnbondingRequest memory request, uint256 amount) {
        request = _unbondingRequests[requestId];
        UnbondingBucket storage bucket = _unbondingBuckets[request.operator][request.epoch];
        amount = StakeMath.toStake(request.shares, bucket.shares, bucket.stake);
    }

    /// @inheritdoc IStaking
    function unbondingBucket(address operator, uint64 epoch) external view returns (uint256 stake, uint256 shares) {
        UnbondingBucket storage bucket = _unbondingBuckets[operator][epoch];
        return (bucket.stake, bucket.shares);
    }

    /// @inheritdoc IStaking
    function previewDelegate(address operator, uint256 amount) external view returns (uint256 shares) {
        Pool storage pool = _pools[operator];
        return StakeMath.toShares(amount, pool.bondedShares, pool.bondedStake);
    }

    /// @inheritdoc IStaking
    function commissionOf(address operator) external view returns (uint64 commissionWad) {
        return _commissionNow(_requireOperator(operator));
    }

    /// @inheritdoc IStaking
    function slashFractionWad(SlashReason reason) external view returns (uint64 fractionWad) {
        return _slashFractionWad[reason];
    }

    /// @inheritdoc IStaking
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IStaking
    function stakeVotes() external view returns (address) {
        return address(_stakeVotes);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Runs pool logic on this contract's storage (reverts bubble up).
    function _pools_(bytes memory call) private returns (bytes memory) {
        return Address.functionDelegateCall(_poolLogic, call);
    }

    function _deposit(address operator, address account, uint256 amount) private returns (uint256) {
        return abi.decode(_pools_(abi.encodeCall(StakePools.deposit, (operator, account, amount))), (uint256));
    }

    function _unbond(address operator, address account, uint256 shares) private returns (uint256, uint256) {
        return abi.decode(_pools_(abi.encodeCall(StakePools.unbond, (operator, account, shares))), (uint256, uint256));
    }

    /// @dev Interactions of a deposit: voting units to the staker, then the OPEN pulled from it.
    function _collect(address account, uint256 amount) private {
        _stakeVotes.addVotingUnits(account, amount);
        _token.safeTransferFrom(account, address(this), amount);
    }

    /// @dev Lowers a slashed position's principal (its voting units) to its value; rewards never raise it.
    function _syncVotes(address operator, address account) private returns (uint256 removed) {
        Position storage position = _positions[operator][account];
        uint256 principal = position.principal;
        if (principal == 0) return 0;
        (, uint256 value) = _positionValue(operator, account);
        if (value >= principal) return 0;
        removed = principal - value;
        position.principal = value;
        emit PositionVotesSynced(operator, account, value);
        _stakeVotes.removeVotingUnits(account, removed);
    }

    function _verifyProofOfPossession(
        bytes calldata blsPubkey,
        bytes calldata proof,
        address operator
    ) internal view override returns (bool) {
        return _popVerifier.verifyProofOfPossession(blsPubkey, proof, operator);
    }

    /// @dev Re-ranks the operator after any change of its bonded stake or status.
    function _syncRanking(address operator) private {
        _ranking.update(
            operator,
            _bondedStake(operator),
            _operators[operator].status == OperatorStatus.Active,
            maxValidators
        );
    }

    function _setStatus(address operator, Operator storage op, OperatorStatus newStatus) private {
        OperatorStatus oldStatus = op.status;
        if (oldStatus == newStatus) return;
        op.status = newStatus;
        emit OperatorStatusChanged(operator, oldStatus, newStatus);
    }

    function _selfStake(address operator) private view returns (uint256 stake) {
        (, stake) = _positionValue(operator, operator);
    }

    /// @dev The operator's bonded stake: the pool's plus its activating deposits (all in the ranking and slashable).
    function _bondedStake(address operator) private view returns (uint256 stake) {
        stake = _pools[operator].bondedStake;
        for (uint64 heads = _activating[operator]; heads != 0; heads >>= 32) {
            stake += _activations[operator][uint32(heads) - 1].value;
        }
    }

    /// @dev The bonded pool once an operator's due deposits activate (see `_activatedPool`).
    struct PoolNow {
        uint256 shares;
        uint256 stake;
        /// OPEN of the deposits still activating
        uint256 live;
        /// for each due deposit epoch (entry = epoch + 1; index 0 the older): the bonded shares it becomes
        uint64[2] due;
        uint256[2] minted;
    }

    /// @dev The pools as `poolOf` shows them, as of the next change (due deposits activated): activating deposits
    /// count in the bonded stake and, as the bonded shares their OPEN buys now, in the bonded shares.
    function _poolView(address operator) private view returns (Pool memory pool) {
        pool = _pools[operator];
        PoolNow memory now_ = _activatedPool(operator);
        pool.bondedStake = now_.stake + now_.live;
        pool.bondedShares = now_.shares + StakeMath.toShares(now_.live, now_.shares, now_.stake);
    }

    /// @dev The bonded pool once the operator's due deposits activate (what its next change does first). Mirrors
    /// StakePools._activate.
    function _activatedPool(address operator) private view returns (PoolNow memory now_) {
        Pool storage pool = _pools[operator];
        now_.shares = pool.bondedShares;
        now_.stake = pool.bondedStake;
        address sets = validatorSets;
        uint256 epoch = sets == address(0) ? 0 : IValidatorSet(sets).currentEpoch();
        uint64 heads = _activating[operator];
        for (uint256 i = 0; i < 2; ++i) {
            uint64 entry = i == 0 ? heads >> 32 : uint32(heads);
            if (entry == 0) continue;
            Activation storage activation = _activations[operator][entry - 1];
            uint256 value = activation.value;
            if (entry < epoch) {
                uint256 minted = activation.units == 0 ? 0 : StakeMath.toShares(value, now_.shares, now_.stake);
                now_.shares += minted;
                now_.stake += value;
                now_.due[i] = entry;
                now_.minted[i] = minted;
            } else {
                now_.live += value;
            }
        }
    }

    /// @dev An account's shares and what they are worth, as of the operator's next change (due deposits activated):
    /// bonded shares at the pool's price; deposits still activating at their own price (their OPEN, less any slash),
    /// counted as the bonded shares that OPEN buys now.
    function _positionValue(address operator, address account) private view returns (uint256 shares, uint256 stake) {
        PoolNow memory now_ = _activatedPool(operator);
        uint256 bonded = _positions[operator][account].shares;
        uint256 live;
        for (uint256 pending = _pendingDeposits[operator][account]; pending != 0; pending >>= 128) {
            uint64 entry = uint32(pending >> 96);
            if (entry == 0) continue;
            Activation storage activation = _activations[operator][entry - 1];
            uint256 units = uint96(pending);
            if (entry == now_.due[0] || entry == now_.due[1]) {
                bonded += Math.mulDiv(units, entry == now_.due[0] ? now_.minted[0] : now_.minted[1], activation.units);
            } else if (_isActivating(operator, entry)) {
                live += Math.mulDiv(units, activation.value, activation.units);
            } else {
                bonded += Math.mulDiv(units, activation.value, activation.units); // activated: value = its shares
            }
        }
        shares = bonded + StakeMath.toShares(live, now_.shares, now_.stake);
        stake = StakeMath.toStake(bonded, now_.shares, now_.stake) + live;
    }

    function _isActivating(address operator, uint64 entry) private view returns (bool) {
        uint64 heads = _activating[operator];
        return entry == uint32(heads) || entry == heads >> 32;
    }

    /// @dev Applies a scheduled commission increase whose time has come; returns the commission in force.
    function _applyDueCommission(address operator, Operator storage op) private returns (uint64 current) {
        current = op.commissionWad;
        uint64 pendingTime = op.pendingCommissionTime;
        if (pendingTime != 0 && block.timestamp >= pendingTime) {
            uint64 pending = op.pendingCommissionWad;
            op.commissionWad = pending;
            op.pendingCommissionWad = 0;
            op.pendingCommissionTime = 0;
            emit CommissionChanged(operator, current, pending);
            current = pending;
        }
    }

    /// @dev The commission in force now, capped by the current cap.
    function _commissionNow(Operator storage op) private view returns (uint64) {
        uint64 commission = op.commissionWad;
        uint64 pendingTime = op.pendingCommissionTime;
        if (pendingTime != 0 && block.timestamp >= pendingTime) commission = op.pendingCommissionWad;
        return commission > maxCommissionWad ? maxCommissionWad : commission;
    }

    function _checkCommission(uint64 commissionWad) private view {
        if (commissionWad > maxCommissionWad) revert DelegationCommissionOverCap(commissionWad, maxCommissionWad);
    }

    function _checkPeriod(uint64 value) private pure {
        if (value > MAX_PERIOD) revert StakingInvalidParameter(value, 0, MAX_PERIOD);
    }
}
