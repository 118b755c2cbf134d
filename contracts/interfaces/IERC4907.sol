// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title ERC-4907: rental NFTs, an expiring "user" role next to the owner
/// @notice https://eips.ethereum.org/EIPS/eip-4907 (interface id 0xad092b5c).
interface IERC4907 {
    /// @notice The user of `tokenId` changed, or its expiry did; a zero user means none.
    event UpdateUser(uint256 indexed tokenId, address indexed user, uint64 expires);

    /// @notice Sets the user of a token and its expiry (owner or approved only).
    /// @param tokenId the token
    /// @param user the user, zero to clear
    /// @param expires unix time the user's right ends (the user holds it while `block.timestamp <= expires`)
    function setUser(uint256 tokenId, address user, uint64 expires) external;

    /// @notice The current user of a token: zero if none or if its right expired.
    /// @param tokenId the token
    /// @return the user
    function userOf(uint256 tokenId) external view returns (address);

    /// @notice The expiry of the user's right (0 if no user was ever set).
    /// @param tokenId the token
    /// @return unix time
    function userExpires(uint256 tokenId) external view returns (uint256);
}
