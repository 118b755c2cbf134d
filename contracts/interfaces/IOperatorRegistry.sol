// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Types of the operator registry (identity part of the staking contract)
interface IOperatorRegistryTypes {
    /// @notice Life cycle of an operator.
    /// - Active: eligible for validator sets (self-stake was >= minStake when it last became active).
    /// - Inactive: the owner unbonded all self-stake; becomes Active again by adding self-stake >= minStake.
    /// - Jailed: out of every future set until the owner calls `unjail` after the jail period.
    /// - Tombstoned: out forever (double-sign); stake can still be unbonded and withdrawn.
    enum OperatorStatus {
        Unregistered,
        Active,
        Inactive,
        Jailed,
        Tombstoned
    }

    /// @notice Resources an operator claims to offer (proved later by Proof-of-Resource).
    struct Resources {
        uint32 cpuCores;
        uint32 bandwidthMbps;
        uint64 memoryMiB;
        uint64 storageGiB;
    }

    /// @notice Everything `register` binds to a new operator. The operator's id is the owner's address
    /// (`msg.sender`, the cold key that controls stake and keys). Only ever passed in calldata: packing is moot.
    // solhint-disable-next-line gas-struct-packing
    struct Registration {
        /// @dev hot ECDSA address the keeper signs consensus messages with
        address signer;
        /// @dev BLS12-381 public key in G2, 256-byte EIP-2537 encoding
        bytes blsPubkey;
        /// @dev proof of possession of `blsPubkey`: a 128-byte G1 signature over the key itself (BLS12381.POP_DST)
        bytes blsProofOfPossession;
        /// @dev libp2p peer id (multihash bytes)
        bytes peerId;
        /// @dev where the keeper listens, a multiaddr string
        string endpoint;
        Resources resources;
        /// @dev commission on rewards, WAD (1e18 = 100%), at most `maxCommissionWad`
        uint64 commissionWad;
        /// @dev initial self-stake in OPEN wei, at least `minStake`; pulled with transferFrom
        uint256 stake;
    }
}

/// @title Errors of the operator registry
interface IOperatorRegistryErrors {
    /// @notice The caller (owner) already registered an operator.
    error OperatorAlreadyRegistered(address operator);
    /// @notice No operator is registered under this address.
    error OperatorUnknown(address operator);
    /// @notice The signer is the zero address.
    error OperatorZeroSigner();
    /// @notice The signer is (or was) bound to an operator; signers are never reused, so evidence signed by
    /// a rotated-out key is still attributed to its operator.
    error OperatorSignerTaken(address signer, address operator);
    /// @notice The peer id is bound to another operator.
    error OperatorPeerIdTaken(bytes peerId, address operator);
    /// @notice The BLS key is (or was) bound to an operator.
    error OperatorBlsKeyTaken(bytes32 blsPubkeyHash, address operator);
    /// @notice The BLS public key is not 256 bytes.
    error OperatorBlsKeyInvalidLength(uint256 length);
    /// @notice The proof of possession is not 128 bytes.
    error OperatorProofOfPossessionInvalidLength(uint256 length);
    /// @notice The BLS key is the point at infinity (all zero).
    error OperatorBlsKeyAtInfinity();
    /// @notice The proof of possession does not verify for the key. (A malformed point, off the curve or
    /// outside the subgroup, reverts earlier with `BLSPrecompileFailed(0x0f)` from the BLS library.)
    error OperatorInvalidProofOfPossession(bytes32 blsPubkeyHash);
    /// @notice The peer id is empty or longer than `MAX_PEER_ID_LENGTH`.
    error OperatorInvalidPeerId(uint256 length, uint256 maxLength);
    /// @notice The endpoint is empty or longer than `MAX_ENDPOINT_LENGTH`.
    error OperatorInvalidEndpoint(uint256 length, uint256 maxLength);
    /// @notice A node must claim at least one CPU core and some memory.
    error OperatorInvalidResources(uint32 cpuCores, uint64 memoryMiB);
}

