// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Errors and constants of the OPEN token
interface IOpenToken {
    /// @notice The genesis recipient and amount lists differ in length.
    error OpenTokenGenesisLengthMismatch(uint256 recipients, uint256 amounts);
    /// @notice A genesis entry mints nothing.
    error OpenTokenGenesisZeroAmount(uint256 index);
    /// @notice The genesis amounts do not add up to the fixed supply.
    error OpenTokenGenesisSupplyMismatch(uint256 minted, uint256 expected);

    /// @notice The fixed supply, 1,000,000,000 OPEN with 18 decimals, all minted at genesis.
    /// @return the supply in wei
    // solhint-disable-next-line func-name-mixedcase
    function TOTAL_SUPPLY() external view returns (uint256);

    /// @notice Who administers OPEN in Chainlink's Cross-Chain Token registry (registerAdminViaGetCCIPAdmin):
    /// governance, the timelock. Set at deployment; there is no owner.
    /// @return the admin
    function getCCIPAdmin() external view returns (address);
}
