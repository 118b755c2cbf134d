// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICheckpointTypes} from "../interfaces/ICheckpointTypes.sol";
import {CertificateVerifier} from "../consensus/CertificateVerifier.sol";

/// @title The checkpoint bridge's CCIP payload
/// @notice abi.encode(uint8 version, Header): one encoding, shared by sender and receiver (docs/bridge.md).
library BridgePayload {
    /// @notice The payload version this code writes and reads.
    uint8 internal constant VERSION = 1;

    /// @notice Encodes a header as a bridge payload.
    function encodeHeader(ICheckpointTypes.Header calldata header) internal pure returns (bytes memory) {
        return abi.encode(VERSION, header);
    }

    /// @notice Decodes a payload; reverts (inside the receiver's try) on a malformed one.
    function decodeHeader(
        bytes calldata data
    ) internal pure returns (uint8 version, ICheckpointTypes.Header memory header) {
        return abi.decode(data, (uint8, ICheckpointTypes.Header));
    }

    /// @notice EIP-712 struct hash of a decoded header: the same value `CertificateVerifier.hashHeader` gives for
    /// a header in calldata (one typehash for both).
    function hashHeader(ICheckpointTypes.Header memory header) internal pure returns (bytes32) {
        return keccak256(abi.encode(CertificateVerifier.HEADER_TYPEHASH, header));
    }
}
