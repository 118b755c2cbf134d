// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {IOpenToken} from "../interfaces/IOpenToken.sol";

/// @title OPEN, the OpenMesh token
/// @notice ERC20 with EIP-2612 permits and ERC20Votes checkpoints on a timestamp clock (EIP-6372).
/// The whole supply, exactly 1,000,000,000 OPEN, is minted once in the constructor into the
/// genesis allocation; no function mints afterwards.
/// @dev Invariant: totalSupply() == TOTAL_SUPPLY forever (there is no mint and no burn entry point).
contract OpenToken is ERC20, ERC20Permit, ERC20Votes, IOpenToken {
    /// @inheritdoc IOpenToken
    uint256 public constant TOTAL_SUPPLY = 1_000_000_000e18;

    /// @dev Governance (the timelock): the token's admin in Chainlink's Cross-Chain Token registry.
    address private immutable _ccipAdmin;

    /// @param recipients genesis recipients (vesting wallets, treasury, reserves, ...)
    /// @param amounts amount of each recipient, in wei; must add up to TOTAL_SUPPLY exactly
    /// @param ccipAdmin governance (the timelock), returned by getCCIPAdmin (docs/bridge.md, OPEN over CCIP)
    constructor(
        address[] memory recipients,
        uint256[] memory amounts,
        address ccipAdmin
    ) ERC20("Openmesh", "OPEN") ERC20Permit("Openmesh") {
        _ccipAdmin = ccipAdmin;
        if (recipients.length != amounts.length) {
            revert OpenTokenGenesisLengthMismatch(recipients.length, amounts.length);
        }
        uint256 minted;
        for (uint256 i = 0; i < recipients.length; ++i) {
            if (amounts[i] == 0) revert OpenTokenGenesisZeroAmount(i);
            // ERC20InvalidReceiver covers the zero address.
            _mint(recipients[i], amounts[i]);
            minted += amounts[i];
        }
        if (minted != TOTAL_SUPPLY) revert OpenTokenGenesisSupplyMismatch(minted, TOTAL_SUPPLY);
    }

    /// @inheritdoc IOpenToken
    function getCCIPAdmin() external view returns (address) {
        return _ccipAdmin;
    }

    /// @notice The clock used for vote checkpoints: the block timestamp (EIP-6372).
    /// @return the current timestamp as uint48
    function clock() public view override returns (uint48) {
        return Time.timestamp();
    }

    /// @notice Describes the clock (EIP-6372).
    /// @return the machine-readable clock mode
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @dev The single hook for balance movement: ERC20Votes moves voting units here.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
