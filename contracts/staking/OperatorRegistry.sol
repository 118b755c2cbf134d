// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BLS12381} from "../crypto/BLS12381.sol";
import {IBLS12381Errors} from "../interfaces/IBLS12381Errors.sol";
import {IOperatorRegistry} from "../interfaces/IOperatorRegistry.sol";
import {StakingStorage} from "./StakingStorage.sol";
import {KeyStore} from "./lib/KeyStore.sol";

/// @title Identity half of the staking contract: keys, network address and resources of operators
/// @notice Signers and BLS keys are bound to their operator forever (rotating one out does not free it), so a
/// signature made with an old key is always attributable. Peer ids are released when changed.
abstract contract OperatorRegistry is IOperatorRegistry, StakingStorage, IBLS12381Errors {
    // ---------------------------------------------------------------------------------------------------------
    // Owner actions
    // ---------------------------------------------------------------------------------------------------------

    /// @inheritdoc IOperatorRegistry
    function rotateSigner(address newSigner) external {
        address operator = msg.sender;
        Operator storage op = _requireOperator(operator);
        address oldSigner = op.signer;
        _bindSigner(operator, newSigner);
        op.signer = newSigner;
        emit OperatorSignerRotated(operator, oldSigner, newSigner);
    }

    /// @inheritdoc IOperatorRegistry
    function rotateBlsKey(bytes calldata blsPubkey, bytes calldata blsProofOfPossession) external {
        address operator = msg.sender;
        Operator storage op = _requireOperator(operator);
        bytes32 oldHash = op.blsPubkeyHash;
        bytes32 newHash = _bindBlsKey(operator, op, blsPubkey, blsProofOfPossession);
        emit OperatorBlsKeyRotated(operator, oldHash, newHash, blsPubkey);
    }

    /// @inheritdoc IOperatorRegistry
    function updateNetwork(bytes calldata peerId, string calldata endpoint) external {
        address operator = msg.sender;
        _requireOperator(operator);
        _setNetwork(operator, peerId, endpoint);
        emit OperatorNetworkUpdated(operator, peerId, endpoint);
    }

    /// @inheritdoc IOperatorRegistry
    function updateResources(Resources calldata resources) external {
        address operator = msg.sender;
        _requireOperator(operator);
        _setResources(operator, resources);
        emit OperatorResourcesUpdated(operator, resources);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------

    /// @inheritdoc IOperatorRegistry
    function operatorOf(address signer) external view returns (address operator) {
        return _signerOperator[signer];
    }

    /// @inheritdoc IOperatorRegistry
    function operatorOfBlsKey(bytes32 blsPubkeyHash) external view returns (address operator) {
        return _blsKeyOperator[blsPubkeyHash];
    }

    /// @inheritdoc IOperatorRegistry
    function operatorOfPeerId(bytes calldata peerId) external view returns (address operator) {
        return _peerIdOperator[keccak256(peerId)];
    }

    /// @inheritdoc IOperatorRegistry
    function blsPubkeyOf(address operator) external view returns (bytes memory blsPubkey) {
        return _blsPubkey(_requireOperator(operator));
    }

    /// @inheritdoc IOperatorRegistry
    function networkOf(address operator) external view returns (bytes memory peerId, string memory endpoint) {
        _requireOperator(operator);
        Network storage network = _networks[operator];
        return (network.peerId, network.endpoint);
    }

    /// @inheritdoc IOperatorRegistry
    function resourcesOf(address operator) external view returns (Resources memory resources) {
        _requireOperator(operator);
        return _resources[operator];
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Binds the identity of a new operator (everything but its stake).
    function _registerIdentity(address operator, Registration calldata registration) internal {
        Operator storage op = _operators[operator];
        if (op.status != OperatorStatus.Unregistered) revert OperatorAlreadyRegistered(operator);
        _bindSigner(operator, registration.signer);
        op.signer = registration.signer;
        bytes32 blsPubkeyHash = _bindBlsKey(operator, op, registration.blsPubkey, registration.blsProofOfPossession);
        _setNetwork(operator, registration.peerId, registration.endpoint);
        _setResources(operator, registration.resources);
        op.commissionWad = registration.commissionWad;
        op.status = OperatorStatus.Active;
        emit OperatorRegistered(
            operator,
            registration.signer,
            blsPubkeyHash,
            registration.blsPubkey,
            registration.peerId,
            registration.endpoint,
            registration.resources,
            registration.commissionWad
        );
        emit OperatorStatusChanged(operator, OperatorStatus.Unregistered, OperatorStatus.Active);
    }

    function _requireOperator(address operator) internal view returns (Operator storage op) {
        op = _operators[operator];
        if (op.status == OperatorStatus.Unregistered) revert OperatorUnknown(operator);
    }

    function _bindSigner(address operator, address signer) private {
        if (signer == address(0)) revert OperatorZeroSigner();
        address holder = _signerOperator[signer];
        if (holder != address(0)) revert OperatorSignerTaken(signer, holder);
        _signerOperator[signer] = operator;
    }

    /// @dev Checks the key (length, not infinity, unused, proof of possession, which also proves it is a valid
    /// subgroup point and so safe to aggregate) and stores it. Returns its hash.
    function _bindBlsKey(
        address operator,
        Operator storage op,
        bytes calldata blsPubkey,
        bytes calldata proof
    ) private returns (bytes32 blsPubkeyHash) {
        if (blsPubkey.length != BLS_PUBKEY_LENGTH) revert OperatorBlsKeyInvalidLength(blsPubkey.length);
        if (proof.length != BLS_POP_LENGTH) revert OperatorProofOfPossessionInvalidLength(proof.length);
        bytes memory key = blsPubkey;
        if (BLS12381.isInfinity(key)) revert OperatorBlsKeyAtInfinity();
        blsPubkeyHash = keccak256(key);
        address holder = _blsKeyOperator[blsPubkeyHash];
        if (holder != address(0)) revert OperatorBlsKeyTaken(blsPubkeyHash, holder);
        if (!_verifyProofOfPossession(blsPubkey, proof, operator))
            revert OperatorInvalidProofOfPossession(blsPubkeyHash);
        _blsKeyOperator[blsPubkeyHash] = operator;
        op.blsPubkeyHash = blsPubkeyHash;
        op.blsPubkeyPointer = KeyStore.write(key);
    }

    function _setNetwork(address operator, bytes calldata peerId, string calldata endpoint) private {
        if (peerId.length == 0 || peerId.length > MAX_PEER_ID_LENGTH) {
            revert OperatorInvalidPeerId(peerId.length, MAX_PEER_ID_LENGTH);
        }
        uint256 endpointLength = bytes(endpoint).length;
        if (endpointLength == 0 || endpointLength > MAX_ENDPOINT_LENGTH) {
            revert OperatorInvalidEndpoint(endpointLength, MAX_ENDPOINT_LENGTH);
        }
        Network storage network = _networks[operator];
        bytes32 newHash = keccak256(peerId);
        bytes32 oldHash = keccak256(network.peerId);
        if (newHash != oldHash) {
            address holder = _peerIdOperator[newHash];
            if (holder != address(0)) revert OperatorPeerIdTaken(peerId, holder);
            if (network.peerId.length != 0) delete _peerIdOperator[oldHash];
            _peerIdOperator[newHash] = operator;
            network.peerId = peerId;
        }
        network.endpoint = endpoint;
    }

    function _setResources(address operator, Resources calldata resources) private {
        if (resources.cpuCores == 0 || resources.memoryMiB == 0) {
            revert OperatorInvalidResources(resources.cpuCores, resources.memoryMiB);
        }
        _resources[operator] = resources;
    }

    /// @dev The proof-of-possession check (BLS12381.verifyProofOfPossession), kept out of this contract's code.
    function _verifyProofOfPossession(
        bytes calldata blsPubkey,
        bytes calldata proof,
        address operator
    ) internal view virtual returns (bool);

    function _blsPubkey(Operator storage op) internal view returns (bytes memory) {
        return KeyStore.read(op.blsPubkeyPointer, BLS_PUBKEY_LENGTH);
    }
}