/// @title Events of the operator registry
interface IOperatorRegistryEvents {
    /// @notice A new operator registered (its initial stake is reported by `StakeAdded`).
    event OperatorRegistered(
        address indexed operator,
        address indexed signer,
        bytes32 indexed blsPubkeyHash,
        bytes blsPubkey,
        bytes peerId,
        string endpoint,
        IOperatorRegistryTypes.Resources resources,
        uint64 commissionWad
    );
    /// @notice The owner rotated the signer; validator sets frozen from the next epoch advance on use it.
    event OperatorSignerRotated(address indexed operator, address indexed oldSigner, address indexed newSigner);
    /// @notice The owner rotated the BLS key; validator sets frozen from the next epoch advance on use it.
    event OperatorBlsKeyRotated(
        address indexed operator,
        bytes32 indexed oldBlsPubkeyHash,
        bytes32 indexed newBlsPubkeyHash,
        bytes blsPubkey
    );
    /// @notice The owner changed the peer id and/or endpoint (effective immediately).
    event OperatorNetworkUpdated(address indexed operator, bytes peerId, string endpoint);
    /// @notice The owner changed the claimed resources (effective immediately).
    event OperatorResourcesUpdated(address indexed operator, IOperatorRegistryTypes.Resources resources);
}

/// @title Operator registry: identity, keys and network address of staked operators
/// @notice An operator is identified by its owner's address. Keys: the owner (cold) controls stake and keys;
/// the signer (hot ECDSA) and the BLS key sign consensus messages. Rotations take effect in the next
/// validator set frozen by `ValidatorSetManager.advanceEpoch`.
interface IOperatorRegistry is IOperatorRegistryTypes, IOperatorRegistryErrors, IOperatorRegistryEvents {
    /// @notice Registers `msg.sender` as an operator with an initial self-stake (needs an OPEN allowance).
    /// @param registration keys, network address, resources, commission and stake
    function register(Registration calldata registration) external;

    /// @notice Replaces the hot signer address. The old signer stays bound to this operator forever.
    /// @param newSigner the new signer, never used by any operator before
    function rotateSigner(address newSigner) external;

    /// @notice Replaces the BLS key (with a new proof of possession). The old key stays reserved.
    /// @param blsPubkey the new 256-byte G2 key
    /// @param blsProofOfPossession its 128-byte proof of possession
    function rotateBlsKey(bytes calldata blsPubkey, bytes calldata blsProofOfPossession) external;

    /// @notice Changes the libp2p peer id and the endpoint multiaddr.
    /// @param peerId the new peer id (may equal the current one)
    /// @param endpoint the new endpoint
    function updateNetwork(bytes calldata peerId, string calldata endpoint) external;

    /// @notice Changes the claimed resources.
    /// @param resources the new claim
    function updateResources(Resources calldata resources) external;

    /// @notice The operator a signer belongs (or belonged) to; zero if none.
    /// @param signer a signer address, current or rotated out
    /// @return operator the operator (owner address)
    function operatorOf(address signer) external view returns (address operator);

    /// @notice The operator a BLS key belongs (or belonged) to; zero if none.
    /// @param blsPubkeyHash keccak256 of the 256-byte key
    /// @return operator the operator
    function operatorOfBlsKey(bytes32 blsPubkeyHash) external view returns (address operator);

    /// @notice The operator a peer id currently belongs to; zero if none.
    /// @param peerId libp2p peer id bytes
    /// @return operator the operator
    function operatorOfPeerId(bytes calldata peerId) external view returns (address operator);

    /// @notice The operator's current 256-byte BLS key.
    /// @param operator the operator
    /// @return blsPubkey the key
    function blsPubkeyOf(address operator) external view returns (bytes memory blsPubkey);

    /// @notice The operator's peer id and endpoint.
    /// @param operator the operator
    /// @return peerId libp2p peer id bytes
    /// @return endpoint multiaddr string
    function networkOf(address operator) external view returns (bytes memory peerId, string memory endpoint);

    /// @notice The operator's claimed resources.
    /// @param operator the operator
    /// @return resources the claim
    function resourcesOf(address operator) external view returns (Resources memory resources);
}
