// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IDvmAccess} from "../interfaces/IDvmAccess.sol";
import {IERC4907} from "../interfaces/IERC4907.sol";
import {LeaseMetadata} from "./LeaseMetadata.sol";

/// @title DVM access: lease NFTs of rented workspaces (ERC-721 + ERC-4907)
/// @notice Each token is one lease minted by the ResourceMarket. The owner holds the lease (and receives its
/// refunds); it may lend use with `setUser` until an expiry, without transferring. A transfer moves the lease
/// and clears the user (ERC-4907 reference behaviour: the buyer gets the whole right of use, and a seller cannot
/// keep a lent-out user on a lease it sold). Metadata is on chain: `tokenURI` is a base64 JSON data URI.
/// @dev `mint` and `updateLease` are restricted (AccessManager): only the market holds the LEASE_MINTER role.
contract DvmAccess is IDvmAccess, ERC721, AccessManaged {
    /// @dev ERC-4907 user record: one slot.
    struct UserInfo {
        address user;
        uint64 expires;
    }

    /// @dev A lease in two slots (the ABI's `Lease` takes three): times as uint40 (good until the year 36812).
    struct StoredLease {
        address provider;
        uint40 start;
        uint40 end;
        LeaseState state;
        uint64 offerId;
        uint32 cpuCores;
        uint64 memoryMiB;
        uint64 storageGiB;
    }

    uint256 private _lastId;
    mapping(uint256 tokenId => StoredLease) private _leases;
    mapping(uint256 tokenId => UserInfo) private _users;

    /// @param authority the AccessManager
    constructor(address authority) ERC721("OpenMesh DVM Lease", "DVM") AccessManaged(authority) {}

    /// @inheritdoc IDvmAccess
    function mint(address renter, Lease calldata lease_) external restricted returns (uint256 tokenId) {
        tokenId = ++_lastId;
        _leases[tokenId] = StoredLease({
            provider: lease_.provider,
            start: SafeCast.toUint40(lease_.start),
            end: SafeCast.toUint40(lease_.end),
            state: LeaseState.Active,
            offerId: lease_.offerId,
            cpuCores: lease_.cpuCores,
            memoryMiB: lease_.memoryMiB,
            storageGiB: lease_.storageGiB
        });
        emit LeaseMinted(tokenId, lease_.provider, renter, lease_.offerId, lease_.start, lease_.end);
        _safeMint(renter, tokenId);
    }

    /// @inheritdoc IDvmAccess
    function updateLease(uint256 tokenId, uint64 end, LeaseState state) external restricted {
        StoredLease storage record = _requireLease(tokenId);
        if (record.state != LeaseState.Active) revert DvmLeaseNotActive(tokenId);
        if (end < record.start || state == LeaseState.None || state == LeaseState.Expired) {
            revert DvmInvalidLeaseUpdate(tokenId, end, state);
        }
        record.end = SafeCast.toUint40(end);
        record.state = state;
        emit LeaseUpdated(tokenId, end, state);
    }

    /// @inheritdoc IERC4907
    function setUser(uint256 tokenId, address user, uint64 expires) external {
        address owner = _requireOwned(tokenId);
        if (!_isAuthorized(owner, msg.sender, tokenId)) revert DvmNotOwnerNorApproved(tokenId, msg.sender);
        if (!_isLive(_leases[tokenId])) revert DvmLeaseNotActive(tokenId);
        _users[tokenId] = UserInfo(user, expires);
        emit UpdateUser(tokenId, user, expires);
    }

    /// @inheritdoc IERC4907
    function userOf(uint256 tokenId) public view returns (address) {
        UserInfo memory u = _users[tokenId];
        return block.timestamp <= u.expires ? u.user : address(0);
    }

    /// @inheritdoc IERC4907
    function userExpires(uint256 tokenId) external view returns (uint256) {
        return _users[tokenId].expires;
    }

    /// @inheritdoc IDvmAccess
    function lease(uint256 tokenId) public view returns (Lease memory record) {
        StoredLease memory stored = _requireLease(tokenId);
        record = Lease({
            provider: stored.provider,
            offerId: stored.offerId,
            start: stored.start,
            end: stored.end,
            cpuCores: stored.cpuCores,
            memoryMiB: stored.memoryMiB,
            storageGiB: stored.storageGiB,
            state: stored.state
        });
        if (record.state == LeaseState.Active && block.timestamp >= record.end) record.state = LeaseState.Expired;
    }

    /// @inheritdoc IDvmAccess
    function canAccess(uint256 tokenId, address account) external view returns (bool) {
        if (account == address(0) || !_isLive(_leases[tokenId])) return false;
        return _ownerOf(tokenId) == account || userOf(tokenId) == account;
    }

    /// @inheritdoc IDvmAccess
    function totalLeases() external view returns (uint256) {
        return _lastId;
    }

    /// @notice On-chain JSON metadata (spec, provider, start, expiry, state) as a base64 data URI.
    /// @param tokenId the lease
    /// @return the data URI
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return LeaseMetadata.dataUri(tokenId, lease(tokenId));
    }

    /// @notice ERC-165: ERC-721, its metadata extension and ERC-4907.
    /// @param interfaceId the interface id
    /// @return whether it is supported
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, IERC165) returns (bool) {
        return interfaceId == type(IERC4907).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev The one hook of every ownership change: a transfer (not a mint) clears the user.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        if (from != address(0) && from != to && _users[tokenId].user != address(0)) {
            delete _users[tokenId];
            emit UpdateUser(tokenId, address(0), 0);
        }
    }

    function _requireLease(uint256 tokenId) private view returns (StoredLease storage record) {
        record = _leases[tokenId];
        if (record.state == LeaseState.None) revert DvmUnknownLease(tokenId);
    }

    function _isLive(StoredLease storage record) private view returns (bool) {
        return record.state == LeaseState.Active && block.timestamp < record.end;
    }
}
