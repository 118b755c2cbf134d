// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IRemoteOpenToken} from "../interfaces/IRemoteOpenToken.sol";

/// @title OPEN on a remote chain: burn-and-mint, backed one to one by OPEN locked at home
/// @notice Minted only by this chain's CCIP token pool when OPEN is locked in the home chain's pool, burned by
/// that pool when OPEN goes home (docs/bridge.md, "OPEN over CCIP"). Mint and burn are `restricted`: this chain's
/// AccessManager gives them to the pool alone.
/// @dev Invariant: totalSupply() == OPEN locked in the home pool for this chain (the CCIP pools move both sides).
contract RemoteOpenToken is ERC20, AccessManaged, IRemoteOpenToken {
    address private immutable _ccipAdmin;

    /// @param authority this chain's AccessManager
    /// @param ccipAdmin this chain's governance (the token's admin in the Cross-Chain Token registry)
    constructor(address authority, address ccipAdmin) ERC20("Openmesh", "OPEN") AccessManaged(authority) {
        _ccipAdmin = ccipAdmin;
    }

    /// @inheritdoc IRemoteOpenToken
    function mint(address account, uint256 amount) external restricted {
        _mint(account, amount);
    }

    /// @inheritdoc IRemoteOpenToken
    function burn(uint256 amount) external restricted {
        _burn(msg.sender, amount);
    }

    /// @inheritdoc IRemoteOpenToken
    function burn(address account, uint256 amount) external restricted {
        _spendAllowance(account, msg.sender, amount);
        _burn(account, amount);
    }

    /// @inheritdoc IRemoteOpenToken
    function burnFrom(address account, uint256 amount) external restricted {
        _spendAllowance(account, msg.sender, amount);
        _burn(account, amount);
    }

    /// @inheritdoc IRemoteOpenToken
    function getCCIPAdmin() external view returns (address) {
        return _ccipAdmin;
    }
}
