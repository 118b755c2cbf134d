// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICheckpointTypes} from "./ICheckpointTypes.sol";

/// @title Proof-of-Resource proofs against certified headers (CheckpointStore at home, CheckpointReceiver remote)
interface IResourceVerifier is ICheckpointTypes {
    /// @notice Whether `operator` proved `resources` in a certified header's porRoot; reverts if the header is not
    /// certified.
    /// @param header a certified header
    /// @param operator the operator
    /// @param resources the leaf's values
    /// @param proof StandardMerkleTree proof against header.porRoot
    /// @return valid whether the proof verifies
    function verifyResource(
        Header calldata header,
        address operator,
        ProvenResources calldata resources,
        bytes32[] calldata proof
    ) external view returns (bool valid);
}
