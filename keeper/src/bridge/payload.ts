// The checkpoint bridge's CCIP payload, as contracts/bridge/BridgePayload.sol writes and reads it:
// abi.encode(uint8 version, Header). docs/bridge.md.
import { AbiCoder } from "ethers";
import type { Header } from "../checkpoint/header.js";

export const BRIDGE_PAYLOAD_VERSION = 1;

const HEADER_TUPLE =
  "tuple(uint256 chainId, uint64 epoch, uint64 height, bytes32 parentHash, bytes32 porRoot, bytes32 taskRoot, bytes32 livenessRoot, bytes32 rewardsRoot, uint256 totalRewards, bytes32 faultsRoot)";

/** The payload the CheckpointSender sends for `header` (version as given, for tests of other versions). */
export function encodeBridgePayload(header: Header, version = BRIDGE_PAYLOAD_VERSION): string {
  return AbiCoder.defaultAbiCoder().encode(
    ["uint8", HEADER_TUPLE],
    [
      version,
      [
        header.chainId,
        header.epoch,
        header.height,
        header.parentHash,
        header.porRoot,
        header.taskRoot,
        header.livenessRoot,
        header.rewardsRoot,
        header.totalRewards,
        header.faultsRoot,
      ],
    ],
  );
}
