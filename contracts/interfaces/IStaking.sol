// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IOperatorRegistry} from "./IOperatorRegistry.sol";

/// @title Types of the staking contract
interface IStakingTypes {
    /// @notice Why an operator is slashed; each reason has a governable default fraction.
    enum SlashReason {
        DoubleSign,
        Downtime,
        Fault
    }

    /// @notice Where slashed OPEN goes. The OPEN supply is fixed (no burn function), so "Burn" means locked
    /// forever in the staking contract: counted in `totalSlashLocked`, no function can move it.
    enum SlashDestination {
        Treasury,
        Burn
    }

    /// @notice One operator's share pools. Bonded: self-stake and delegations (owner and delegators hold
    /// shares alike). Unbonding: stake waiting for `unbondingPeriod`, still slashable, held as shares of its
    /// own pool so a slash lowers every pending request pro-rata without a loop.
    struct Pool {
        uint256 bondedStake;
        uint256 bondedShares;
        uint256 unbondingStake;
        uint256 unbondingShares;
    }

    /// @notice An account's position in an operator's bonded pool.
    /// @dev `principal` is the OPEN the account put in and has not unbonded: its staked voting units.
    struct Position {
        uint256 shares;
        uint256 principal;
    }

    /// @notice A pending withdrawal: `shares` of the operator's unbonding pool, claimable by `account` from
    /// `releaseTime` on.
    /// @dev `shares` are shares of the operator's unbonding bucket of `epoch` (the epoch the request was made
    /// in): a slash for an infraction of epoch e takes from the buckets of epochs >= e only.
    struct UnbondingRequest {
        address account;
        uint64 releaseTime;
        address operator;
        uint64 epoch;
        uint256 shares;
    }

    /// @notice A snapshot of an operator for readers (keepers, UIs, other contracts).
    struct OperatorInfo {
        IOperatorRegistry.OperatorStatus status;
        address signer;
        bytes32 blsPubkeyHash;
        uint64 jailedUntil;
        /// @dev commission in force now (a scheduled increase counts once its time has come), capped
        uint64 commissionWad;
        uint64 pendingCommissionWad;
        uint64 pendingCommissionTime;
        uint256 bondedStake;
        uint256 bondedShares;
        uint256 unbondingStake;
        uint256 unbondingShares;
        uint256 selfShares;
        uint256 selfStake;
    }

    /// @notice A member (or candidate member) of a validator set. Sets are ordered by descending stake,
    /// ties by ascending operator address; a member's position in that order is its Merkle leaf index.
    struct Validator {
        address operator;
        address signer;
        uint256 stake;
        bytes blsPubkey;
    }
}

/// @title Errors of the staking contract
interface IStakingErrors {
    /// @notice A (self-)stake is below the minimum: at registration, when unbonding part of the self-stake,
    /// when unjailing.
    error StakingBelowMinimum(uint256 stake, uint256 minimum);
    /// @notice An amount or a share count is zero.
    error StakingZeroAmount();
    /// @notice The amount is too small to be worth one share (or one unbonding share) at the current price.
    error StakingAmountTooSmall(uint256 amount);
    /// @notice A delegation would mint fewer shares than the caller's `minShares` (the price moved).
    error StakingSlippage(uint256 shares, uint256 minShares);
    /// @notice A position's activating deposits of one epoch would exceed 2^96 shares (priced when made).
    error StakingDepositTooLarge(uint256 shares);
    /// @notice The operator is tombstoned: no new stake, no unjail.
    error StakingOperatorTombstoned(address operator);
    /// @notice `unjail` for an operator that is not jailed.
    error StakingOperatorNotJailed(address operator);
    /// @notice `unjail` before the jail period is over.
    error StakingJailPeriodNotOver(address operator, uint256 jailedUntil, uint256 currentTime);
    /// @notice Unbonding more shares than the position holds.
    error StakingInsufficientShares(address operator, address account, uint256 shares, uint256 requested);
    /// @notice No unbonding request with this id (never made, or already withdrawn).
    error StakingUnknownUnbondingRequest(uint256 requestId);
    /// @notice Only the account that requested the unbonding can withdraw it.
    error StakingNotRequestOwner(uint256 requestId, address owner, address caller);
    /// @notice The unbonding period of the request is not over.
    error StakingWithdrawTooEarly(uint256 requestId, uint256 releaseTime, uint256 currentTime);
    /// @notice A slash fraction is zero or above the cap.
    error StakingInvalidSlashFraction(uint256 fractionWad, uint256 maxFractionWad);
    /// @notice A governance parameter outside its allowed range.
    error StakingInvalidParameter(uint256 value, uint256 minimum, uint256 maximum);
    /// @notice The treasury (slash destination) is the zero address.
    error StakingZeroTreasury();
    /// @notice A commission above the governable cap.
    error DelegationCommissionOverCap(uint256 commissionWad, uint256 maxCommissionWad);
    /// @notice The owner delegating to (or undelegating from) its own operator: use addStake/requestUnbonding,
    /// which keep the minimum self-stake rule.
    error DelegationToOwnOperator(address operator);
}

