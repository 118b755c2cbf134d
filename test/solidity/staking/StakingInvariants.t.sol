// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {OpenToken} from "../../../contracts/token/OpenToken.sol";
import {OpenAccessManager} from "../../../contracts/governance/OpenAccessManager.sol";
import {Staking} from "../../../contracts/staking/Staking.sol";
import {StakeVotes} from "../../../contracts/staking/StakeVotes.sol";
import {ValidatorSetManager} from "../../../contracts/staking/ValidatorSetManager.sol";
import {IOperatorRegistryTypes} from "../../../contracts/interfaces/IOperatorRegistry.sol";
import {IStakingTypes} from "../../../contracts/interfaces/IStaking.sol";
import {CheatCodes} from "../utils/Vm.sol";
import {StakingKeys} from "./StakingKeys.sol";

/// @dev Random sequences of every staking action (register with real BLS keys and PoPs, add stake, unbond,
/// delegate, undelegate, withdraw, rewards of random epochs, sandwiched reward pushes, slash in both destinations,
/// jail, unjail, tombstone, resize the set, advance epochs, time). Ghost variables record what went in and out (in
/// total and per account), a per-epoch entitlement model (which account held a position with which operator when
/// each epoch began, and so which rewards it may share), slashes above their fraction, and what each frozen set
/// looked like.
/// Slashes go through the restricted `slash` as the EvidenceHandler role would (random infraction epoch and
/// proven stake); evidence itself is tested with real signatures in mocha (test/contracts/staking/attacks).
contract StakingHandler is CheatCodes {
    OpenToken public immutable token;
    Staking public immutable staking;
    ValidatorSetManager public immutable validatorSets;
    address public immutable treasury;

    address[] public actors;
    address[] public operators;
    uint256[] public openRequests;

    uint256 public deposited;
    uint256 public withdrawn;
    uint256 public slashed;
    uint256 public advances;
    uint256 public frozenTotalMismatches;
    uint256 public frozenIneligibleMembers;
    uint256 public frozenStakeMismatches;
    /// @dev slashes that took more than their fraction of the stake at the infraction, or of the pools
    uint256 public slashesOverFraction;
    /// @dev per account: OPEN put in, OPEN withdrawn, and the full amount of every reward of an epoch e taken into an
    /// operator's pool while the account was bonded to that operator in e, i.e. held a position with it when e began
    /// (an upper bound of what it may earn: entitlement only for time staked); an owner is entitled to all of its
    /// operator's rewards (the commission, and the whole reward when no share earns)
    mapping(address account => uint256) public depositedBy;
    mapping(address account => uint256) public withdrawnBy;
    mapping(address account => uint256) public rewardsWhileBonded;
    /// @dev the ghost model: epoch => account => operator => held a position when the epoch began
    mapping(uint256 epoch => mapping(address account => mapping(address operator => bool))) public bondedAtStart;
    /// @dev rewards taken into a pool, and those refused as too late (pushed after the epoch following theirs)
    uint256 public rewardsPaid;
    uint256 public rewardsRefused;
    uint256 public rewardsWronglyRefused;
    /// @dev an upper bound of the rounding dust pool operations left behind: shares minted round down and shares
    /// burned round up (in favour of the pool), so each operation may leave < 1 share's worth of OPEN (+1 wei for
    /// the virtual share) to the remaining holders; that value is neither a deposit nor a reward of theirs
    uint256 public roundingDust;

    uint256 private constant ACTORS = 10;

    /// @dev Before an operation on `op`'s pools: what it may leave as dust (one share's worth of each pool, +1).
    function _noteDust(address op) private {
        IStakingTypes.Pool memory pool = staking.poolOf(op);
        roundingDust += (pool.bondedStake + 1) / (pool.bondedShares + 1) + 1;
        roundingDust += (pool.unbondingStake + 1) / (pool.unbondingShares + 1) + 1;
    }

    constructor(OpenToken token_, Staking staking_, ValidatorSetManager validatorSets_, address treasury_) {
        token = token_;
        staking = staking_;
        validatorSets = validatorSets_;
        treasury = treasury_;
    }

    /// @dev Called once by the test after funding this handler (the fuzzer may call it again: no-op then).
    function fundActors() external {
        if (actors.length != 0) return;
        for (uint256 i = 0; i < ACTORS; ++i) {
            address actor = address(uint160(0xA0000 + i));
            actors.push(actor);
            token.transfer(actor, 20_000_000e18);
            vm.prank(actor);
            token.approve(address(staking), type(uint256).max);
        }
        token.approve(address(staking), type(uint256).max);
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function operatorCount() external view returns (uint256) {
        return operators.length;
    }

    function openRequestCount() external view returns (uint256) {
        return openRequests.length;
    }

    // -------------------------------------------------------------------------------------------------------
    // Actions
    // -------------------------------------------------------------------------------------------------------

    function register(uint256 actorSeed, uint256 stake, uint256 commission) external {
        uint256 i = actorSeed % StakingKeys.COUNT;
        address actor = actors[i];
        if (staking.statusOf(actor) != IOperatorRegistryTypes.OperatorStatus.Unregistered) return;
        stake = bound(stake, staking.minStake(), 200_000e18);
        (bytes memory pubkey, bytes memory proof) = StakingKeys.key(i);
        IOperatorRegistryTypes.Registration memory registration = IOperatorRegistryTypes.Registration({
            signer: address(uint160(0xB0000 + i)),
            blsPubkey: pubkey,
            blsProofOfPossession: proof,
            peerId: abi.encodePacked("peer-", i),
            endpoint: "/ip4/127.0.0.1/tcp/4001",
            resources: IOperatorRegistryTypes.Resources({
                cpuCores: 4,
                bandwidthMbps: 100,
                memoryMiB: 8192,
                storageGiB: 100
            }),
            commissionWad: uint64(bound(commission, 0, staking.maxCommissionWad())),
            stake: stake
        });
        vm.prank(actor);
        staking.register(registration);
        deposited += stake;
        depositedBy[actor] += stake;
        operators.push(actor);
    }

    function addStake(uint256 opSeed, uint256 amount) external {
        if (operators.length == 0) return;
        address op = operators[opSeed % operators.length];
        amount = bound(amount, 1e18, 50_000e18);
        _noteDust(op);
        vm.prank(op);
        try staking.addStake(amount) {
            deposited += amount;
            depositedBy[op] += amount;
        } catch {}
    }

    function requestUnbonding(uint256 opSeed, uint256 sharesSeed) external {
        if (operators.length == 0) return;
        address op = operators[opSeed % operators.length];
        (uint256 shares, , ) = staking.positionOf(op, op);
        if (shares == 0) return;
        _noteDust(op);
        vm.prank(op);
        try staking.requestUnbonding(bound(sharesSeed, 1, shares)) returns (uint256 id) {
            openRequests.push(id);
        } catch {}
    }

    function delegate(uint256 actorSeed, uint256 opSeed, uint256 amount) external {
        if (operators.length == 0) return;
        address actor = actors[actorSeed % actors.length];
        address op = operators[opSeed % operators.length];
        amount = bound(amount, 1e18, 50_000e18);
        _noteDust(op);
        vm.prank(actor);
        try staking.delegate(op, amount, 0) {
            deposited += amount;
            depositedBy[actor] += amount;
        } catch {}
    }

    function undelegate(uint256 actorSeed, uint256 opSeed, uint256 sharesSeed) external {
        if (operators.length == 0) return;
        address actor = actors[actorSeed % actors.length];
        address op = operators[opSeed % operators.length];
        if (actor == op) return;
        (uint256 shares, , ) = staking.positionOf(op, actor);
        if (shares == 0) return;
        _noteDust(op);
        vm.prank(actor);
        try staking.undelegate(op, bound(sharesSeed, 1, shares)) returns (uint256 id) {
            openRequests.push(id);
        } catch {}
    }

    /// @dev Anyone may bring a slashed position's votes down to its value.
    function syncVotes(uint256 actorSeed, uint256 opSeed) external {
        if (operators.length == 0) return;
        staking.syncVotes(operators[opSeed % operators.length], actors[actorSeed % actors.length]);
    }

    function withdraw(uint256 requestSeed) external {
        if (openRequests.length == 0) return;
        uint256 index = requestSeed % openRequests.length;
        uint256 id = openRequests[index];
        (IStakingTypes.UnbondingRequest memory request, ) = staking.unbondingRequest(id);
        if (block.timestamp < request.releaseTime) vm.warp(request.releaseTime);
        _noteDust(request.operator);
        vm.prank(request.account);
        uint256 paid = staking.withdraw(id);
        withdrawn += paid;
        withdrawnBy[request.account] += paid;
        openRequests[index] = openRequests[openRequests.length - 1];
        openRequests.pop();
    }

    /// @dev A reward of a random recent epoch (the previous one as the distributor pushes it, the current one, or
    /// one that is too late and must be refused).
    function distributeRewards(uint256 opSeed, uint256 epochSeed, uint256 amount) external {
        if (operators.length == 0) return;
        amount = bound(amount, 1, 20_000e18);
        address op = operators[opSeed % operators.length];
        uint256 current = validatorSets.currentEpoch();
        uint256 epoch = bound(epochSeed, current < 2 ? 0 : current - 2, current);
        _reward(op, epoch, amount);
    }

    /// @dev The attack of issue 15: an account delegates, the previous epoch's reward is pushed, it undelegates, all
    /// in one call. The ghost model gives it nothing of that reward unless it was already bonded when that epoch began.
    function sandwich(uint256 actorSeed, uint256 opSeed, uint256 capital, uint256 amount) external {
        if (operators.length == 0) return;
        address actor = actors[actorSeed % actors.length];
        address op = operators[opSeed % operators.length];
        uint256 current = validatorSets.currentEpoch();
        if (actor == op || current == 0) return;
        capital = bound(capital, 1e18, 5_000_000e18);
        amount = bound(amount, 1, 20_000e18);
        _noteDust(op);
        vm.prank(actor);
        try staking.delegate(op, capital, 0) returns (uint256 shares) {
            deposited += capital;
            depositedBy[actor] += capital;
            _reward(op, current - 1, amount);
            _noteDust(op);
            vm.prank(actor);
            openRequests.push(staking.undelegate(op, shares));
        } catch {}
    }

    function _reward(address op, uint256 epoch, uint256 amount) private {
        _noteDust(op);
        if (staking.distributeRewards(op, uint64(epoch), amount)) {
            for (uint256 a = 0; a < actors.length; ++a) {
                if (bondedAtStart[epoch][actors[a]][op] || actors[a] == op) rewardsWhileBonded[actors[a]] += amount;
            }
            deposited += amount;
            rewardsPaid += amount;
        } else {
            ++rewardsRefused;
            // only a push after the epoch following the reward's may be refused
            if (epoch + 1 >= validatorSets.currentEpoch()) ++rewardsWronglyRefused;
        }
    }

    /// @dev Slashes as the EvidenceHandler role would: an infraction epoch up to the current one, and either the
    /// frozen-set stake it proved (any value up to the pools) or 0 (evidence without a stake proof).
    function slash(
        uint256 opSeed,
        uint256 fractionSeed,
        uint256 reasonSeed,
        uint256 epochSeed,
        uint256 stakeSeed
    ) external {
        if (operators.length == 0) return;
        address op = operators[opSeed % operators.length];
        uint256 fraction = bound(fractionSeed, 1, staking.MAX_SLASH_FRACTION_WAD());
        uint64 infractionEpoch = uint64(bound(epochSeed, 0, validatorSets.currentEpoch()));
        IStakingTypes.Pool memory before = staking.poolOf(op);
        uint256 atInfraction =
            stakeSeed % 2 == 0 ? 0 : bound(stakeSeed, 1, before.bondedStake + before.unbondingStake + 1);
        uint256 taken = staking.slash(
            op,
            fraction,
            IStakingTypes.SlashReason(reasonSeed % 3),
            infractionEpoch,
            atInfraction
        );
        slashed += taken;
        uint256 poolsCap = ((before.bondedStake + before.unbondingStake) * fraction) / 1e18;
        if (taken > poolsCap) ++slashesOverFraction;
        if (atInfraction != 0 && taken > (atInfraction * fraction) / 1e18) ++slashesOverFraction;
    }

    function setSlashDestination(bool burn) external {
        staking.setSlashDestination(
            burn ? IStakingTypes.SlashDestination.Burn : IStakingTypes.SlashDestination.Treasury,
            treasury
        );
    }

    function jail(uint256 opSeed) external {
        if (operators.length == 0) return;
        staking.jail(operators[opSeed % operators.length]);
    }

    function unjail(uint256 opSeed) external {
        if (operators.length == 0) return;
        address op = operators[opSeed % operators.length];
        if (staking.statusOf(op) != IOperatorRegistryTypes.OperatorStatus.Jailed) return;
        uint64 until = staking.operatorInfo(op).jailedUntil;
        if (block.timestamp < until) vm.warp(until);
        vm.prank(op);
        try staking.unjail() {} catch {}
    }

    function tombstone(uint256 opSeed) external {
        // Rare: one call in eight, or every operator ends up tombstoned and nothing else gets exercised.
        if (operators.length == 0 || opSeed % 8 != 0) return;
        staking.tombstone(operators[(opSeed / 8) % operators.length]);
    }

    function setMaxValidators(uint256 size) external {
        staking.setMaxValidators(uint32(bound(size, 1, 6)));
    }

    /// @dev Records, for the set about to be frozen, whether every member is Active, whether each member's stake
    /// is its pool's bonded stake, and whether the stored total equals the sum of its members.
    function advanceEpoch() external {
        uint256 next = validatorSets.nextEpochTime();
        if (block.timestamp < next) vm.warp(next);
        IStakingTypes.Validator[] memory members = staking.validatorCandidates();
        uint256 sum;
        for (uint256 i = 0; i < members.length; ++i) {
            address op = members[i].operator;
            if (staking.statusOf(op) != IOperatorRegistryTypes.OperatorStatus.Active) ++frozenIneligibleMembers;
            if (staking.poolOf(op).bondedStake != members[i].stake) ++frozenStakeMismatches;
            sum += members[i].stake;
        }
        uint256 epoch = validatorSets.advanceEpoch();
        (, uint256 total, , uint256 count) = validatorSets.epochValidatorSet(epoch);
        if (total != sum || count != members.length) ++frozenTotalMismatches;
        ++advances;
        // the ghost model: who is bonded to whom as the epoch begins
        for (uint256 a = 0; a < actors.length; ++a) {
            for (uint256 o = 0; o < operators.length; ++o) {
                (uint256 held, , ) = staking.positionOf(operators[o], actors[a]);
                if (held != 0) bondedAtStart[epoch][actors[a]][operators[o]] = true;
            }
        }
    }

    function warp(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 3 days));
    }
}

