// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICheckpointTypes} from "./ICheckpointTypes.sol";

/// @title Certified checkpoints bridged in over Chainlink CCIP (remote chain side)
/// @notice Stores the headers an allowlisted `CheckpointSender` sent, by (epoch, height), and verifies proofs
/// against them exactly as the home chain does. `ccipReceive` never reverts on a message's content: a message
/// from an unknown source or sender is dropped with `MessageRejected`; a message from the allowlisted sender
/// that cannot be stored is recorded with `MessageFailed` and can be retried with `retryFailedMessage`.
/// Duplicates are no-ops and headers may arrive in any order (the latest height only moves forward).
interface ICheckpointReceiver is ICheckpointTypes {
    /// @notice The allowlisted sender of one source chain and the home chain id its headers must carry.
    struct Source {
        /// @notice the CheckpointSender on the source chain (zero when the source is not allowed)
        address sender;
        /// @notice the `chainId` field every header from this source carries (the home chain's EVM id)
        uint256 homeChainId;
    }

    /// @notice Why a message from an unknown source was dropped.
    enum RejectReason {
        UnknownSource,
        UnknownSender
    }

    /// @notice Governance allowed (sender non-zero) or removed (zero) a source chain.
    event SourceSet(uint64 indexed sourceChainSelector, address sender, uint256 homeChainId);
    /// @notice A bridged header was stored.
    event CheckpointBridged(
        uint64 indexed epoch,
        uint64 indexed height,
        bytes32 indexed headerHash,
        uint64 sourceChainSelector,
        bytes32 messageId
    );
    /// @notice A header already stored arrived again (nothing changes).
    event CheckpointDuplicate(
        uint64 indexed epoch,
        uint64 indexed height,
        bytes32 indexed headerHash,
        bytes32 messageId
    );
    /// @notice A message from a source chain or sender not on the allowlist was dropped (not stored, no retry).
    event MessageRejected(bytes32 indexed messageId, uint64 sourceChainSelector, bytes sender, RejectReason reason);
    /// @notice A message from the allowlisted sender could not be processed; it is kept for `retryFailedMessage`.
    event MessageFailed(bytes32 indexed messageId, uint64 sourceChainSelector, bytes reason);
    /// @notice A failed message was processed on retry.
    event MessageRecovered(bytes32 indexed messageId);

    /// @notice The payload does not carry the supported version.
    error ReceiverUnsupportedVersion(uint8 version);
    /// @notice The header is for another home chain than the source's.
    error ReceiverWrongHomeChain(uint256 chainId, uint256 expected);
    /// @notice A different header is already stored at (epoch, height).
    error ReceiverConflict(uint64 epoch, uint64 height, bytes32 stored, bytes32 received);
    /// @notice The header is not the one bridged at its (epoch, height).
    error ReceiverNotBridged(uint64 epoch, uint64 height, bytes32 headerHash);
    /// @notice Only the receiver itself runs `processMessage` (inside its own try/catch).
    error ReceiverOnlySelf(address caller);
    /// @notice No failed message with this id, or (source, data) are not the failed message's.
    error ReceiverNoSuchFailedMessage(bytes32 messageId);

    /// @notice Allows a source chain's sender (governance); a zero sender removes the source.
    /// @param sourceChainSelector the source chain's CCIP selector
    /// @param source the sender and home chain id
    function setSource(uint64 sourceChainSelector, Source calldata source) external;

    /// @notice Processes a message's payload; callable only by the receiver itself (its try/catch target).
    /// @param messageId the CCIP message id
    /// @param sourceChainSelector the source chain
    /// @param data the payload
    function processMessage(bytes32 messageId, uint64 sourceChainSelector, bytes calldata data) external;

    /// @notice Processes a failed message again (anyone); reverts if it fails again, leaving it failed.
    /// @param messageId the failed message's id
    /// @param sourceChainSelector its source chain (as in MessageFailed)
    /// @param data its payload (checked against the recorded hash)
    function retryFailedMessage(bytes32 messageId, uint64 sourceChainSelector, bytes calldata data) external;

    /// @notice Reverts with ReceiverNotBridged unless `header` is the header bridged at its (epoch, height).
    /// @param header a header
    /// @return headerHash its EIP-712 struct hash
    function requireBridged(Header calldata header) external view returns (bytes32 headerHash);

    /// @notice Whether `operator` proved `resources` in a bridged header's porRoot (Proof-of-Resource).
    /// @param header a bridged header (reverts ReceiverNotBridged otherwise)
    /// @param operator the operator
    /// @param resources the proven resources
    /// @param proof StandardMerkleTree proof against header.porRoot
    /// @return valid whether the proof verifies
    function verifyResource(
        Header calldata header,
        address operator,
        ProvenResources calldata resources,
        bytes32[] calldata proof
    ) external view returns (bool valid);

    /// @notice Whether a task round's agreed result is in a bridged header's taskRoot (a home-chain data feed,
    /// read on this chain).
    /// @param header a bridged header (reverts ReceiverNotBridged otherwise)
    /// @param taskId the home chain's task id
    /// @param round the round
    /// @param result the agreed result (http-oracle: abi.encode(int256))
    /// @param executors the executors credited
    /// @param proof StandardMerkleTree proof against header.taskRoot
    /// @return valid whether the proof verifies
    function verifyTaskResult(
        Header calldata header,
        uint256 taskId,
        uint32 round,
        bytes calldata result,
        address[] calldata executors,
        bytes32[] calldata proof
    ) external view returns (bool valid);

    /// @notice Whether a rewards leaf is in a bridged header's rewardsRoot.
    /// @param header a bridged header (reverts ReceiverNotBridged otherwise)
    /// @param index the leaf index
    /// @param operator the operator
    /// @param amount the reward (OPEN wei)
    /// @param proof StandardMerkleTree proof against header.rewardsRoot
    /// @return valid whether the proof verifies
    function verifyReward(
        Header calldata header,
        uint256 index,
        address operator,
        uint256 amount,
        bytes32[] calldata proof
    ) external view returns (bool valid);

    /// @notice The allowlisted sender and home chain of a source chain.
    /// @param sourceChainSelector the source chain
    /// @return the source (sender zero when not allowed)
    function sourceOf(uint64 sourceChainSelector) external view returns (Source memory);

    /// @notice The header hash bridged at (epoch, height), zero when none.
    /// @param epoch the epoch
    /// @param height the height
    /// @return the hash
    function headerHashAt(uint64 epoch, uint64 height) external view returns (bytes32);

    /// @notice The highest height bridged so far and its epoch (zero before the first).
    /// @return epoch the epoch of the latest header
    /// @return height its height
    function latest() external view returns (uint64 epoch, uint64 height);

    /// @notice keccak256(abi.encode(sourceChainSelector, data)) of a failed message (zero when not failed).
    /// @param messageId the message id
    /// @return the record
    function failedMessage(bytes32 messageId) external view returns (bytes32);
}
