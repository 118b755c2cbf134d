// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IRouterClient} from "@chainlink/contracts-ccip/contracts/interfaces/IRouterClient.sol";
import {Client} from "@chainlink/contracts-ccip/contracts/libraries/Client.sol";
import {IGovernanceSender} from "../interfaces/IGovernanceSender.sol";
import {IRemoteExecutor} from "../interfaces/IRemoteExecutor.sol";

/// @title Governance sender: a passed home proposal's actions for a remote chain, over CCIP
/// @notice docs/bridge.md, "Cross-chain governance". Payload: abi.encode(uint64 nonce, Action[]); messages are
/// ordered (no out-of-order execution) and the remote executor runs each nonce once.
contract GovernanceSender is IGovernanceSender, AccessManaged, ReentrancyGuardTransient {
    /// @notice Highest gas limit a destination may be given.
    uint32 public constant MAX_GAS_LIMIT = 3_000_000;

    /// @notice This chain's CCIP router.
    IRouterClient public immutable router;
    mapping(uint64 destChainSelector => Remote) private _remotes;
    mapping(uint64 destChainSelector => uint64) private _nonces;

    /// @param router_ the chain's CCIP router (from deployments/config/ccip-networks.json)
    /// @param authority the AccessManager (governance)
    constructor(IRouterClient router_, address authority) AccessManaged(authority) {
        router = router_;
    }

    /// @inheritdoc IGovernanceSender
    function sendActions(
        uint64 destChainSelector,
        IRemoteExecutor.Action[] calldata actions
    ) external payable restricted nonReentrant returns (bytes32 messageId) {
        uint64 nonce = ++_nonces[destChainSelector];
        Client.EVM2AnyMessage memory message = _message(destChainSelector, nonce, actions);
        uint256 fee = router.getFee(destChainSelector, message);
        if (msg.value < fee) revert GovernanceInsufficientFee(msg.value, fee);
        messageId = router.ccipSend{value: fee}(destChainSelector, message);
        emit ActionsSent(destChainSelector, nonce, messageId, actions.length, fee);
        if (msg.value > fee) {
            uint256 excess = msg.value - fee;
            (bool ok, ) = msg.sender.call{value: excess}("");
            if (!ok) revert GovernanceRefundFailed(msg.sender, excess);
        }
    }

    /// @inheritdoc IGovernanceSender
    function quoteFee(
        uint64 destChainSelector,
        IRemoteExecutor.Action[] calldata actions
    ) external view returns (uint256 fee) {
        return router.getFee(destChainSelector, _message(destChainSelector, _nonces[destChainSelector] + 1, actions));
    }

    /// @inheritdoc IGovernanceSender
    function setRemote(uint64 destChainSelector, Remote calldata remote) external restricted {
        if (remote.executor != address(0) && (remote.gasLimit == 0 || remote.gasLimit > MAX_GAS_LIMIT)) {
            revert GovernanceInvalidGasLimit(remote.gasLimit);
        }
        _remotes[destChainSelector] = remote;
        emit RemoteSet(destChainSelector, remote.executor, remote.gasLimit);
    }

    /// @inheritdoc IGovernanceSender
    function remoteOf(uint64 destChainSelector) external view returns (Remote memory) {
        return _remotes[destChainSelector];
    }

    /// @inheritdoc IGovernanceSender
    function nonceOf(uint64 destChainSelector) external view returns (uint64) {
        return _nonces[destChainSelector];
    }

    function _message(
        uint64 destChainSelector,
        uint64 nonce,
        IRemoteExecutor.Action[] calldata actions
    ) private view returns (Client.EVM2AnyMessage memory) {
        Remote memory remote = _remotes[destChainSelector];
        if (remote.executor == address(0)) revert GovernanceUnknownRemote(destChainSelector);
        return
            Client.EVM2AnyMessage({
                receiver: abi.encode(remote.executor),
                data: abi.encode(nonce, actions),
                tokenAmounts: new Client.EVMTokenAmount[](0),
                extraArgs: Client._argsToBytes(
                    // governance is ordered: a later proposal may depend on an earlier one
                    Client.GenericExtraArgsV2({gasLimit: remote.gasLimit, allowOutOfOrderExecution: false})
                ),
                feeToken: address(0)
            });
    }
}
