// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Cross-chain governance, remote side: runs the actions a home proposal sent over CCIP
/// @notice The executor is the only admin of its chain's AccessManager, so every `restricted` function there
/// (receiver allowlist, token pool roles, ...) changes only through a passed home proposal. Messages from any other
/// source chain or sender are dropped with an event; a message's nonce runs at most once (replay protection); a
/// message whose actions fail is recorded (`MessageFailed`) and can be retried by anyone.
interface IRemoteExecutor {
    /// @notice One call to make on this chain.
    struct Action {
        address target;
        uint256 value;
        bytes data;
    }

    /// @notice The home governance sender this executor obeys.
    struct Source {
        uint64 chainSelector;
        address sender;
    }

    /// @notice A message's actions ran.
    event ActionsExecuted(bytes32 indexed messageId, uint64 indexed nonce, uint256 actions);
    /// @notice A message from another source chain or sender was dropped (nothing runs, nothing to retry).
    event MessageRejected(bytes32 indexed messageId, uint64 sourceChainSelector, bytes sender);
    /// @notice A message from the home governance could not run; it is kept for `retryFailedMessage`.
    event MessageFailed(bytes32 indexed messageId, bytes reason);
    /// @notice A failed message ran on retry.
    event MessageRecovered(bytes32 indexed messageId);
    /// @notice The executor changed whom it obeys (itself, through a home proposal).
    event SourceSet(uint64 chainSelector, address sender);

    /// @notice This nonce already ran (a replayed message).
    error ExecutorReplay(uint64 nonce);
    /// @notice Action `index` reverted with `reason`.
    error ExecutorActionFailed(uint256 index, bytes reason);
    /// @notice Only the executor itself (its own try/catch, or a home proposal's action) calls this.
    error ExecutorOnlySelf(address caller);
    /// @notice No failed message with this id, or `data` is not its payload.
    error ExecutorNoSuchFailedMessage(bytes32 messageId);

    /// @notice Runs a message's payload abi.encode(uint64 nonce, Action[]); only the executor itself calls it.
    /// @param messageId the CCIP message id
    /// @param data the payload
    function execute(bytes32 messageId, bytes calldata data) external;

    /// @notice Runs a failed message again (anyone); reverts if it fails again, leaving it failed.
    /// @param messageId the message id
    /// @param data its payload
    function retryFailedMessage(bytes32 messageId, bytes calldata data) external;

    /// @notice Changes whom the executor obeys; only callable by the executor (a home proposal's action).
    /// @param source the home chain selector and governance sender
    function setSource(Source calldata source) external;

    /// @notice Whom the executor obeys.
    /// @return the source
    function source() external view returns (Source memory);

    /// @notice Whether a nonce of the current source already ran.
    /// @param nonce the nonce
    /// @return whether it ran
    function executed(uint64 nonce) external view returns (bool);

    /// @notice keccak256 of a failed message's payload (zero when not failed).
    /// @param messageId the message id
    /// @return the hash
    function failedMessage(bytes32 messageId) external view returns (bytes32);
}
