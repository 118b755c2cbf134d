// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IRouterClient} from "@chainlink/contracts-ccip/contracts/interfaces/IRouterClient.sol";
import {Client} from "@chainlink/contracts-ccip/contracts/libraries/Client.sol";
import {ICheckpointSender} from "../interfaces/ICheckpointSender.sol";
import {ICheckpointStore} from "../interfaces/ICheckpointStore.sol";
import {BridgePayload} from "./BridgePayload.sol";

/// @title Checkpoint sender: certified headers to other chains over CCIP
/// @notice Home-chain half of the checkpoint bridge (docs/bridge.md). Lanes (destination selector -> receiver,
/// gas limit, relay period) and the fee token are set by governance through the AccessManager; relaying is
/// permissionless and paid by the caller. The router address is fixed at deployment, from config.
contract CheckpointSender is ICheckpointSender, AccessManaged, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Highest per-message gas limit a lane may ask for (CCIP's default maximum on EVM lanes).
    uint32 public constant MAX_GAS_LIMIT = 3_000_000;

    /// @notice The CCIP router of this chain.
    IRouterClient public immutable router;
    /// @notice The CheckpointStore whose certified headers this contract sends.
    ICheckpointStore public immutable checkpoints;
    /// @notice The LINK token of this chain (the only ERC-20 fee token allowed).
    address public immutable link;

    /// @inheritdoc ICheckpointSender
    address public feeToken;
    mapping(uint64 destChainSelector => Lane) private _lanes;
    uint64[] private _destinations;
    /// @inheritdoc ICheckpointSender
    mapping(uint64 destChainSelector => mapping(uint64 height => bytes32 messageId)) public relayedMessage;

    /// @param router_ the chain's CCIP router (from deployments/config/ccip-networks.json)
    /// @param checkpoints_ the home CheckpointStore
    /// @param link_ the chain's LINK token
    /// @param authority the AccessManager (governance)
    /// @param feeToken_ the initial fee token: zero (native) or `link_`
    constructor(
        IRouterClient router_,
        ICheckpointStore checkpoints_,
        address link_,
        address authority,
        address feeToken_
    ) AccessManaged(authority) {
        router = router_;
        checkpoints = checkpoints_;
        link = link_;
        _setFeeToken(feeToken_);
    }

    /// @inheritdoc ICheckpointSender
    function relay(
        Header calldata header,
        uint64 destChainSelector
    ) external payable nonReentrant returns (bytes32 messageId) {
        bytes32 hash = checkpoints.requireCertified(header);
        bytes32 prior = relayedMessage[destChainSelector][header.height];
        if (prior != bytes32(0)) revert SenderAlreadyRelayed(destChainSelector, header.height, prior);
        Client.EVM2AnyMessage memory message = _message(header, destChainSelector);
        address token = feeToken;
        uint256 fee = router.getFee(destChainSelector, message);
        if (token == address(0)) {
            if (msg.value < fee) revert SenderWrongFeePayment(msg.value, fee);
            messageId = router.ccipSend{value: fee}(destChainSelector, message);
        } else {
            if (msg.value != 0) revert SenderWrongFeePayment(msg.value, fee);
            IERC20(token).safeTransferFrom(msg.sender, address(this), fee);
            IERC20(token).forceApprove(address(router), fee);
            messageId = router.ccipSend(destChainSelector, message);
        }
        relayedMessage[destChainSelector][header.height] = messageId;
        emit CheckpointRelayed(destChainSelector, header.epoch, header.height, hash, messageId, token, fee, msg.sender);
        if (token == address(0) && msg.value > fee) {
            uint256 excess = msg.value - fee;
            (bool ok, ) = msg.sender.call{value: excess}("");
            if (!ok) revert SenderRefundFailed(msg.sender, excess);
        }
    }

    /// @inheritdoc ICheckpointSender
    function quoteFee(Header calldata header, uint64 destChainSelector) external view returns (uint256 fee) {
        return router.getFee(destChainSelector, _message(header, destChainSelector));
    }

    /// @inheritdoc ICheckpointSender
    function messageOf(
        Header calldata header,
        uint64 destChainSelector
    ) external view returns (bytes memory data, bytes memory extraArgs) {
        Client.EVM2AnyMessage memory message = _message(header, destChainSelector);
        return (message.data, message.extraArgs);
    }

    /// @inheritdoc ICheckpointSender
    function setLane(uint64 destChainSelector, Lane calldata lane) external restricted {
        if (lane.receiver == address(0) || lane.gasLimit == 0 || lane.gasLimit > MAX_GAS_LIMIT || lane.relayEvery == 0)
            revert SenderInvalidLane(destChainSelector, lane.receiver, lane.gasLimit, lane.relayEvery);
        if (_lanes[destChainSelector].receiver == address(0)) _destinations.push(destChainSelector);
        _lanes[destChainSelector] = lane;
        emit LaneSet(destChainSelector, lane.receiver, lane.gasLimit, lane.relayEvery);
    }

    /// @inheritdoc ICheckpointSender
    function removeLane(uint64 destChainSelector) external restricted {
        if (_lanes[destChainSelector].receiver == address(0)) revert SenderUnknownLane(destChainSelector);
        delete _lanes[destChainSelector];
        uint256 n = _destinations.length;
        for (uint256 i = 0; i < n; ++i) {
            if (_destinations[i] == destChainSelector) {
                _destinations[i] = _destinations[n - 1];
                _destinations.pop();
                break;
            }
        }
        emit LaneRemoved(destChainSelector);
    }

    /// @inheritdoc ICheckpointSender
    function setFeeToken(address feeToken_) external restricted {
        _setFeeToken(feeToken_);
    }

    /// @inheritdoc ICheckpointSender
    function laneOf(uint64 destChainSelector) external view returns (Lane memory) {
        return _lanes[destChainSelector];
    }

    /// @inheritdoc ICheckpointSender
    function destinations() external view returns (uint64[] memory) {
        return _destinations;
    }

    function _setFeeToken(address token) private {
        if (token != address(0) && token != link) revert SenderUnsupportedFeeToken(token);
        feeToken = token;
        emit FeeTokenSet(token);
    }

    function _message(
        Header calldata header,
        uint64 destChainSelector
    ) private view returns (Client.EVM2AnyMessage memory) {
        Lane memory lane = _lanes[destChainSelector];
        if (lane.receiver == address(0)) revert SenderUnknownLane(destChainSelector);
        return
            Client.EVM2AnyMessage({
                receiver: abi.encode(lane.receiver),
                data: BridgePayload.encodeHeader(header),
                tokenAmounts: new Client.EVMTokenAmount[](0),
                extraArgs: Client._argsToBytes(
                    // out-of-order: the receiver stores by (epoch, height), so order does not matter
                    Client.GenericExtraArgsV2({gasLimit: lane.gasLimit, allowOutOfOrderExecution: true})
                ),
                feeToken: feeToken
            });
    }
}
