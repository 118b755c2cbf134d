// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IRemoteExecutor} from "./IRemoteExecutor.sol";

/// @title Cross-chain governance, home side: a passed proposal sends actions to a remote executor over CCIP
/// @notice `sendActions` is `restricted` (the timelock: only a passed proposal reaches it). Each destination has
/// one remote executor and a gas limit, set by governance; each message carries the next nonce of its destination.
interface IGovernanceSender {
    /// @notice A destination's executor and the gas its delivery may use.
    struct Remote {
        address executor;
        uint32 gasLimit;
    }

    /// @notice Governance set (or removed, executor zero) a destination.
    event RemoteSet(uint64 indexed destChainSelector, address executor, uint32 gasLimit);
    /// @notice Actions left for a destination.
    event ActionsSent(
        uint64 indexed destChainSelector,
        uint64 indexed nonce,
        bytes32 messageId,
        uint256 actions,
        uint256 fee
    );

    /// @notice No executor for this destination.
    error GovernanceUnknownRemote(uint64 destChainSelector);
    /// @notice Not enough native coin for the CCIP fee.
    error GovernanceInsufficientFee(uint256 sent, uint256 fee);
    /// @notice Returning the excess fee failed.
    error GovernanceRefundFailed(address to, uint256 amount);
    /// @notice Gas limit 0 or above the maximum.
    error GovernanceInvalidGasLimit(uint32 gasLimit);

    /// @notice Sends actions to the destination's executor (governance; the fee in `msg.value`, excess returned).
    /// @param destChainSelector the destination
    /// @param actions the calls the executor makes there
    /// @return messageId the CCIP message id
    function sendActions(
        uint64 destChainSelector,
        IRemoteExecutor.Action[] calldata actions
    ) external payable returns (bytes32 messageId);

    /// @notice The CCIP fee of sending these actions now (native coin).
    /// @param destChainSelector the destination
    /// @param actions the calls
    /// @return fee the fee
    function quoteFee(
        uint64 destChainSelector,
        IRemoteExecutor.Action[] calldata actions
    ) external view returns (uint256 fee);

    /// @notice Sets a destination's executor and gas limit (governance); a zero executor removes it.
    /// @param destChainSelector the destination
    /// @param remote the executor and gas limit
    function setRemote(uint64 destChainSelector, Remote calldata remote) external;

    /// @notice A destination's executor and gas limit.
    /// @param destChainSelector the destination
    /// @return the remote
    function remoteOf(uint64 destChainSelector) external view returns (Remote memory);

    /// @notice The nonce the last message to a destination carried (0 before the first).
    /// @param destChainSelector the destination
    /// @return the nonce
    function nonceOf(uint64 destChainSelector) external view returns (uint64);
}