/// @title Events of the staking contract
interface IStakingEvents {
    /// @notice OPEN was bonded to an operator: self-stake (account == operator, at registration or addStake)
    /// or a delegation.
    event Staked(address indexed operator, address indexed account, uint256 amount, uint256 shares);
    /// @notice Bonded shares left the pool into the unbonding pool; withdrawable at `releaseTime`.
    event UnbondingRequested(
        uint256 indexed requestId,
        address indexed operator,
        address indexed account,
        uint256 shares,
        uint256 amount,
        uint256 unbondingShares,
        uint64 releaseTime
    );
    /// @notice An unbonding request was paid out (after any slashing while it waited).
    event Withdrawn(uint256 indexed requestId, address indexed operator, address indexed account, uint256 amount);
    /// @notice Rewards raised the share price; the commission was added as new shares of the owner.
    event RewardsDistributed(
        address indexed operator,
        uint64 indexed epoch,
        uint256 amount,
        uint256 commission,
        uint256 commissionShares
    );
    /// @notice Deposits made in `epoch` started earning: their `stake` became `shares` bonded shares at the price of
    /// the moment (rewards of epochs before they were bonded are in that price, not in their shares).
    event DepositsActivated(address indexed operator, uint64 indexed epoch, uint256 stake, uint256 shares);
    /// @notice Stake was slashed for an infraction of `infractionEpoch`: first from the unbonding buckets of
    /// that epoch and later, then pro rata from the bonded pool.
    event OperatorSlashed(
        address indexed operator,
        IStakingTypes.SlashReason indexed reason,
        uint64 infractionEpoch,
        uint256 fractionWad,
        uint256 bondedSlashed,
        uint256 unbondingSlashed,
        IStakingTypes.SlashDestination destination
    );
    /// @notice The status of an operator changed (Active, Inactive, Jailed, Tombstoned).
    event OperatorStatusChanged(
        address indexed operator,
        IOperatorRegistry.OperatorStatus oldStatus,
        IOperatorRegistry.OperatorStatus newStatus
    );
    /// @notice The operator is jailed until `jailedUntil` (jailing again extends, never shortens).
    event OperatorJailed(address indexed operator, uint64 jailedUntil);
    /// @notice The commission changed (a decrease, or a scheduled increase that came into force).
    event CommissionChanged(address indexed operator, uint64 oldCommissionWad, uint64 newCommissionWad);
    /// @notice A commission increase was scheduled; it applies from `effectiveTime` on.
    event CommissionIncreaseScheduled(address indexed operator, uint64 newCommissionWad, uint64 effectiveTime);

    /// @notice Governance changed the minimum self-stake.
    event MinStakeSet(uint256 oldValue, uint256 newValue);
    /// @notice Governance changed the unbonding period (applies to new requests).
    event UnbondingPeriodSet(uint64 oldValue, uint64 newValue);
    /// @notice Governance changed the jail period (applies to new jailings).
    event JailPeriodSet(uint64 oldValue, uint64 newValue);
    /// @notice Governance changed the commission cap.
    event MaxCommissionSet(uint64 oldValue, uint64 newValue);
    /// @notice Governance changed the delay before a commission increase applies.
    event CommissionIncreaseDelaySet(uint64 oldValue, uint64 newValue);
    /// @notice Governance changed the validator set size.
    event MaxValidatorsSet(uint32 oldValue, uint32 newValue);
    /// @notice Governance changed the default slash fraction of a reason.
    event SlashFractionSet(IStakingTypes.SlashReason indexed reason, uint64 oldValue, uint64 newValue);
    /// @notice Governance changed where slashed OPEN goes.
    event SlashDestinationSet(IStakingTypes.SlashDestination destination, address treasury);
    /// @notice A slashed position's voting units (its principal) came down to what the position is worth.
    event PositionVotesSynced(address indexed operator, address indexed account, uint256 principal);
    /// @notice Governance set the validator set manager whose epochs key the unbonding buckets.
    event ValidatorSetsSet(address validatorSets);
}

