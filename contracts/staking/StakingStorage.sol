// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IOperatorRegistryTypes} from "../interfaces/IOperatorRegistry.sol";
import {IStakingErrors, IStakingEvents, IStakingParameters, IStakingTypes} from "../interfaces/IStaking.sol";
import {ValidatorRanking} from "./lib/ValidatorRanking.sol";

/// @title Storage layout of the staking contract, in one place
/// @notice Constants, governance parameters, operator identities, share pools and the validator ranking.
/// The operator id is the owner's address. (All state of the staking contract lives here, by design, hence
/// more state variables than the linter's default limit.)
// solhint-disable-next-line max-states-count
abstract contract StakingStorage is
    IOperatorRegistryTypes,
    IStakingTypes,
    IStakingParameters,
    IStakingErrors,
    IStakingEvents
{
    // ---------------------------------------------------------------------------------------------------------
    // Constants
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Longest libp2p peer id accepted, bytes.
    uint256 public constant MAX_PEER_ID_LENGTH = 128;
    /// @notice Longest endpoint multiaddr accepted, bytes.
    uint256 public constant MAX_ENDPOINT_LENGTH = 256;
    /// @notice Hard cap of any slash fraction (governance cannot go above): 50%.
    uint256 public constant MAX_SLASH_FRACTION_WAD = 0.5e18;
    /// @notice Hard cap of the validator set size: bounds the gas of freezing a set.
    uint32 public constant MAX_VALIDATORS_LIMIT = 256;
    /// @notice Longest unbonding period, jail period or commission delay governance can set.
    uint64 public constant MAX_PERIOD = 365 days;
    /// @notice Shortest unbonding period: it is also the maximum age of evidence, so zero would disable slashing.
    uint64 public constant MIN_UNBONDING_PERIOD = 60;
    /// @notice Largest minimum stake governance can set (1% of the supply): above it nobody could register.
    uint256 public constant MAX_MIN_STAKE = 10_000_000e18;

    uint256 internal constant BLS_PUBKEY_LENGTH = 256;
    uint256 internal constant BLS_POP_LENGTH = 128;

    // ---------------------------------------------------------------------------------------------------------
    // Types private to the implementation
    // ---------------------------------------------------------------------------------------------------------

    /// @dev 4 storage words (105 bytes of fields cannot fit in 3); grouped by what is read together.
    // solhint-disable-next-line gas-struct-packing
    struct Operator {
        // word 0: read for every validator set member
        address signer;
        OperatorStatus status;
        uint64 jailedUntil;
        // word 1: the BLS key lives in a KeyStore data contract (8 words of storage otherwise)
        address blsPubkeyPointer;
        uint64 commissionWad;
        // word 2
        bytes32 blsPubkeyHash;
        // word 3: a scheduled commission increase (time zero = none)
        uint64 pendingCommissionWad;
        uint64 pendingCommissionTime;
    }

    /// @dev The unbonding requests of one operator made in one epoch share this pool; one storage word. The
    /// buckets of an operator form a list from the newest back (`previous`: the epoch + 1 of the bucket before,
    /// 0 for none), which a slash walks only as far as the infraction's epoch. stake <= the OPEN supply < 2^96.
    struct UnbondingBucket {
        uint96 stake;
        uint128 shares;
        uint32 previous;
    }

    /// @dev The deposits (delegations and added self-stake) of one epoch into one operator's bonded pool. While
    /// they activate, `value` is their OPEN (slashed like the pool) and `units` the shares they were priced at when
    /// made (what positions hold); once activated (epoch + 2 has begun), `value` is the bonded shares they became.
    struct Activation {
        uint128 units;
        uint128 value;
    }

    struct Network {
        bytes peerId;
        string endpoint;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Governance parameters (restricted setters in Staking)
    // ---------------------------------------------------------------------------------------------------------

    /// @inheritdoc IStakingParameters
    uint256 public minStake;
    /// @inheritdoc IStakingParameters
    uint64 public unbondingPeriod;
    /// @inheritdoc IStakingParameters
    uint64 public jailPeriod;
    /// @inheritdoc IStakingParameters
    uint64 public commissionIncreaseDelay;
    /// @inheritdoc IStakingParameters
    uint64 public maxCommissionWad;
    /// @inheritdoc IStakingParameters
    address public treasury;
    /// @inheritdoc IStakingParameters
    SlashDestination public slashDestination;
    /// @inheritdoc IStakingParameters
    uint32 public maxValidators;
    mapping(SlashReason reason => uint64 fractionWad) internal _slashFractionWad;

    // ---------------------------------------------------------------------------------------------------------
    // Operators (identity)
    // ---------------------------------------------------------------------------------------------------------

    mapping(address operator => Operator) internal _operators;
    mapping(address operator => Network) internal _networks;
    mapping(address operator => Resources) internal _resources;
    /// @dev every signer ever bound (never released)
    mapping(address signer => address operator) internal _signerOperator;
    /// @dev every BLS key ever bound (never released)
    mapping(bytes32 blsPubkeyHash => address operator) internal _blsKeyOperator;
    /// @dev current peer ids (released when changed)
    mapping(bytes32 peerIdHash => address operator) internal _peerIdOperator;

    // ---------------------------------------------------------------------------------------------------------
    // Stake
    // ---------------------------------------------------------------------------------------------------------

    mapping(address operator => Pool) internal _pools;
    mapping(address operator => mapping(address account => Position)) internal _positions;
    mapping(uint256 requestId => UnbondingRequest) internal _unbondingRequests;
    /// @notice Number of unbonding requests ever made; ids start at 1.
    uint256 public unbondingRequestCount;
    /// @inheritdoc IStakingParameters
    uint256 public totalSlashLocked;
    /// @inheritdoc IStakingParameters
    address public validatorSets;
    /// @dev operator => epoch the requests were made in => their pool (Pool.unbonding* hold the sums)
    mapping(address operator => mapping(uint64 epoch => UnbondingBucket)) internal _unbondingBuckets;
    /// @dev operator => its newest bucket's epoch + 1 (0: none yet)
    mapping(address operator => uint32) internal _lastUnbondingEpoch;
    /// @dev operator => epoch of the deposits => their activation (see Activation)
    mapping(address operator => mapping(uint64 epoch => Activation)) internal _activations;
    /// @dev operator => the (at most two) epochs whose deposits are still activating, each as epoch + 1 (0: none):
    /// the older in bits 32..63, the newer in bits 0..31
    mapping(address operator => uint64) internal _activating;
    /// @dev operator => account => its deposits still activating or not yet converted to shares, at most two
    /// (the older in bits 128..255, the newer in bits 0..127), each (epoch + 1) << 96 | units
    mapping(address operator => mapping(address account => uint256)) internal _pendingDeposits;

    // ---------------------------------------------------------------------------------------------------------
    // Validator ranking: Active operators by bonded stake, top `maxValidators` kept apart
    // ---------------------------------------------------------------------------------------------------------

    ValidatorRanking.Ranking internal _ranking;
}
