// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {CCIPReceiver} from "@chainlink/contracts-ccip/contracts/applications/CCIPReceiver.sol";
import {Client} from "@chainlink/contracts-ccip/contracts/libraries/Client.sol";
import {ICheckpointReceiver} from "../interfaces/ICheckpointReceiver.sol";
import {CertificateVerifier} from "../consensus/CertificateVerifier.sol";
import {CheckpointProofs} from "../consensus/CheckpointProofs.sol";
import {BridgePayload} from "./BridgePayload.sol";

/// @title Checkpoint receiver: certified headers from the home chain, and proofs against them
/// @notice Remote-chain half of the checkpoint bridge (docs/bridge.md). Trust: a header stored here was certified
/// on the home chain, because only the allowlisted `CheckpointSender` of an allowlisted source chain can deliver
/// one and it sends only certified headers. Governance (this chain's AccessManager) manages the allowlist.
/// @dev `_ccipReceive` never reverts because of a message's content, so no message stays stuck in CCIP's
/// execution queue: processing runs in a self-call under try/catch with a gas reserve for recording a failure.
contract CheckpointReceiver is ICheckpointReceiver, CCIPReceiver, AccessManaged {
    /// @notice Gas kept back from the processing self-call, enough to record a failure and emit its event.
    uint256 public constant FAILURE_GAS_RESERVE = 60_000;

    mapping(uint64 sourceChainSelector => Source) private _sources;
    mapping(uint64 epoch => mapping(uint64 height => bytes32 headerHash)) private _headers;
    /// @inheritdoc ICheckpointReceiver
    mapping(bytes32 messageId => bytes32 record) public failedMessage;
    uint64 private _latestEpoch;
    uint64 private _latestHeight;

    /// @param router the chain's CCIP router (from deployments/config/ccip-networks.json)
    /// @param authority this chain's AccessManager (governance)
    constructor(address router, address authority) CCIPReceiver(router) AccessManaged(authority) {}

    /// @inheritdoc ICheckpointReceiver
    function setSource(uint64 sourceChainSelector, Source calldata source) external restricted {
        _sources[sourceChainSelector] = source;
        emit SourceSet(sourceChainSelector, source.sender, source.homeChainId);
    }

    /// @inheritdoc ICheckpointReceiver
    function processMessage(bytes32 messageId, uint64 sourceChainSelector, bytes calldata data) external {
        if (msg.sender != address(this)) revert ReceiverOnlySelf(msg.sender);
        _process(messageId, sourceChainSelector, data);
    }

    /// @inheritdoc ICheckpointReceiver
    function retryFailedMessage(bytes32 messageId, uint64 sourceChainSelector, bytes calldata data) external {
        bytes32 record = failedMessage[messageId];
        if (record == bytes32(0) || record != keccak256(abi.encode(sourceChainSelector, data))) {
            revert ReceiverNoSuchFailedMessage(messageId);
        }
        delete failedMessage[messageId];
        _process(messageId, sourceChainSelector, data); // a second failure reverts: the record stays
        emit MessageRecovered(messageId);
    }

    /// @inheritdoc ICheckpointReceiver
    function requireBridged(Header calldata header) external view returns (bytes32 hash) {
        return _requireBridged(header);
    }

    /// @inheritdoc ICheckpointReceiver
    function verifyResource(
        Header calldata header,
        address operator,
        ProvenResources calldata resources,
        bytes32[] calldata proof
    ) external view returns (bool valid) {
        _requireBridged(header);
        return CheckpointProofs.resource(header.porRoot, operator, resources, proof);
    }

    /// @inheritdoc ICheckpointReceiver
    function verifyTaskResult(
        Header calldata header,
        uint256 taskId,
        uint32 round,
        bytes calldata result,
        address[] calldata executors,
        bytes32[] calldata proof
    ) external view returns (bool valid) {
        _requireBridged(header);
        return CheckpointProofs.taskResult(header.taskRoot, taskId, round, result, executors, proof);
    }

    /// @inheritdoc ICheckpointReceiver
    function verifyReward(
        Header calldata header,
        uint256 index,
        address operator,
        uint256 amount,
        bytes32[] calldata proof
    ) external view returns (bool valid) {
        _requireBridged(header);
        return CheckpointProofs.reward(header.rewardsRoot, index, operator, amount, proof);
    }

    /// @inheritdoc ICheckpointReceiver
    function sourceOf(uint64 sourceChainSelector) external view returns (Source memory) {
        return _sources[sourceChainSelector];
    }

    /// @inheritdoc ICheckpointReceiver
    function headerHashAt(uint64 epoch, uint64 height) external view returns (bytes32) {
        return _headers[epoch][height];
    }

    /// @inheritdoc ICheckpointReceiver
    function latest() external view returns (uint64 epoch, uint64 height) {
        return (_latestEpoch, _latestHeight);
    }

    /// @dev Allowlist first (dropped with an event, never stored: nothing to retry), then processing under try/catch.
    function _ccipReceive(Client.Any2EVMMessage memory message) internal override {
        Source memory source = _sources[message.sourceChainSelector];
        if (source.sender == address(0)) {
            emit MessageRejected(
                message.messageId,
                message.sourceChainSelector,
                message.sender,
                RejectReason.UnknownSource
            );
            return;
        }
        // CCIP encodes an EVM sender as abi.encode(address): exactly one word
        if (keccak256(message.sender) != keccak256(abi.encode(source.sender))) {
            emit MessageRejected(
                message.messageId,
                message.sourceChainSelector,
                message.sender,
                RejectReason.UnknownSender
            );
            return;
        }
        uint256 available = gasleft();
        uint256 forward = available > FAILURE_GAS_RESERVE ? available - FAILURE_GAS_RESERVE : 0;
        try this.processMessage{gas: forward}(message.messageId, message.sourceChainSelector, message.data) {
            // stored, or a duplicate
        } catch (bytes memory reason) {
            failedMessage[message.messageId] = keccak256(abi.encode(message.sourceChainSelector, message.data));
            emit MessageFailed(message.messageId, message.sourceChainSelector, reason);
        }
    }

    function _process(bytes32 messageId, uint64 sourceChainSelector, bytes calldata data) private {
        (uint8 version, Header memory header) = BridgePayload.decodeHeader(data);
        if (version != BridgePayload.VERSION) revert ReceiverUnsupportedVersion(version);
        uint256 home = _sources[sourceChainSelector].homeChainId;
        if (header.chainId != home) revert ReceiverWrongHomeChain(header.chainId, home);
        bytes32 hash = BridgePayload.hashHeader(header);
        bytes32 stored = _headers[header.epoch][header.height];
        if (stored == hash) {
            emit CheckpointDuplicate(header.epoch, header.height, hash, messageId);
            return;
        }
        if (stored != bytes32(0)) revert ReceiverConflict(header.epoch, header.height, stored, hash);
        _headers[header.epoch][header.height] = hash;
        // out of order: an older header is stored but the latest only moves forward
        if (header.height > _latestHeight) (_latestEpoch, _latestHeight) = (header.epoch, header.height);
        emit CheckpointBridged(header.epoch, header.height, hash, sourceChainSelector, messageId);
    }

    function _requireBridged(Header calldata header) private view returns (bytes32 hash) {
        hash = CertificateVerifier.hashHeader(header);
        if (_headers[header.epoch][header.height] != hash) {
            revert ReceiverNotBridged(header.epoch, header.height, hash);
        }
    }
}
