// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICheckpointTypes} from "./ICheckpointTypes.sol";

/// @title Types of the resource market
interface IResourceMarketTypes {
    /// @notice Resources of an offer or a lease, and the sums the market keeps per provider.
    struct Capacity {
        uint32 cpuCores;
        uint32 bandwidthMbps;
        uint64 memoryMiB;
        uint64 storageGiB;
    }

    /// @notice What a provider offers: each of up to `maxLeases` concurrent leases gets `spec`.
    struct Offer {
        address provider;
        uint16 maxLeases;
        uint16 liveLeases;
        bool open;
        Capacity spec;
        bytes32 region;
        /// @dev OPEN wei per hour
        uint128 pricePerHour;
    }

    /// @notice Capacity proven in a certified header's porRoot (the latest one the market was shown).
    struct ProvenCapacity {
        Capacity capacity;
        uint64 epoch;
        uint64 height;
    }

    /// @notice The money side of a lease (the NFT holds its spec and dates; the offer its provider and price).
    /// @dev Two storage slots.
    struct LeaseAccount {
        /// @dev OPEN wei escrowed and not yet settled (paid, refunded or taken as fee)
        uint128 escrow;
        /// @dev the lease's end, mirrored from the NFT
        uint64 end;
        /// @dev time up to which the escrow was settled
        uint64 settledUntil;
        /// @dev the first epoch not settled yet
        uint64 nextEpoch;
        /// @dev the offer it was rented from (its provider and price per hour; extensions pay the same price)
        uint64 offerId;
        /// @dev its resources no longer count against the provider's capacity (ended and released)
        bool released;
    }
}

/// @title Errors of the resource market
interface IResourceMarketErrors {
    /// @notice Which resource a capacity error is about.
    enum Resource {
        CpuCores,
        BandwidthMbps,
        MemoryMiB,
        StorageGiB
    }

    /// @notice The operator is not Active (unregistered, inactive, jailed or tombstoned).
    error MarketProviderNotActive(address operator, uint8 status);
    /// @notice The provider was recorded not Active (jailed, slashed, gone) during the lease.
    error MarketProviderFaulted(address operator, uint64 faultAt);
    /// @notice No offer has this id.
    error MarketUnknownOffer(uint256 offerId);
    /// @notice The offer was delisted.
    error MarketOfferClosed(uint256 offerId);
    /// @notice The offer already has `maxLeases` live leases.
    error MarketOfferFull(uint256 offerId, uint16 maxLeases);
    /// @notice Only the offer's provider may do this.
    error MarketNotProvider(uint256 offerId, address caller);
    /// @notice An offer needs cores, memory, a price and at least one lease.
    error MarketInvalidOffer();
    /// @notice The operator has no proven capacity recent enough (from the current or the previous epoch).
    error MarketCapacityNotProven(address operator, uint64 provenEpoch, uint256 currentEpoch);
    /// @notice Listing or renting would commit more of a resource than the operator proved.
    error MarketOverCapacity(address operator, Resource resource, uint256 needed, uint256 proven);
    /// @notice The proof does not verify against the certified header's porRoot.
    error MarketInvalidProof(address operator, uint64 height);
    /// @notice Renting or extending by zero hours.
    error MarketZeroHours();
    /// @notice A lease may not end more than MAX_LEASE_SECONDS after it started.
    error MarketLeaseTooLong(uint256 end, uint256 maxEnd);
    /// @notice No lease has this token id.
    error MarketUnknownLease(uint256 tokenId);
    /// @notice The lease is over (expired, terminated or faulted).
    error MarketLeaseEnded(uint256 tokenId, uint64 end);
    /// @notice Only the lease NFT's owner (or an address it approved) may do this.
    error MarketNotLeaseOwner(uint256 tokenId, address caller);
    /// @notice Only the lease NFT's owner or its unexpired ERC-4907 user may do this.
    error MarketNotOwnerNorUser(uint256 tokenId, address caller);
    /// @notice The provider is Active and had no recorded fault during the lease.
    error MarketNoProviderFault(uint256 tokenId, address provider);
    /// @notice Nothing of the lease can be settled or released now.
    error MarketNothingToSettle(uint256 tokenId);
    /// @notice A protocol fee above MAX_FEE_BPS.
    error MarketFeeTooHigh(uint16 feeBps, uint16 maxFeeBps);
}

