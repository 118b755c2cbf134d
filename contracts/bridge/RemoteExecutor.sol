// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {CCIPReceiver} from "@chainlink/contracts-ccip/contracts/applications/CCIPReceiver.sol";
import {Client} from "@chainlink/contracts-ccip/contracts/libraries/Client.sol";
import {IRemoteExecutor} from "../interfaces/IRemoteExecutor.sol";

/// @title Remote executor: the home DAO's hands on a remote chain
/// @notice docs/bridge.md, "Cross-chain governance". Holds its chain's AccessManager admin role alone; obeys one
/// (source chain, GovernanceSender) pair, changeable only by a message from that pair (an action calling
/// `setSource` on this contract).
/// @dev Like the checkpoint receiver, `_ccipReceive` never reverts on content: processing runs in a self-call
/// under try/catch with gas kept back to record a failure.
contract RemoteExecutor is IRemoteExecutor, CCIPReceiver {
    /// @notice Gas kept back from the processing self-call to record a failure.
    uint256 public constant FAILURE_GAS_RESERVE = 60_000;

    Source private _source;
    /// @dev keccak256(abi.encode(source chain selector, sender, nonce)) => ran: a new sender starts a new nonce space
    mapping(bytes32 key => bool) private _executed;
    /// @inheritdoc IRemoteExecutor
    mapping(bytes32 messageId => bytes32 dataHash) public failedMessage;

    /// @param router the chain's CCIP router
    /// @param source_ the home chain selector and its GovernanceSender
    constructor(address router, Source memory source_) CCIPReceiver(router) {
        _setSource(source_);
    }

    /// @inheritdoc IRemoteExecutor
    function execute(bytes32 messageId, bytes calldata data) external {
        if (msg.sender != address(this)) revert ExecutorOnlySelf(msg.sender);
        _execute(messageId, data);
    }

    /// @inheritdoc IRemoteExecutor
    function retryFailedMessage(bytes32 messageId, bytes calldata data) external {
        bytes32 record = failedMessage[messageId];
        if (record == bytes32(0) || record != keccak256(data)) revert ExecutorNoSuchFailedMessage(messageId);
        delete failedMessage[messageId];
        _execute(messageId, data); // a second failure reverts: the record stays
        emit MessageRecovered(messageId);
    }

    /// @inheritdoc IRemoteExecutor
    function setSource(Source calldata source_) external {
        if (msg.sender != address(this)) revert ExecutorOnlySelf(msg.sender);
        _setSource(source_);
    }

    /// @inheritdoc IRemoteExecutor
    function source() external view returns (Source memory) {
        return _source;
    }

    /// @inheritdoc IRemoteExecutor
    function executed(uint64 nonce) external view returns (bool) {
        return _executed[_nonceKey(nonce)];
    }

    /// @notice Accepts native coin (actions may carry value).
    receive() external payable {}

    function _ccipReceive(Client.Any2EVMMessage memory message) internal override {
        Source memory s = _source;
        if (
            message.sourceChainSelector != s.chainSelector ||
            keccak256(message.sender) != keccak256(abi.encode(s.sender))
        ) {
            emit MessageRejected(message.messageId, message.sourceChainSelector, message.sender);
            return;
        }
        uint256 available = gasleft();
        uint256 forward = available > FAILURE_GAS_RESERVE ? available - FAILURE_GAS_RESERVE : 0;
        try this.execute{gas: forward}(message.messageId, message.data) {
            // ran
        } catch (bytes memory reason) {
            failedMessage[message.messageId] = keccak256(message.data);
            emit MessageFailed(message.messageId, reason);
        }
    }

    function _execute(bytes32 messageId, bytes calldata data) private {
        (uint64 nonce, Action[] memory actions) = abi.decode(data, (uint64, Action[]));
        bytes32 key = _nonceKey(nonce);
        if (_executed[key]) revert ExecutorReplay(nonce);
        _executed[key] = true;
        for (uint256 i = 0; i < actions.length; ++i) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = actions[i].target.call{value: actions[i].value}(actions[i].data);
            if (!ok) revert ExecutorActionFailed(i, ret);
        }
        emit ActionsExecuted(messageId, nonce, actions.length);
    }

    function _nonceKey(uint64 nonce) private view returns (bytes32) {
        return keccak256(abi.encode(_source.chainSelector, _source.sender, nonce));
    }

    function _setSource(Source memory source_) private {
        _source = source_;
        emit SourceSet(source_.chainSelector, source_.sender);
    }
}
