// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC4907} from "./IERC4907.sol";

/// @title Types of the DVM access NFT
interface IDvmAccessTypes {
    /// @notice Where a lease is in its life. `Expired` is never stored: `lease()` reports it once an `Active`
    /// lease's end has passed.
    enum LeaseState {
        None,
        Active,
        Expired,
        Terminated,
        Faulted
    }

    /// @notice A rented slice of one provider's machine, as the workspace keeper and wallets read it.
    struct Lease {
        /// @dev the provider: the operator (owner address) whose node runs the workspace
        address provider;
        /// @dev the ResourceMarket offer it was rented from
        uint64 offerId;
        /// @dev unix seconds
        uint64 start;
        /// @dev unix seconds, exclusive: the lease is usable while `block.timestamp < end`
        uint64 end;
        uint32 cpuCores;
        uint64 memoryMiB;
        uint64 storageGiB;
        LeaseState state;
    }
}

/// @title Errors of the DVM access NFT
interface IDvmAccessErrors {
    /// @notice No lease has this token id.
    error DvmUnknownLease(uint256 tokenId);
    /// @notice The caller is neither the token's owner nor approved for it.
    error DvmNotOwnerNorApproved(uint256 tokenId, address caller);
    /// @notice The lease is over (expired, terminated or faulted).
    error DvmLeaseNotActive(uint256 tokenId);
    /// @notice A lease update that does not end it: a new end before the start or a non-final state.
    error DvmInvalidLeaseUpdate(uint256 tokenId, uint64 end, IDvmAccessTypes.LeaseState state);
}

/// @title Events of the DVM access NFT
interface IDvmAccessEvents {
    /// @notice A lease NFT was minted to its renter.
    event LeaseMinted(
        uint256 indexed tokenId,
        address indexed provider,
        address indexed renter,
        uint64 offerId,
        uint64 start,
        uint64 end
    );
    /// @notice The market changed a lease's end (extension, termination, provider fault) or state.
    event LeaseUpdated(uint256 indexed tokenId, uint64 end, IDvmAccessTypes.LeaseState state);
}

/// @title DVM access: the lease NFT of a rented workspace (ERC-721 + ERC-4907)
/// @notice The holder of the token owns the lease; the owner may lend its use with `setUser` (ERC-4907) without
/// giving up ownership. A transfer moves the lease (and its refunds) to the new owner and clears the user, as
/// the ERC-4907 reference does: a sale hands over the whole right of use. Only the ResourceMarket mints and
/// updates leases. The workspace keeper grants access to `canAccess(tokenId, account)`, read at request time,
/// and invalidates its cache on `Transfer`, `UpdateUser` and `LeaseUpdated`.
interface IDvmAccess is IDvmAccessTypes, IDvmAccessErrors, IDvmAccessEvents, IERC721, IERC4907 {
    /// @notice Mints a lease NFT to `renter` (the market only).
    /// @param renter the first owner
    /// @param lease the lease (state must be Active)
    /// @return tokenId the new token id (sequential from 1)
    function mint(address renter, Lease calldata lease) external returns (uint256 tokenId);

    /// @notice Changes a lease's end and state (the market only): an extension keeps it Active with a later end;
    /// a termination or a provider fault ends it now (Terminated / Faulted).
    /// @param tokenId the lease
    /// @param end the new end
    /// @param state Active, Terminated or Faulted
    function updateLease(uint256 tokenId, uint64 end, LeaseState state) external;

    /// @notice A lease, with state `Expired` once an Active lease's end has passed.
    /// @param tokenId the lease
    /// @return the lease
    function lease(uint256 tokenId) external view returns (Lease memory);

    /// @notice Whether `account` may use the workspace now: the lease is Active and not past its end, and
    /// `account` is its owner or its unexpired ERC-4907 user.
    /// @param tokenId the lease
    /// @param account the account asking
    /// @return whether access is granted
    function canAccess(uint256 tokenId, address account) external view returns (bool);

    /// @notice How many leases were minted (the last token id).
    /// @return the count
    function totalLeases() external view returns (uint256);
}