/// @title Events of the resource market
interface IResourceMarketEvents {
    /// @notice A provider listed an offer.
    event OfferListed(
        uint256 indexed offerId,
        address indexed provider,
        IResourceMarketTypes.Capacity spec,
        bytes32 region,
        uint256 pricePerHour,
        uint16 maxLeases
    );
    /// @notice A provider delisted an offer; its live leases continue.
    event OfferDelisted(uint256 indexed offerId);
    /// @notice A certified porRoot leaf was shown for an operator: its capacity (when newer than the last one) and
    /// its attested uptime in `epoch` (when from a later height of that epoch).
    event ResourcesProven(
        address indexed operator,
        uint64 indexed epoch,
        uint64 height,
        IResourceMarketTypes.Capacity capacity,
        uint32 uptimeBps
    );
    /// @notice A lease was rented: `escrow` OPEN wei held until settled.
    event LeaseRented(
        uint256 indexed tokenId,
        uint256 indexed offerId,
        address indexed renter,
        uint32 hoursRented,
        uint256 escrow,
        uint64 start,
        uint64 end
    );
    /// @notice A lease was extended, `amount` more OPEN wei escrowed.
    event LeaseExtended(uint256 indexed tokenId, address indexed payer, uint32 hoursAdded, uint256 amount, uint64 end);
    /// @notice The owner ended a lease early; the unused time was refunded at once.
    event LeaseTerminated(uint256 indexed tokenId, address indexed refundTo, uint256 refund, uint64 end);
    /// @notice The provider was jailed, slashed or left during the lease: all unsettled escrow was refunded.
    event LeaseFaulted(uint256 indexed tokenId, address indexed provider, address indexed refundTo, uint256 refund);
    /// @notice An operator was seen not Active; leases that began before `at` are refundable.
    event ProviderFaultRecorded(address indexed operator, uint64 at);
    /// @notice One epoch of a lease was settled by its attested uptime.
    event LeaseEpochSettled(
        uint256 indexed tokenId,
        uint64 indexed epoch,
        uint32 uptimeBps,
        uint256 paidToProvider,
        uint256 fee,
        uint256 refunded
    );
    /// @notice A lease's resources no longer count against its provider's capacity.
    event LeaseReleased(uint256 indexed tokenId);
    /// @notice Governance set the protocol fee on providers' pay.
    event ProtocolFeeSet(uint16 feeBps);
    /// @notice Accrued protocol fees went to the rewards pool (they raise the next epoch's budget).
    event FeesFlushed(uint256 amount);
}

/// @title Resource market: providers' offers, leases paid for attested uptime
/// @notice An Active operator lists offers within the capacity it proved in a certified porRoot; renting escrows
/// `pricePerHour x hours` OPEN and mints a DvmAccess lease NFT. Each epoch of a lease is settled once the epoch
/// after it is over, by the uptime certified for the provider in that epoch: the provider gets that share (minus
/// the protocol fee, which goes to the rewards pool), the lease's owner the rest. A provider jailed, tombstoned or
/// gone makes all unsettled escrow refundable at once.
/// @dev Invariant: every OPEN wei escrowed is, exactly once, paid to a provider, refunded, or taken as fee;
/// the token balance == sum of lease escrows + accrued fees.
interface IResourceMarket is IResourceMarketTypes, IResourceMarketErrors, IResourceMarketEvents, ICheckpointTypes {
    /// @notice Shows the market a porRoot leaf of a certified header (anyone may call). A header later than the
    /// operator's last proven one sets its capacity; a later header of the same epoch, shown before that epoch's
    /// settlement window closes, sets the epoch's attested uptime.
    /// @param header a certified header
    /// @param operator the operator
    /// @param resources the leaf's values
    /// @param proof StandardMerkleTree proof against header.porRoot
    function proveResources(
        Header calldata header,
        address operator,
        ProvenResources calldata resources,
        bytes32[] calldata proof
    ) external;