/// @dev Invariants of the staking contracts under random action sequences (see StakingHandler).
contract StakingInvariantsTest is CheatCodes {
    OpenToken internal token;
    Staking internal staking;
    StakeVotes internal votes;
    ValidatorSetManager internal validatorSets;
    StakingHandler internal handler;

    function setUp() public {
        address[] memory recipients = new address[](1);
        uint256[] memory amounts = new uint256[](1);
        recipients[0] = address(this);
        amounts[0] = 1_000_000_000e18;
        token = new OpenToken(recipients, amounts, address(0));
        OpenAccessManager manager = new OpenAccessManager(address(this));
        address treasury = address(0x7EA5);
        staking = new Staking(address(manager), address(token), treasury);
        votes = StakeVotes(staking.stakeVotes());
        validatorSets = new ValidatorSetManager(address(manager), address(staking), 1 hours);
        staking.setValidatorSets(address(validatorSets));
        handler = new StakingHandler(token, staking, validatorSets, treasury);
        manager.grantRole(0, address(handler), 0); // admin: may call every restricted function
        token.transfer(address(handler), 500_000_000e18);
        handler.fundActors();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// sum of bonded + unbonding stakes + withdrawn + slashed == deposited (stakes, delegations, rewards).
    function invariantStakeIsConserved() public view {
        require(
            _pooled() + handler.withdrawn() + handler.slashed() == handler.deposited(),
            "stake + unbonding + withdrawn + slashed != deposited"
        );
    }

    /// The contract holds exactly the pools plus what was slashed in Burn mode (locked forever).
    function invariantTokenBalanceMatchesPools() public view {
        require(token.balanceOf(address(staking)) == _pooled() + staking.totalSlashLocked(), "balance != pools");
    }

    /// A slash never takes more than its fraction: of the stake at the infraction when evidence proved it, and of
    /// the pools (bonded + unbonding buckets it may reach) in any case.
    function invariantSlashPerOffenceAtMostItsFraction() public view {
        require(handler.slashesOverFraction() == 0, "a slash took more than its fraction");
    }

    /// No account ever withdraws (or holds) more than it deposited plus the rewards of the epochs in which it was
    /// bonded to the rewarded operator (held a position with it when the epoch began: the handler's ghost model),
    /// up to the wei-scale rounding dust that pool operations leave to remaining holders (each at most one share's
    /// worth: a few wei here, against rewards of up to 20,000 OPEN). Sandwiched pushes are among the actions.
    function invariantNoAccountTakesMoreThanDepositsAndRewardsWhileBonded() public view {
        for (uint256 a = 0; a < handler.actorCount(); ++a) {
            address actor = handler.actors(a);
            uint256 claims = handler.withdrawnBy(actor);
            for (uint256 o = 0; o < handler.operatorCount(); ++o) {
                (, uint256 value, ) = staking.positionOf(handler.operators(o), actor);
                claims += value;
            }
            for (uint256 r = 0; r < handler.openRequestCount(); ++r) {
                (IStakingTypes.UnbondingRequest memory request, uint256 value) = staking.unbondingRequest(
                    handler.openRequests(r)
                );
                if (request.account == actor) claims += value;
            }
            require(
                claims <= handler.depositedBy(actor) + handler.rewardsWhileBonded(actor) + handler.roundingDust(),
                "account holds more than deposits + rewards while bonded"
            );
        }
    }

    /// A reward pushed no later than the epoch after its own is always taken (refusals are only for late ones).
    function invariantTimelyRewardsAreTaken() public view {
        require(handler.rewardsWronglyRefused() == 0, "a timely reward was refused");
    }

    /// Each operator's unbonding pool is exactly the sum of its per-epoch buckets.
    function invariantUnbondingBucketsAddUpToThePool() public view {
        uint256 epochs = validatorSets.currentEpoch();
        for (uint256 o = 0; o < handler.operatorCount(); ++o) {
            address op = handler.operators(o);
            uint256 stake;
            uint256 shares;
            for (uint256 e = 0; e <= epochs; ++e) {
                (uint256 s, uint256 sh) = staking.unbondingBucket(op, uint64(e));
                stake += s;
                shares += sh;
            }
            IStakingTypes.Pool memory pool = staking.poolOf(op);
            require(stake == pool.unbondingStake && shares == pool.unbondingShares, "buckets != unbonding pool");
        }
    }

    /// Positions' shares never exceed the pool's (activated deposits convert with rounding down, so a few shares may
    /// be held by nobody) and all claims together never exceed the pool (bonded shares and activating deposits); the
    /// same for pending unbonding requests. (A holder's own price differs between bonded shares and deposits still
    /// activating, which did not share the rewards pushed meanwhile, so no single price bounds every holder.)
    function invariantClaimsNeverExceedShares() public view {
        for (uint256 o = 0; o < handler.operatorCount(); ++o) {
            address op = handler.operators(o);
            IStakingTypes.Pool memory pool = staking.poolOf(op);
            uint256 shares;
            uint256 claims;
            for (uint256 a = 0; a < handler.actorCount(); ++a) {
                (uint256 held, uint256 value, ) = staking.positionOf(op, handler.actors(a));
                shares += held;
                claims += value;
            }
            require(shares <= pool.bondedShares, "position shares exceed pool shares");
            require(claims <= pool.bondedStake, "claims exceed pool");
        }
        uint256[] memory unbondingClaims = new uint256[](handler.operatorCount());
        for (uint256 r = 0; r < handler.openRequestCount(); ++r) {
            (IStakingTypes.UnbondingRequest memory request, uint256 value) = staking.unbondingRequest(
                handler.openRequests(r)
            );
            for (uint256 o = 0; o < handler.operatorCount(); ++o) {
                if (handler.operators(o) == request.operator) unbondingClaims[o] += value;
            }
        }
        for (uint256 o = 0; o < handler.operatorCount(); ++o) {
            require(
                unbondingClaims[o] <= staking.poolOf(handler.operators(o)).unbondingStake,
                "unbonding claims exceed pool"
            );
        }
    }

    /// Every frozen set's stored total equals the sum of its members, each member's stake is its pool's.
    function invariantFrozenSetTotalEqualsMembers() public view {
        require(handler.frozenTotalMismatches() == 0, "stored total != sum of members");
        require(handler.frozenStakeMismatches() == 0, "member stake != pool stake");
    }

    /// No jailed, tombstoned or inactive operator was ever frozen into a set.
    function invariantNoJailedOperatorInAFrozenSet() public view {
        require(handler.frozenIneligibleMembers() == 0, "ineligible operator in a frozen set");
    }

    /// The ranking's top set is exactly the best `maxValidators` Active operators (stake desc, address asc),
    /// in that order.
    function invariantCandidatesAreTheExactTopSet() public view {
        uint256 n = handler.operatorCount();
        address[] memory eligible = new address[](n);
        uint256[] memory stakes = new uint256[](n);
        uint256 count;
        for (uint256 o = 0; o < n; ++o) {
            address op = handler.operators(o);
            if (staking.statusOf(op) != IOperatorRegistryTypes.OperatorStatus.Active) continue;
            uint256 stake = staking.poolOf(op).bondedStake;
            // Insertion into the model order.
            uint256 j = count++;
            while (j > 0 && _better(stake, op, stakes[j - 1], eligible[j - 1])) {
                eligible[j] = eligible[j - 1];
                stakes[j] = stakes[j - 1];
                --j;
            }
            eligible[j] = op;
            stakes[j] = stake;
        }
        uint256 size = count < staking.maxValidators() ? count : staking.maxValidators();
        IStakingTypes.Validator[] memory candidates = staking.validatorCandidates();
        require(candidates.length == size, "wrong set size");
        for (uint256 i = 0; i < size; ++i) {
            require(candidates[i].operator == eligible[i], "set differs from the model top set");
            require(candidates[i].stake == stakes[i], "candidate stake differs");
        }
    }

    /// Staked voting units of each account equal the principal of its positions.
    function invariantVotingUnitsEqualPrincipal() public view {
        for (uint256 a = 0; a < handler.actorCount(); ++a) {
            address actor = handler.actors(a);
            uint256 principal;
            for (uint256 o = 0; o < handler.operatorCount(); ++o) {
                (, , uint256 p) = staking.positionOf(handler.operators(o), actor);
                principal += p;
            }
            require(votes.votingUnitsOf(actor) == principal, "voting units != principal");
        }
    }

    function _pooled() private view returns (uint256 total) {
        for (uint256 o = 0; o < handler.operatorCount(); ++o) {
            IStakingTypes.Pool memory pool = staking.poolOf(handler.operators(o));
            total += pool.bondedStake + pool.unbondingStake;
        }
    }

    function _better(uint256 stakeA, address a, uint256 stakeB, address b) private pure returns (bool) {
        return stakeA > stakeB || (stakeA == stakeB && a < b);
    }
}