/// @title Governance parameters of the staking contract, readable by anyone (implemented by its storage layout,
/// `StakingStorage`, so that the staking contract's logic modules share one layout without the whole interface)
interface IStakingParameters is IStakingTypes {
    /// @notice Minimum self-stake, OPEN wei.
    /// @return the minimum
    function minStake() external view returns (uint256);

    /// @notice Seconds between an unbonding request and its withdrawal.
    /// @return the period
    function unbondingPeriod() external view returns (uint64);

    /// @notice Seconds an operator stays jailed before it may unjail.
    /// @return the period
    function jailPeriod() external view returns (uint64);

    /// @notice Commission cap, WAD.
    /// @return the cap
    function maxCommissionWad() external view returns (uint64);

    /// @notice Seconds before a commission increase applies.
    /// @return the delay
    function commissionIncreaseDelay() external view returns (uint64);

    /// @notice Size of validator sets.
    /// @return the size
    function maxValidators() external view returns (uint32);

    /// @notice Where slashed OPEN goes.
    /// @return the destination
    function slashDestination() external view returns (SlashDestination);

    /// @notice The treasury receiving slashed OPEN in Treasury mode.
    /// @return the address
    function treasury() external view returns (address);

    /// @notice Slashed OPEN locked forever in this contract (Burn mode).
    /// @return the amount
    function totalSlashLocked() external view returns (uint256);

    /// @notice The validator set manager whose epochs number the unbonding buckets.
    /// @return the address (zero until set)
    function validatorSets() external view returns (address);
}

/// @title Staking: operators' self-stake, delegation, unbonding, rewards, jailing and slashing
/// @notice Each operator has a share pool (ERC-4626-like): rewards raise the share price, slashing lowers it,
/// no loop over delegators anywhere. The top `maxValidators` Active operators by bonded stake are kept
/// ranked incrementally, so freezing a validator set costs O(maxValidators), whatever the number of operators.
interface IStaking is IOperatorRegistry, IStakingTypes, IStakingParameters, IStakingErrors, IStakingEvents {
    // ---------------------------------------------------------------------------------------------------------
    // Owner and delegators
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Adds self-stake to the caller's operator; the self-stake after it must be >= `minStake` in every
    /// status (no dust pool); an Inactive operator becomes Active again.
    /// @param amount OPEN wei (needs an allowance)
    /// @return shares bonded shares minted
    function addStake(uint256 amount) external returns (uint256 shares);

    /// @notice Starts unbonding self-stake. What remains must be >= `minStake`, or zero (an Active operator then
    /// becomes Inactive and leaves future validator sets), in every status but Tombstoned.
    /// @param shares bonded shares of the owner's position
    /// @return requestId the unbonding request to `withdraw` after `unbondingPeriod`
    function requestUnbonding(uint256 shares) external returns (uint256 requestId);

    /// @notice Delegates OPEN to an operator (not tombstoned, not the caller's own, whose bonded pool holds at
    /// least `minStake`: no empty or dust pool takes delegations).
    /// @param operator the operator
    /// @param amount OPEN wei (needs an allowance)
    /// @param minShares the fewest shares the caller accepts (slippage guard: `previewDelegate` minus a margin);
    /// fewer reverts `StakingSlippage`
    /// @return shares bonded shares minted
    function delegate(address operator, uint256 amount, uint256 minShares) external returns (uint256 shares);

    /// @notice Starts unbonding delegated shares (same delay as self-stake).
    /// @param operator the operator
    /// @param shares bonded shares of the caller's position
    /// @return requestId the unbonding request to `withdraw` after `unbondingPeriod`
    function undelegate(address operator, uint256 shares) external returns (uint256 requestId);

    /// @notice Pays out an unbonding request whose period is over, to the account that made it.
    /// @param requestId the request
    /// @return amount OPEN paid (lower than requested if the operator was slashed meanwhile)
    function withdraw(uint256 requestId) external returns (uint256 amount);