    /// @notice Lists an offer (the caller is the provider; it must be Active with recently proven capacity).
    /// @param spec resources of each lease
    /// @param region a short region tag (e.g. "eu-west"), as bytes32
    /// @param pricePerHour OPEN wei per hour of a lease
    /// @param maxLeases concurrent leases at most
    /// @return offerId the new offer's id (sequential from 1)
    function listOffer(
        Capacity calldata spec,
        bytes32 region,
        uint128 pricePerHour,
        uint16 maxLeases
    ) external returns (uint256 offerId);

    /// @notice Closes an offer to new rents; its live leases continue.
    /// @param offerId the offer
    function delistOffer(uint256 offerId) external;

    /// @notice Rents one lease of an offer for `hoursRented` hours (needs an OPEN allowance of the escrow).
    /// @param offerId the offer
    /// @param hoursRented hours, > 0
    /// @return tokenId the DvmAccess lease NFT, minted to the caller
    function rent(uint256 offerId, uint32 hoursRented) external returns (uint256 tokenId);

    /// @notice `rent` with an ERC-2612 permit for the escrow, in one transaction.
    /// @param offerId the offer
    /// @param hoursRented hours, > 0
    /// @param deadline the permit's deadline
    /// @param v permit signature
    /// @param r permit signature
    /// @param s permit signature
    /// @return tokenId the lease NFT
    function rentWithPermit(
        uint256 offerId,
        uint32 hoursRented,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 tokenId);

    /// @notice Extends a live lease at its price (the lease's owner or user pays).
    /// @param tokenId the lease
    /// @param hoursAdded hours, > 0
    function extend(uint256 tokenId, uint32 hoursAdded) external;

    /// @notice Ends a lease now (its owner); the unused time's escrow is refunded at once, the used time is
    /// settled by uptime as usual.
    /// @param tokenId the lease
    function terminate(uint256 tokenId) external;

    /// @notice Refunds all unsettled escrow of a lease whose provider was jailed, tombstoned or left (anyone may
    /// call; the refund goes to the lease's owner).
    /// @param tokenId the lease
    function claimFaultRefund(uint256 tokenId) external;

    /// @notice Records that an operator is not Active now (anyone may call), so that leases that began before
    /// stay refundable after it is unjailed.
    /// @param operator the operator
    function recordProviderFault(address operator) external;

    /// @notice Settles up to `maxEpochs` finished epochs of a lease by attested uptime, and releases an ended
    /// lease's resources (anyone may call).
    /// @param tokenId the lease
    /// @param maxEpochs how many epochs at most
    function settle(uint256 tokenId, uint256 maxEpochs) external;

    /// @notice Sends accrued protocol fees to the rewards pool (anyone may call).
    function flushFees() external;

    /// @notice Sets the protocol fee on providers' pay (governance).
    /// @param feeBps basis points, at most MAX_FEE_BPS
    function setProtocolFee(uint16 feeBps) external;

    /// @notice An offer.
    /// @param offerId the offer
    /// @return the offer
    function offer(uint256 offerId) external view returns (Offer memory);

    /// @notice A lease's account.
    /// @param tokenId the lease
    /// @return the account
    function leaseAccount(uint256 tokenId) external view returns (LeaseAccount memory);

    /// @notice An operator's last proven capacity.
    /// @param operator the operator
    /// @return the capacity with its header's epoch and height
    function provenCapacity(address operator) external view returns (ProvenCapacity memory);

    /// @notice The resources of an operator's open offers' free slots and of its live leases.
    /// @param operator the operator
    /// @return listed free slots of open offers
    /// @return leased live leases
    function committed(address operator) external view returns (Capacity memory listed, Capacity memory leased);

    /// @notice The uptime attested for an operator in an epoch (0 when none was shown).
    /// @param operator the operator
    /// @param epoch the epoch
    /// @return uptimeBps basis points of the epoch
    /// @return height the header it was read from (0 when none)
    function attestedUptime(address operator, uint64 epoch) external view returns (uint32 uptimeBps, uint64 height);

    /// @notice Protocol fees accrued and not yet flushed.
    /// @return OPEN wei
    function accruedFees() external view returns (uint256);

    /// @notice The protocol fee on providers' pay.
    /// @return basis points
    function protocolFeeBps() external view returns (uint16);
}
