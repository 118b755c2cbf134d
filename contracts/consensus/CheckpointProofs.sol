// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ICheckpointTypes} from "../interfaces/ICheckpointTypes.sol";
import {CheckpointLeaves} from "./CheckpointLeaves.sol";

/// @title Proofs against the roots of a checkpoint header
/// @notice One implementation of each proof, for every contract that trusts a header: the home `CheckpointStore`
/// (certified headers) and the remote `CheckpointReceiver` (bridged headers). Leaves: `CheckpointLeaves`.
library CheckpointProofs {
    /// @notice Whether `operator` proved `resources` under porRoot.
    function resource(
        bytes32 porRoot,
        address operator,
        ICheckpointTypes.ProvenResources calldata resources,
        bytes32[] calldata proof
    ) internal pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, porRoot, CheckpointLeaves.resource(operator, resources));
    }

    /// @notice Whether a task round's agreed result is under taskRoot.
    function taskResult(
        bytes32 taskRoot,
        uint256 taskId,
        uint32 round,
        bytes memory result,
        address[] calldata executors,
        bytes32[] calldata proof
    ) internal pure returns (bool) {
        bytes32 leaf = CheckpointLeaves.taskResult(taskId, round, result, executors);
        return MerkleProof.verifyCalldata(proof, taskRoot, leaf);
    }

    /// @notice Whether a rewards leaf is under rewardsRoot.
    function reward(
        bytes32 rewardsRoot,
        uint256 index,
        address operator,
        uint256 amount,
        bytes32[] calldata proof
    ) internal pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, rewardsRoot, CheckpointLeaves.reward(index, operator, amount));
    }
}