    /// @notice Sets the caller's commission: a decrease applies now, an increase after
    /// `commissionIncreaseDelay` (so delegators can leave first).
    /// @param commissionWad new commission, WAD, at most `maxCommissionWad`
    function setCommission(uint64 commissionWad) external;

    /// @notice Brings the caller's jailed operator back (Active) once the jail period is over; the self-stake
    /// must be at least `minStake` (top up with addStake first if slashing took it below).
    function unjail() external;

    // ---------------------------------------------------------------------------------------------------------
    // Restricted (AccessManager): consensus / rewards contracts
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Adds `epoch`'s reward to an operator's pool: `amount` is pulled from the caller (needs an
    /// allowance), the commission part becomes new owner shares, the rest raises the price of the shares that
    /// earn, i.e. were bonded when `epoch` began: deposits of `epoch` and later are still activating and get none
    /// of it (docs/staking.md, "Rewards reach the stake that earned them"). If no share earns, all of it becomes
    /// owner shares. Works in any status (rewards earned before a jail are still paid). A reward pushed after the
    /// epoch following `epoch` is over is refused (returns false, nothing pulled): deposits made since are
    /// earning by then and cannot be told apart; the payer keeps it (the distributor returns it to its pool).
    /// @param operator the operator
    /// @param epoch the epoch the reward was earned in
    /// @param amount OPEN wei
    /// @return paid whether the reward was taken into the pool
    function distributeRewards(address operator, uint64 epoch, uint256 amount) external returns (bool paid);

    /// @notice Slashes an operator for an infraction of `infractionEpoch` (Cosmos `x/staking` Slash): the
    /// amount is `fractionWad` of `stakeAtInfraction`, taken first from the unbonding buckets of epochs >=
    /// `infractionEpoch` (newest first, each losing at most `fractionWad` of its stake), then pro rata from the
    /// bonded pool (at most `fractionWad` of it). Stake that left before the infraction's epoch is never touched.
    /// With `stakeAtInfraction == 0` (evidence that does not prove it), the stake at the infraction is taken as
    /// the bonded pool plus those buckets: every one of them loses exactly `fractionWad`.
    /// @param operator the operator
    /// @param fractionWad fraction, WAD, in (0, MAX_SLASH_FRACTION_WAD]; callers normally pass
    /// `slashFractionWad(reason)`
    /// @param reason why (recorded in the event)
    /// @param infractionEpoch the epoch whose frozen set the operator misbehaved in
    /// @param stakeAtInfraction the operator's stake in that epoch's frozen set, or 0 (see above)
    /// @return slashed OPEN taken in total (<= fractionWad * stakeAtInfraction when that is given)
    function slash(
        address operator,
        uint256 fractionWad,
        SlashReason reason,
        uint64 infractionEpoch,
        uint256 stakeAtInfraction
    ) external returns (uint256 slashed);

    /// @notice Brings a position's staked voting units down to its value after slashing (votes follow the stake
    /// that is actually there; rewards never add votes). Permissionless: anyone may sync a slashed position
    /// before a proposal's snapshot; every stake change of the position syncs it too.
    /// @param operator the operator
    /// @param account the position's holder
    /// @return removed voting units removed (0 if the position was not slashed below its principal)
    function syncVotes(address operator, address account) external returns (uint256 removed);

    /// @notice Sets the validator set manager whose `currentEpoch()` numbers the unbonding buckets (governance,
    /// once, at deploy; a second call or the zero address reverts `StakingInvalidParameter`). Until set, every
    /// request falls in bucket 0.
    /// @param validatorSets_ the ValidatorSetManager
    function setValidatorSets(address validatorSets_) external;

    /// @notice An operator's unbonding bucket of one epoch (requests made in that epoch share it).
    /// @param operator the operator
    /// @param epoch the epoch the requests were made in
    /// @return stake OPEN in the bucket
    /// @return shares bucket shares
    function unbondingBucket(address operator, uint64 epoch) external view returns (uint256 stake, uint256 shares);

    /// @notice Jails an operator for `jailPeriod` (extends an ongoing jail); it leaves future validator sets.
    /// No-op for a tombstoned operator.
    /// @param operator the operator
    function jail(address operator) external;

    /// @notice Tombstones an operator (double-sign): out of every future set, never unjailed. Idempotent.
    /// @param operator the operator
    function tombstone(address operator) external;

    // ---------------------------------------------------------------------------------------------------------
    // Restricted (AccessManager): governance parameters
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Sets the minimum self-stake (checked at registration, partial unbonding, unjail, reactivation).
    /// @param value OPEN wei, in [1, MAX_MIN_STAKE]
    function setMinStake(uint256 value) external;

    /// @notice Sets the unbonding period of new requests (also the maximum age of evidence).
    /// @param value seconds, in [MIN_UNBONDING_PERIOD, MAX_PERIOD]
    function setUnbondingPeriod(uint64 value) external;

    /// @notice Sets the jail period of new jailings.
    /// @param value seconds, at most MAX_PERIOD
    function setJailPeriod(uint64 value) external;

    /// @notice Sets the commission cap (also caps commissions already set, at reward time).
    /// @param value WAD, at most 1e18
    function setMaxCommission(uint64 value) external;

    /// @notice Sets the delay before a commission increase applies.
    /// @param value seconds, at most MAX_PERIOD
    function setCommissionIncreaseDelay(uint64 value) external;

    /// @notice Sets the validator set size; the ranking is resized at once (cost grows with the change).
    /// @param value between 1 and MAX_VALIDATORS_LIMIT
    function setMaxValidators(uint32 value) external;

    /// @notice Sets the default fraction for a slash reason.
    /// @param reason the reason
    /// @param value WAD, in (0, MAX_SLASH_FRACTION_WAD]
    function setSlashFraction(SlashReason reason, uint64 value) external;

    /// @notice Sets where slashed OPEN goes.
    /// @param destination Treasury or Burn (locked forever in this contract)
    /// @param treasury the treasury address (must be nonzero)
    function setSlashDestination(SlashDestination destination, address treasury) external;

    // ---------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------

    /// @notice The validator set the next `advanceEpoch` would freeze: the top `maxValidators` Active
    /// operators by bonded stake, ordered by descending stake, ties by ascending operator address.
    /// @return validators the ordered members with their current signer and BLS key
    function validatorCandidates() external view returns (Validator[] memory validators);

    /// @notice A snapshot of an operator's keys, status, commission and pools.
    /// @param operator the operator
    /// @return info the snapshot
    function operatorInfo(address operator) external view returns (OperatorInfo memory info);

    /// @notice The operator's status.
    /// @param operator the operator
    /// @return status its status
    function statusOf(address operator) external view returns (OperatorStatus status);

    /// @notice The operator's share pools.
    /// @param operator the operator
    /// @return pool bonded and unbonding stake and shares
    function poolOf(address operator) external view returns (Pool memory pool);

    /// @notice An account's position with an operator and what it is worth now.
    /// @param operator the operator
    /// @param account the account (the operator itself for self-stake)
    /// @return shares bonded shares
    /// @return stake their value in OPEN (rounded down)
    /// @return principal OPEN put in and not unbonded (its staked voting units)
    function positionOf(
        address operator,
        address account
    ) external view returns (uint256 shares, uint256 stake, uint256 principal);

    /// @notice An unbonding request and what it is worth now.
    /// @param requestId the request
    /// @return request the stored request (account zero if unknown or withdrawn)
    /// @return amount its value in OPEN now
    function unbondingRequest(
        uint256 requestId
    ) external view returns (UnbondingRequest memory request, uint256 amount);

    /// @notice Bonded shares that `amount` OPEN buys from an operator now.
    /// @param operator the operator
    /// @param amount OPEN wei
    /// @return shares the shares (rounded down)
    function previewDelegate(address operator, uint256 amount) external view returns (uint256 shares);

    /// @notice The commission of an operator in force now (after a due increase, capped by the cap).
    /// @param operator the operator
    /// @return commissionWad WAD
    function commissionOf(address operator) external view returns (uint64 commissionWad);

    /// @notice The default slash fraction of a reason.
    /// @param reason the reason
    /// @return fractionWad WAD
    function slashFractionWad(SlashReason reason) external view returns (uint64 fractionWad);

    /// @notice The OPEN token.
    /// @return the token address
    function token() external view returns (address);

    /// @notice The voting-power source for the Governor (OPEN votes + staked votes), created by this contract.
    /// @return the StakeVotes address
    function stakeVotes() external view returns (address);
}
