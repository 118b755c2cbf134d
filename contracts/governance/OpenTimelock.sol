// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title OpenMesh timelock and DAO treasury
/// @notice Executes proposals passed by the governor after `minDelay`; holds the ecosystem
/// treasury and is the admin of the protocol's AccessManager.
contract OpenTimelock is TimelockController {
    /// @param minDelay seconds between queueing and execution
    /// @param proposers who may queue (the governor)
    /// @param executors who may execute (address(0) = anyone)
    /// @param admin optional bootstrap admin; address(0) for none
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {}
}
