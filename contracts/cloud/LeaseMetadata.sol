// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

// JSON literals are single-quoted (prettier keeps them so, to avoid escaping every double quote).
// solhint-disable quotes

import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IDvmAccessTypes} from "../interfaces/IDvmAccess.sol";

/// @title On-chain JSON metadata of a DVM lease (ERC-721 metadata JSON, OpenSea-style attributes)
/// @notice Every value is a number, an address or a fixed word: nothing user-supplied is embedded, so no string
/// escaping is needed.
library LeaseMetadata {
    using Strings for uint256;
    using Strings for address;

    /// @notice `data:application/json;base64,<json>` for a lease.
    function dataUri(uint256 tokenId, IDvmAccessTypes.Lease memory info) internal pure returns (string memory) {
        bytes memory json = bytes.concat(
            '{"name":"OpenMesh DVM lease #',
            bytes(tokenId.toString()),
            '","description":"Right to use a rented OpenMesh workspace (DVM): ',
            bytes(uint256(info.cpuCores).toString()),
            " cores, ",
            bytes(uint256(info.memoryMiB).toString()),
            " MiB memory, ",
            bytes(uint256(info.storageGiB).toString()),
            ' GiB storage.","attributes":[',
            _attributes(info),
            "]}"
        );
        return string.concat("data:application/json;base64,", Base64.encode(json));
    }

    function _attributes(IDvmAccessTypes.Lease memory info) private pure returns (bytes memory) {
        bytes memory spec = bytes.concat(
            _number("offer", info.offerId),
            _number("cpu cores", info.cpuCores),
            _number("memory MiB", info.memoryMiB),
            _number("storage GiB", info.storageGiB)
        );
        bytes memory time = bytes.concat(_date("start", info.start), _date("expiry", info.end));
        return
            bytes.concat(
                '{"trait_type":"provider","value":"',
                bytes(info.provider.toChecksumHexString()),
                '"},',
                spec,
                time,
                '{"trait_type":"state","value":"',
                bytes(_stateName(info.state)),
                '"}'
            );
    }

    function _number(string memory trait, uint256 value) private pure returns (bytes memory) {
        return
            bytes.concat(
                '{"trait_type":"',
                bytes(trait),
                '","display_type":"number","value":',
                bytes(value.toString()),
                "},"
            );
    }

    function _date(string memory trait, uint256 value) private pure returns (bytes memory) {
        return
            bytes.concat(
                '{"trait_type":"',
                bytes(trait),
                '","display_type":"date","value":',
                bytes(value.toString()),
                "},"
            );
    }

    function _stateName(IDvmAccessTypes.LeaseState s) private pure returns (string memory) {
        if (s == IDvmAccessTypes.LeaseState.Active) return "active";
        if (s == IDvmAccessTypes.LeaseState.Expired) return "expired";
        if (s == IDvmAccessTypes.LeaseState.Terminated) return "terminated";
        if (s == IDvmAccessTypes.LeaseState.Faulted) return "faulted";
        return "none";
    }
}
