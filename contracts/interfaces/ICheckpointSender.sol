// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICheckpointTypes} from "./ICheckpointTypes.sol";

/// @title Certified checkpoints out to other chains over Chainlink CCIP (home chain side)
/// @notice Sends a header that the home `CheckpointStore` certified, and only such a header, to each configured
/// destination lane. The caller pays the CCIP fee (native or LINK, as governance chose), quoted by `quoteFee`.
/// Each (lane, height) is sent once: a second send reverts, so racing keepers never pay twice.
interface ICheckpointSender is ICheckpointTypes {
    /// @notice A destination lane: the remote `CheckpointReceiver` and how messages to it are built.
    struct Lane {
        /// @notice the CheckpointReceiver on the destination chain (zero when the lane does not exist)
        address receiver;
        /// @notice gas the destination may spend in `ccipReceive` (CCIP extraArgs)
        uint32 gasLimit;
        /// @notice keepers relay every `relayEvery`-th certified height on this lane (anyone may relay others)
        uint32 relayEvery;
    }

    /// @notice Governance added or changed a lane.
    event LaneSet(uint64 indexed destChainSelector, address receiver, uint32 gasLimit, uint32 relayEvery);
    /// @notice Governance removed a lane.
    event LaneRemoved(uint64 indexed destChainSelector);
    /// @notice Governance chose the token CCIP fees are paid in (zero = the native coin).
    event FeeTokenSet(address feeToken);
    /// @notice A certified header left for a destination chain.
    event CheckpointRelayed(
        uint64 indexed destChainSelector,
        uint64 indexed epoch,
        uint64 indexed height,
        bytes32 headerHash,
        bytes32 messageId,
        address feeToken,
        uint256 fee,
        address payer
    );

    /// @notice No lane to this destination.
    error SenderUnknownLane(uint64 destChainSelector);
    /// @notice The header was already sent on this lane (by this or another relayer).
    error SenderAlreadyRelayed(uint64 destChainSelector, uint64 height, bytes32 messageId);
    /// @notice A lane setting is out of bounds (receiver zero, gas limit 0 or above the maximum, relayEvery 0).
    error SenderInvalidLane(uint64 destChainSelector, address receiver, uint32 gasLimit, uint32 relayEvery);
    /// @notice Fees can only be paid in the native coin (zero) or LINK.
    error SenderUnsupportedFeeToken(address feeToken);
    /// @notice Not enough native coin sent for the fee (native fees), or coin sent when fees are in LINK.
    error SenderWrongFeePayment(uint256 sent, uint256 fee);
    /// @notice Returning the excess native coin to the payer failed.
    error SenderRefundFailed(address payer, uint256 amount);

    /// @notice Sends a certified header on one lane; the caller pays the fee (`msg.value` >= fee for native fees,
    /// or an ERC-20 allowance of LINK >= fee). Excess native coin is returned.
    /// @param header a header certified by the home CheckpointStore (reverts CheckpointNotCertified otherwise)
    /// @param destChainSelector the lane's CCIP chain selector
    /// @return messageId the CCIP message id
    function relay(Header calldata header, uint64 destChainSelector) external payable returns (bytes32 messageId);

    /// @notice The CCIP fee `relay` charges now for this header on this lane, in the current fee token.
    /// @param header the header
    /// @param destChainSelector the lane
    /// @return fee the fee (wei of the native coin or of LINK)
    function quoteFee(Header calldata header, uint64 destChainSelector) external view returns (uint256 fee);

    /// @notice The CCIP message a relay builds (payload, receiver, extraArgs with the lane's gas limit).
    /// @param header the header
    /// @param destChainSelector the lane
    /// @return data the payload: abi.encode(uint8 version, Header)
    /// @return extraArgs the CCIP extraArgs (GenericExtraArgsV2, the lane's gas limit, out-of-order allowed)
    function messageOf(
        Header calldata header,
        uint64 destChainSelector
    ) external view returns (bytes memory data, bytes memory extraArgs);

    /// @notice Adds or changes a lane (governance).
    /// @param destChainSelector the destination chain's CCIP selector
    /// @param lane the receiver, gas limit and relay period
    function setLane(uint64 destChainSelector, Lane calldata lane) external;

    /// @notice Removes a lane (governance).
    /// @param destChainSelector the destination chain's CCIP selector
    function removeLane(uint64 destChainSelector) external;

    /// @notice Chooses the fee token (governance): zero for the native coin, or the LINK token.
    /// @param feeToken the fee token
    function setFeeToken(address feeToken) external;

    /// @notice A lane's settings (receiver zero when there is none).
    /// @param destChainSelector the lane
    /// @return the lane
    function laneOf(uint64 destChainSelector) external view returns (Lane memory);

    /// @notice Every configured destination selector.
    /// @return the selectors
    function destinations() external view returns (uint64[] memory);

    /// @notice The CCIP message id a height was sent with on a lane (zero when not sent).
    /// @param destChainSelector the lane
    /// @param height the checkpoint height
    /// @return the message id
    function relayedMessage(uint64 destChainSelector, uint64 height) external view returns (bytes32);

    /// @notice The fee token (zero = native coin).
    /// @return the token
    function feeToken() external view returns (address);
}
