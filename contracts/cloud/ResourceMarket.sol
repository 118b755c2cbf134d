// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IResourceVerifier} from "../interfaces/IResourceVerifier.sol";
import {IDvmAccess, IDvmAccessTypes} from "../interfaces/IDvmAccess.sol";
import {IOperatorRegistryTypes} from "../interfaces/IOperatorRegistry.sol";
import {IResourceMarket} from "../interfaces/IResourceMarket.sol";
import {IRewardsDistributor} from "../interfaces/IRewardsDistributor.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {IValidatorSet} from "../interfaces/IValidatorSet.sol";

/// @title Resource market: offers bounded by proven capacity, leases paid for attested uptime
/// @notice Capacity: an operator's open offers (free slots x spec) plus its live leases never exceed the capacity
/// of the latest certified porRoot leaf shown for it (`proveResources`, from the current or previous epoch),
/// checked at listing; a rent checks that the live leases plus the new one fit. When proven capacity falls below
/// what is leased, no new rent succeeds and existing leases continue (their pay follows uptime).
/// Pay: epoch e of a lease is settled once epoch e + 2 has begun (the uptime of e can be shown until e + 1 is
/// over, a later header of e replacing an earlier one): of the escrow for the lease's time in e, the attested
/// `uptimeBps` share goes to the provider less the protocol fee, the rest back to the lease's owner. No attested
/// uptime means no pay. Refunds always go to the NFT's current owner (the lease moves with the token).
/// @dev Each settlement step pays `escrow x (b - a) / (end - a)` for the interval [a, b) of the remaining
/// [a, end): the last step takes exactly what is left, so no wei is lost to rounding. Invariant:
/// balance == sum of escrows + accrued fees; escrowed in == paid + refunded + fees.
contract ResourceMarket is IResourceMarket, AccessManaged, ReentrancyGuard {
    using SafeERC20 for IERC20;

    uint16 public constant MAX_FEE_BPS = 2_000;
    uint32 public constant BPS = 10_000;
    /// @notice A lease lasts at most a year from its start, extensions included.
    uint64 public constant MAX_LEASE_SECONDS = 366 days;

    IERC20 public immutable token;
    IStaking public immutable staking;
    IValidatorSet public immutable validatorSets;
    IResourceVerifier public immutable checkpoints;
    IRewardsDistributor public immutable rewards;
    IDvmAccess public immutable dvm;

    /// @dev one slot: fee setting and unflushed fees (below the token supply < 2^128)
    struct FeeState {
        uint16 feeBps;
        uint128 accrued;
    }

    struct Uptime {
        uint32 bps;
        uint64 height;
    }

    struct ProviderState {
        Capacity listed;
        Capacity leased;
        ProvenCapacity proven;
        /// @dev the last time the operator was recorded not Active
        uint64 lastFaultAt;
    }

    /// @dev running totals of one settlement
    struct Settlement {
        uint256 paid;
        uint256 refunded;
        uint256 fees;
        uint256 epochs;
    }

    FeeState private _fees;
    uint256 private _lastOfferId;
    mapping(uint256 offerId => Offer) private _offers;
    mapping(uint256 tokenId => LeaseAccount) private _accounts;
    mapping(address operator => ProviderState) private _providers;
    mapping(address operator => mapping(uint64 epoch => Uptime)) private _uptime;

    /// @param token_ OPEN (ERC-20 with ERC-2612 permits)
    /// @param staking_ the staking contract (operator status)
    /// @param validatorSets_ the validator set manager (epochs and their start times)
    /// @param checkpoints_ the checkpoint store (certified headers, porRoot proofs)
    /// @param rewards_ the rewards pool that receives protocol fees
    /// @param dvm_ the lease NFT (this market must hold its minter role)
    /// @param authority the AccessManager
    /// @param feeBps initial protocol fee on providers' pay
    constructor(
        IERC20 token_,
        IStaking staking_,
        IValidatorSet validatorSets_,
        IResourceVerifier checkpoints_,
        IRewardsDistributor rewards_,
        IDvmAccess dvm_,
        address authority,
        uint16 feeBps
    ) AccessManaged(authority) {
        token = token_;
        staking = staking_;
        validatorSets = validatorSets_;
        checkpoints = checkpoints_;
        rewards = rewards_;
        dvm = dvm_;
        _setProtocolFee(feeBps);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Proven capacity and uptime
    // ---------------------------------------------------------------------------------------------------------

    /// @inheritdoc IResourceMarket
    function proveResources(
        Header calldata header,
        address operator,
        ProvenResources calldata resources,
        bytes32[] calldata proof
    ) external {
        if (!checkpoints.verifyResource(header, operator, resources, proof)) {
            revert MarketInvalidProof(operator, header.height);
        }
        ProviderState storage p = _providers[operator];
        Capacity memory capacity = Capacity(
            resources.cpuCores,
            resources.bandwidthMbps,
            resources.memoryMiB,
            resources.storageGiB
        );
        bool changed;
        if (header.height > p.proven.height) {
            p.proven = ProvenCapacity(capacity, header.epoch, header.height);
            changed = true;
        }
        Uptime storage u = _uptime[operator][header.epoch];
        // Past its window the epoch's uptime is final: leases may already be settled with it.
        if (validatorSets.currentEpoch() <= uint256(header.epoch) + 1 && header.height > u.height) {
            uint32 bps = resources.uptimeBps > BPS ? BPS : resources.uptimeBps;
            _uptime[operator][header.epoch] = Uptime(bps, header.height);
            changed = true;
        }
        if (changed) emit ResourcesProven(operator, header.epoch, header.height, capacity, resources.uptimeBps);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Offers
    // ---------------------------------------------------------------------------------------------------------

    /// @inheritdoc IResourceMarket
    function listOffer(
        Capacity calldata spec,
        bytes32 region,
        uint128 pricePerHour,
        uint16 maxLeases
    ) external returns (uint256 offerId) {
        if (spec.cpuCores == 0 || spec.memoryMiB == 0 || pricePerHour == 0 || maxLeases == 0) {
            revert MarketInvalidOffer();
        }
        address provider = msg.sender;
        _requireActive(provider);
        ProviderState storage p = _providers[provider];
        Capacity memory listed = _add(p.listed, spec, maxLeases);
        _requireWithin(provider, p, _add(p.leased, listed, 1));
        p.listed = listed;
        offerId = ++_lastOfferId;
        _offers[offerId] = Offer({
            provider: provider,
            maxLeases: maxLeases,
            liveLeases: 0,
            open: true,
            spec: spec,
            region: region,
            pricePerHour: pricePerHour
        });
        emit OfferListed(offerId, provider, spec, region, pricePerHour, maxLeases);
    }

    /// @inheritdoc IResourceMarket
    function delistOffer(uint256 offerId) external {
        Offer storage o = _requireOffer(offerId);
        if (o.provider != msg.sender) revert MarketNotProvider(offerId, msg.sender);
        if (!o.open) revert MarketOfferClosed(offerId);
        o.open = false;
        ProviderState storage p = _providers[o.provider];
        p.listed = _sub(p.listed, o.spec, o.maxLeases - o.liveLeases);
        emit OfferDelisted(offerId);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Leases
    // ---------------------------------------------------------------------------------------------------------

    /// @inheritdoc IResourceMarket
    function rent(uint256 offerId, uint32 hoursRented) external nonReentrant returns (uint256 tokenId) {
        return _rent(offerId, hoursRented);
    }

    /// @inheritdoc IResourceMarket
    function rentWithPermit(
        uint256 offerId,
        uint32 hoursRented,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint256 tokenId) {
        uint256 escrow = uint256(_requireOffer(offerId).pricePerHour) * hoursRented;
        // A permit front-run by someone else already set the allowance: go on, transferFrom decides.
        try IERC20Permit(address(token)).permit(msg.sender, address(this), escrow, deadline, v, r, s) {} catch {}
        return _rent(offerId, hoursRented);
    }

    /// @inheritdoc IResourceMarket
    function extend(uint256 tokenId, uint32 hoursAdded) external nonReentrant {
        LeaseAccount storage a = _requireLive(tokenId);
        address owner = dvm.ownerOf(tokenId);
        if (msg.sender != owner && msg.sender != dvm.userOf(tokenId)) revert MarketNotOwnerNorUser(tokenId, msg.sender);
        if (hoursAdded == 0) revert MarketZeroHours();
        Offer storage o = _offers[a.offerId];
        address provider = o.provider;
        _requireActive(provider);
        IDvmAccessTypes.Lease memory nft = dvm.lease(tokenId);
        uint64 faultAt = _providers[provider].lastFaultAt;
        if (faultAt > nft.start) revert MarketProviderFaulted(provider, faultAt);
        uint64 end = a.end + uint64(hoursAdded) * 1 hours;
        if (end - nft.start > MAX_LEASE_SECONDS) revert MarketLeaseTooLong(end, nft.start + MAX_LEASE_SECONDS);
        uint256 amount = uint256(o.pricePerHour) * hoursAdded;
        a.end = end;
        a.escrow += uint128(amount); // escrow <= price x a year's hours, far below 2^128
        emit LeaseExtended(tokenId, msg.sender, hoursAdded, amount, end);
        dvm.updateLease(tokenId, end, IDvmAccessTypes.LeaseState.Active);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IResourceMarket
    function terminate(uint256 tokenId) external nonReentrant {
        LeaseAccount storage a = _requireLive(tokenId);
        address owner = dvm.ownerOf(tokenId);
        if (msg.sender != owner && !dvm.isApprovedForAll(owner, msg.sender) && dvm.getApproved(tokenId) != msg.sender) {
            revert MarketNotLeaseOwner(tokenId, msg.sender);
        }
        uint64 now_ = uint64(block.timestamp);
        // settledUntil <= the start of the unfinished epoch <= now < end
        uint256 refund = (uint256(a.escrow) * (a.end - now_)) / (a.end - a.settledUntil);
        a.escrow -= uint128(refund);
        a.end = now_;
        _release(tokenId, a);
        emit LeaseTerminated(tokenId, owner, refund, now_);
        dvm.updateLease(tokenId, now_, IDvmAccessTypes.LeaseState.Terminated);
        if (refund != 0) token.safeTransfer(owner, refund);
    }

    /// @inheritdoc IResourceMarket
    function recordProviderFault(address operator) external {
        IOperatorRegistryTypes.OperatorStatus status = staking.statusOf(operator);
        if (status == IOperatorRegistryTypes.OperatorStatus.Active) revert MarketNoProviderFault(0, operator);
        _providers[operator].lastFaultAt = uint64(block.timestamp);
        emit ProviderFaultRecorded(operator, uint64(block.timestamp));
    }

    /// @inheritdoc IResourceMarket
    function claimFaultRefund(uint256 tokenId) external nonReentrant {
        LeaseAccount storage a = _requireLease(tokenId);
        address provider = _offers[a.offerId].provider;
        IDvmAccessTypes.Lease memory nft = dvm.lease(tokenId);
        if (nft.state == IDvmAccessTypes.LeaseState.Terminated || nft.state == IDvmAccessTypes.LeaseState.Faulted) {
            revert MarketLeaseEnded(tokenId, a.end);
        }
        if (!_faulted(provider, nft.start, a.end)) revert MarketNoProviderFault(tokenId, provider);
        uint256 refund = a.escrow;
        uint64 end = a.end < block.timestamp ? a.end : uint64(block.timestamp);
        a.escrow = 0;
        a.end = end;
        a.settledUntil = end;
        _release(tokenId, a);
        address owner = dvm.ownerOf(tokenId);
        emit LeaseFaulted(tokenId, provider, owner, refund);
        dvm.updateLease(tokenId, end, IDvmAccessTypes.LeaseState.Faulted);
        if (refund != 0) token.safeTransfer(owner, refund);
    }

    /// @inheritdoc IResourceMarket
    function settle(uint256 tokenId, uint256 maxEpochs) external nonReentrant {
        LeaseAccount storage a = _requireLease(tokenId);
        address provider = _offers[a.offerId].provider;
        bool released = a.released;
        if (!released && block.timestamp >= a.end) _release(tokenId, a);
        Settlement memory s = _settleEpochs(tokenId, a, maxEpochs);
        if (s.epochs == 0 && released == a.released) revert MarketNothingToSettle(tokenId);
        if (s.paid != 0) token.safeTransfer(provider, s.paid);
        if (s.refunded != 0) token.safeTransfer(dvm.ownerOf(tokenId), s.refunded);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Fees
    // ---------------------------------------------------------------------------------------------------------

    /// @inheritdoc IResourceMarket
    function flushFees() external nonReentrant {
        uint256 amount = _fees.accrued;
        if (amount == 0) return;
        _fees.accrued = 0;
        emit FeesFlushed(amount);
        token.forceApprove(address(rewards), amount);
        rewards.addFees(amount);
    }

    /// @inheritdoc IResourceMarket
    function setProtocolFee(uint16 feeBps) external restricted {
        _setProtocolFee(feeBps);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------

    /// @inheritdoc IResourceMarket
    function offer(uint256 offerId) external view returns (Offer memory) {
        return _requireOffer(offerId);
    }

    /// @inheritdoc IResourceMarket
    function leaseAccount(uint256 tokenId) external view returns (LeaseAccount memory) {
        return _accounts[tokenId];
    }

    /// @inheritdoc IResourceMarket
    function provenCapacity(address operator) external view returns (ProvenCapacity memory) {
        return _providers[operator].proven;
    }

    /// @inheritdoc IResourceMarket
    function committed(address operator) external view returns (Capacity memory listed, Capacity memory leased) {
        ProviderState storage p = _providers[operator];
        return (p.listed, p.leased);
    }

    /// @inheritdoc IResourceMarket
    function attestedUptime(address operator, uint64 epoch) external view returns (uint32 uptimeBps, uint64 height) {
        Uptime memory u = _uptime[operator][epoch];
        return (u.bps, u.height);
    }

    /// @inheritdoc IResourceMarket
    function accruedFees() external view returns (uint256) {
        return _fees.accrued;
    }

    /// @inheritdoc IResourceMarket
    function protocolFeeBps() external view returns (uint16) {
        return _fees.feeBps;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------

    function _rent(uint256 offerId, uint32 hoursRented) private returns (uint256 tokenId) {
        if (hoursRented == 0) revert MarketZeroHours();
        uint64 start = uint64(block.timestamp);
        uint64 end = start + uint64(hoursRented) * 1 hours;
        if (end - start > MAX_LEASE_SECONDS) revert MarketLeaseTooLong(end, start + MAX_LEASE_SECONDS);
        Offer storage o = _reserveSlot(offerId);
        uint256 escrow = uint256(o.pricePerHour) * hoursRented;
        tokenId = dvm.totalLeases() + 1;
        _accounts[tokenId] = LeaseAccount({
            escrow: uint128(escrow), // the transfer below bounds it by the token supply (< 2^90)
            end: end,
            settledUntil: start,
            nextEpoch: uint64(validatorSets.currentEpoch()),
            offerId: uint64(offerId),
            released: false
        });
        emit LeaseRented(tokenId, offerId, msg.sender, hoursRented, escrow, start, end);
        token.safeTransferFrom(msg.sender, address(this), escrow);
        uint256 minted = dvm.mint(
            msg.sender,
            IDvmAccessTypes.Lease({
                provider: o.provider,
                offerId: uint64(offerId),
                start: start,
                end: end,
                cpuCores: o.spec.cpuCores,
                memoryMiB: o.spec.memoryMiB,
                storageGiB: o.spec.storageGiB,
                state: IDvmAccessTypes.LeaseState.Active
            })
        );
        assert(minted == tokenId); // this market is the NFT's only minter
    }

    /// @dev Checks that an offer can be rented now and moves one of its slots from listed to leased.
    function _reserveSlot(uint256 offerId) private returns (Offer storage o) {
        o = _requireOffer(offerId);
        if (!o.open) revert MarketOfferClosed(offerId);
        if (o.liveLeases >= o.maxLeases) revert MarketOfferFull(offerId, o.maxLeases);
        address provider = o.provider;
        _requireActive(provider);
        ProviderState storage p = _providers[provider];
        Capacity memory spec = o.spec;
        Capacity memory leased = _add(p.leased, spec, 1);
        _requireWithin(provider, p, leased);
        o.liveLeases += 1;
        p.listed = _sub(p.listed, spec, 1);
        p.leased = leased;
    }

    /// @dev Settles finished epochs of a lease; returns what to pay the provider and refund the owner.
    function _settleEpochs(
        uint256 tokenId,
        LeaseAccount storage a,
        uint256 maxEpochs
    ) private returns (Settlement memory s) {
        uint256 current = validatorSets.currentEpoch();
        address provider = _offers[a.offerId].provider;
        uint64 e = a.nextEpoch;
        uint64 from = a.settledUntil;
        uint64 end = a.end;
        uint256 escrow = a.escrow;
        while (s.epochs < maxEpochs && from < end && uint256(e) + 2 <= current) {
            uint64 next = validatorSets.epochInfo(e + 1).startTime;
            uint64 to = next < end ? next : end;
            if (to > from) {
                // the remaining escrow's share of [from, to) in [from, end): the last step takes all that is left
                uint256 amount = (escrow * (to - from)) / (end - from);
                escrow -= amount;
                _split(tokenId, provider, e, amount, s);
                from = to;
            }
            ++e;
            ++s.epochs;
        }
        if (s.epochs == 0) return s;
        a.nextEpoch = e;
        a.settledUntil = from;
        a.escrow = uint128(escrow);
        if (s.fees != 0) _fees.accrued += uint128(s.fees);
    }

    /// @dev Splits one epoch's escrow by the provider's attested uptime into pay, fee and refund.
    function _split(uint256 tokenId, address provider, uint64 epoch, uint256 amount, Settlement memory s) private {
        uint32 bps = _uptime[provider][epoch].bps;
        uint256 gross = (amount * bps) / BPS;
        uint256 fee = (gross * _fees.feeBps) / BPS;
        s.paid += gross - fee;
        s.fees += fee;
        s.refunded += amount - gross;
        emit LeaseEpochSettled(tokenId, epoch, bps, gross - fee, fee, amount - gross);
    }

    /// @dev Stops counting an ended lease against its provider's capacity (once).
    function _release(uint256 tokenId, LeaseAccount storage a) private {
        if (a.released) return;
        a.released = true;
        Offer storage o = _offers[a.offerId];
        ProviderState storage p = _providers[o.provider];
        p.leased = _sub(p.leased, o.spec, 1);
        o.liveLeases -= 1;
        if (o.open) p.listed = _add(p.listed, o.spec, 1);
        emit LeaseReleased(tokenId);
    }

    function _faulted(address provider, uint64 start, uint64 end) private returns (bool) {
        if (staking.statusOf(provider) != IOperatorRegistryTypes.OperatorStatus.Active) {
            if (block.timestamp < end) {
                _providers[provider].lastFaultAt = uint64(block.timestamp);
                emit ProviderFaultRecorded(provider, uint64(block.timestamp));
                return true;
            }
        }
        uint64 at = _providers[provider].lastFaultAt;
        return at > start && at < end;
    }

    function _requireActive(address operator) private view {
        IOperatorRegistryTypes.OperatorStatus status = staking.statusOf(operator);
        if (status != IOperatorRegistryTypes.OperatorStatus.Active) {
            revert MarketProviderNotActive(operator, uint8(status));
        }
    }

    /// @dev Reverts unless `needed` fits the operator's recently proven capacity in every resource.
    function _requireWithin(address operator, ProviderState storage p, Capacity memory needed) private view {
        ProvenCapacity memory proven = p.proven;
        uint256 current = validatorSets.currentEpoch();
        if (proven.height == 0 || uint256(proven.epoch) + 1 < current) {
            revert MarketCapacityNotProven(operator, proven.epoch, current);
        }
        Capacity memory c = proven.capacity;
        if (needed.cpuCores > c.cpuCores)
            revert MarketOverCapacity(operator, Resource.CpuCores, needed.cpuCores, c.cpuCores);
        if (needed.bandwidthMbps > c.bandwidthMbps) {
            revert MarketOverCapacity(operator, Resource.BandwidthMbps, needed.bandwidthMbps, c.bandwidthMbps);
        }
        if (needed.memoryMiB > c.memoryMiB) {
            revert MarketOverCapacity(operator, Resource.MemoryMiB, needed.memoryMiB, c.memoryMiB);
        }
        if (needed.storageGiB > c.storageGiB) {
            revert MarketOverCapacity(operator, Resource.StorageGiB, needed.storageGiB, c.storageGiB);
        }
    }

    function _requireOffer(uint256 offerId) private view returns (Offer storage o) {
        o = _offers[offerId];
        if (o.provider == address(0)) revert MarketUnknownOffer(offerId);
    }

    function _requireLease(uint256 tokenId) private view returns (LeaseAccount storage a) {
        a = _accounts[tokenId];
        if (a.offerId == 0) revert MarketUnknownLease(tokenId);
    }

    /// @dev The account of a lease that is neither over nor ended early.
    function _requireLive(uint256 tokenId) private view returns (LeaseAccount storage a) {
        a = _requireLease(tokenId);
        if (block.timestamp >= a.end || a.released) revert MarketLeaseEnded(tokenId, a.end);
    }

    function _setProtocolFee(uint16 feeBps) private {
        if (feeBps > MAX_FEE_BPS) revert MarketFeeTooHigh(feeBps, MAX_FEE_BPS);
        _fees.feeBps = feeBps;
        emit ProtocolFeeSet(feeBps);
    }

    /// @dev a + b x n per resource; sums fit: each is bounded by a proven uint32/uint64 capacity when stored
    function _add(Capacity memory a, Capacity memory b, uint256 n) private pure returns (Capacity memory) {
        return
            Capacity(
                uint32(_fit(a.cpuCores + uint256(b.cpuCores) * n, type(uint32).max)),
                uint32(_fit(a.bandwidthMbps + uint256(b.bandwidthMbps) * n, type(uint32).max)),
                uint64(_fit(a.memoryMiB + uint256(b.memoryMiB) * n, type(uint64).max)),
                uint64(_fit(a.storageGiB + uint256(b.storageGiB) * n, type(uint64).max))
            );
    }

    function _sub(Capacity memory a, Capacity memory b, uint256 n) private pure returns (Capacity memory) {
        return
            Capacity(
                uint32(a.cpuCores - uint256(b.cpuCores) * n),
                uint32(a.bandwidthMbps - uint256(b.bandwidthMbps) * n),
                uint64(a.memoryMiB - uint256(b.memoryMiB) * n),
                uint64(a.storageGiB - uint256(b.storageGiB) * n)
            );
    }

    /// @dev Saturates at `max`: a saturated sum is above any proven capacity, so the capacity check rejects it.
    function _fit(uint256 value, uint256 max) private pure returns (uint256) {
        return value > max ? max : value;
    }
}
