// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title OPEN on a remote chain (burn-and-mint, Chainlink's IBurnMintERC20 surface)
interface IRemoteOpenToken {
    /// @notice Mints bridged OPEN (the token pool, when OPEN was locked at home).
    /// @param account the receiver
    /// @param amount OPEN wei
    function mint(address account, uint256 amount) external;

    /// @notice Burns the caller's OPEN (the token pool, when OPEN goes home).
    /// @param amount OPEN wei
    function burn(uint256 amount) external;

    /// @notice Burns an account's OPEN within the caller's allowance (the token pool).
    /// @param account the holder
    /// @param amount OPEN wei
    function burn(address account, uint256 amount) external;

    /// @notice Burns an account's OPEN within the caller's allowance (the token pool).
    /// @param account the holder
    /// @param amount OPEN wei
    function burnFrom(address account, uint256 amount) external;

    /// @notice This chain's governance: the token's admin in the Cross-Chain Token registry.
    /// @return the admin
    function getCCIPAdmin() external view returns (address);
}
