// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";

/// @title OpenMesh access manager
/// @notice One place that says who may call every `restricted` function of the protocol.
/// Its admin is the timelock; roles (for example the slasher role held by the consensus
/// contracts) are granted by governance.
contract OpenAccessManager is AccessManager {
    /// @param initialAdmin the first admin (the deployer during set-up, which then hands admin
    /// to the timelock and renounces)
    constructor(address initialAdmin) AccessManager(initialAdmin) {}
}
