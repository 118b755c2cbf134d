// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ICheckpointStore} from "../interfaces/ICheckpointStore.sol";
import {IEvidenceHandler} from "../interfaces/IEvidenceHandler.sol";
import {IOperatorRegistryTypes} from "../interfaces/IOperatorRegistry.sol";
import {IStaking, IStakingTypes} from "../interfaces/IStaking.sol";
import {IValidatorSet} from "../interfaces/IValidatorSet.sol";
import {CheckpointLeaves} from "./CheckpointLeaves.sol";

/// @title Evidence handler: turns proven misbehaviour into slashing
/// @notice Holds the slasher role on the staking contract. Three paths, each usable by anyone and each at most
/// once per offence (Cosmos `x/evidence` + `x/slashing`):
/// - double-sign: two conflicting votes of one validator for the same (type, epoch, height, round) -> slash the
///   double-sign fraction (default 5%) of its frozen-set stake and tombstone; the reporter gets `bountyWad` of
///   the slashed amount from this contract's bounty fund (as much as it holds). A tombstoned operator is never
///   slashed again: later evidence of the same incident (or any other) reverts and pays nothing;
/// - downtime: a certified liveness record showing fewer than `minSignedPercent` of the last `window` heights
///   signed -> slash the downtime fraction (default 1%) and jail. The offence is the window (signer, the
///   header's height as its last height); windows of one signer that overlap a punished one are refused;
/// - fault: a certified faults-root leaf -> slash the fault fraction (default 2%) and jail, once per (signer,
///   kind, epoch): the same fault reported by several verifiers is one offence.
/// Evidence is refused once its epoch started `unbondingPeriod` ago or more (the stake that backed it may have
/// left), and nothing is done against a tombstoned operator.
contract EvidenceHandler is IEvidenceHandler, AccessManaged, ReentrancyGuard {
    using SafeERC20 for IERC20;

    uint256 public constant MAX_BOUNTY_WAD = 0.5e18;
    /// @notice Keepers track liveness as one bit per height: the window fits a 256-bit word.
    uint64 public constant MAX_DOWNTIME_WINDOW = 256;

    IStaking public immutable staking;
    IValidatorSet public immutable validatorSets;
    ICheckpointStore public immutable checkpoints;
    IERC20 public immutable token;

    uint64 public downtimeWindow;
    uint64 public minSignedPercent;
    uint256 public bountyWad;
    /// @dev porRules(), packed in one word
    uint8 private _porVerifiers;
    uint8 private _porQuorum;
    uint8 private _porTolerancePct;

    /// @notice Offences already punished, by evidence key.
    mapping(bytes32 evidenceKey => bool) public used;
    /// @notice Per signer, the last height of the last downtime window punished (0: none).
    mapping(address signer => uint64 height) public lastDowntimeHeight;

    /// @param staking_ the staking contract (slash, jail, tombstone, operatorOf)
    /// @param validatorSets_ the validator set manager (membership proofs)
    /// @param checkpoints_ the checkpoint store (certified headers, vote digests)
    /// @param token_ OPEN, for bounties
    /// @param authority the AccessManager
    constructor(
        IStaking staking_,
        IValidatorSet validatorSets_,
        ICheckpointStore checkpoints_,
        IERC20 token_,
        address authority
    ) AccessManaged(authority) {
        staking = staking_;
        validatorSets = validatorSets_;
        checkpoints = checkpoints_;
        token = token_;
        _setDowntimeRule(100, 50);
        _setBounty(0.1e18);
        _setPorRules(3, 2, 20);
    }

    /// @inheritdoc IEvidenceHandler
    function submitDoubleSign(DoubleSignEvidence calldata ev) external nonReentrant {
        SignedVote calldata a = ev.first;
        SignedVote calldata b = ev.second;
        if (a.voteType != b.voteType || a.epoch != b.epoch || a.height != b.height || a.round != b.round) {
            revert EvidenceVotesNotComparable();
        }
        if (a.valueHash == b.valueHash) revert EvidenceSameValue(a.valueHash);
        address signer = ev.validator.signer;
        _requireSignedBy(a, signer);
        _requireSignedBy(b, signer);
        bool member = validatorSets.verifyValidator(a.epoch, ev.validator.index, signer, ev.validator.stake, ev.proof);
        if (!member) revert EvidenceNotAValidator(a.epoch, signer);

        bytes32 key = keccak256(abi.encode("double-sign", signer, a.voteType, a.epoch, a.height, a.round));
        _use(key);
        address operator = _punishable(signer, a.epoch);
        uint256 slashed = staking.slash(
            operator,
            staking.slashFractionWad(IStakingTypes.SlashReason.DoubleSign),
            IStakingTypes.SlashReason.DoubleSign,
            a.epoch,
            ev.validator.stake
        );
        staking.tombstone(operator);

        uint256 bounty = (slashed * bountyWad) / 1e18;
        uint256 fund = token.balanceOf(address(this));
        if (bounty > fund) bounty = fund;
        emit DoubleSignPunished(operator, signer, a.epoch, a.height, a.round, slashed, msg.sender, bounty);
        if (bounty > 0) token.safeTransfer(msg.sender, bounty);
    }

    /// @inheritdoc IEvidenceHandler
    function proveDowntime(
        Header calldata header,
        LivenessLeaf calldata leaf,
        bytes32[] calldata proof
    ) external nonReentrant {
        checkpoints.requireCertified(header);
        bytes32 node = CheckpointLeaves.liveness(leaf.signer, leaf.signedHeights, leaf.missedHeights);
        if (!MerkleProof.verifyCalldata(proof, header.livenessRoot, node)) revert EvidenceInvalidProof();
        uint256 counted = uint256(leaf.signedHeights) + leaf.missedHeights;
        // A full window is required: one missed height early on is never downtime.
        if (counted < downtimeWindow || uint256(leaf.signedHeights) * 100 >= uint256(minSignedPercent) * counted) {
            revert EvidenceNotDown(leaf.signedHeights, leaf.missedHeights);
        }
        _use(keccak256(abi.encode("downtime", leaf.signer, header.height)));
        uint64 last = lastDowntimeHeight[leaf.signer];
        // The window ending at `header.height` must not share a height with the one punished last.
        uint64 next = last + downtimeWindow;
        if (last != 0 && header.height < next) revert EvidenceDowntimeWindowOverlap(leaf.signer, header.height, next);
        lastDowntimeHeight[leaf.signer] = header.height;
        address operator = _punishable(leaf.signer, header.epoch);
        // Jailed: already out of every set frozen from now on; it stays in the current epoch's frozen set and
        // keeps missing, which is the same absence (Cosmos does not count a jailed validator's missed blocks).
        if (staking.statusOf(operator) == IOperatorRegistryTypes.OperatorStatus.Jailed) {
            revert EvidenceOperatorJailed(operator);
        }
        uint256 slashed = staking.slash(
            operator,
            staking.slashFractionWad(IStakingTypes.SlashReason.Downtime),
            IStakingTypes.SlashReason.Downtime,
            header.epoch,
            0
        );
        staking.jail(operator);
        emit DowntimePunished(operator, header.epoch, leaf.signedHeights, leaf.missedHeights, slashed);
    }

    /// @inheritdoc IEvidenceHandler
    function proveFault(
        Header calldata header,
        FaultLeaf calldata leaf,
        bytes32[] calldata proof
    ) external nonReentrant {
        checkpoints.requireCertified(header);
        bytes32 node = CheckpointLeaves.fault(leaf.signer, leaf.kind, leaf.detailsHash);
        if (!MerkleProof.verifyCalldata(proof, header.faultsRoot, node)) revert EvidenceInvalidProof();
        _use(keccak256(abi.encode("fault", leaf.signer, leaf.kind, header.epoch)));
        address operator = _punishable(leaf.signer, header.epoch);
        uint256 slashed = staking.slash(
            operator,
            staking.slashFractionWad(IStakingTypes.SlashReason.Fault),
            IStakingTypes.SlashReason.Fault,
            header.epoch,
            0
        );
        staking.jail(operator);
        emit FaultPunished(operator, leaf.kind, leaf.detailsHash, slashed);
    }

    /// @inheritdoc IEvidenceHandler
    function setDowntimeRule(uint64 window, uint64 minSignedPercent_) external restricted {
        _setDowntimeRule(window, minSignedPercent_);
    }

    /// @inheritdoc IEvidenceHandler
    function setPorRules(uint8 verifiers, uint8 quorum, uint8 faultTolerancePct) external restricted {
        _setPorRules(verifiers, quorum, faultTolerancePct);
    }

    /// @inheritdoc IEvidenceHandler
    function porRules() external view returns (uint8, uint8, uint8) {
        return (_porVerifiers, _porQuorum, _porTolerancePct);
    }

    /// @inheritdoc IEvidenceHandler
    function setBounty(uint256 value) external restricted {
        _setBounty(value);
    }

    function _requireSignedBy(SignedVote calldata v, address signer) private view {
        bytes32 digest = checkpoints.voteDigest(v.voteType, v.epoch, v.height, v.round, v.valueHash);
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, v.signature);
        if (err != ECDSA.RecoverError.NoError || recovered != signer) revert EvidenceWrongSigner(recovered, signer);
    }

    function _operatorOf(address signer) private view returns (address operator) {
        operator = staking.operatorOf(signer);
        if (operator == address(0)) revert EvidenceUnknownSigner(signer);
    }

    /// @dev The operator of `signer`, if evidence of `epoch` may still punish it: not too old (its epoch started
    /// less than `unbondingPeriod` ago, so every stake that backed it is still bonded or unbonding) and not
    /// tombstoned (a tombstoned operator was punished for good, Cosmos' rule).
    function _punishable(address signer, uint64 epoch) private view returns (address operator) {
        operator = _operatorOf(signer);
        uint64 start = validatorSets.epochInfo(epoch).startTime;
        uint64 maxAge = staking.unbondingPeriod();
        if (block.timestamp >= uint256(start) + maxAge) revert EvidenceTooOld(epoch, start, maxAge);
        if (staking.statusOf(operator) == IOperatorRegistryTypes.OperatorStatus.Tombstoned) {
            revert EvidenceOperatorTombstoned(operator);
        }
    }

    function _use(bytes32 key) private {
        if (used[key]) revert EvidenceAlreadyUsed(key);
        used[key] = true;
    }

    function _setDowntimeRule(uint64 window, uint64 minSignedPercent_) private {
        if (window == 0 || window > MAX_DOWNTIME_WINDOW || minSignedPercent_ == 0 || minSignedPercent_ > 100) {
            revert EvidenceInvalidDowntimeRule(window, minSignedPercent_);
        }
        downtimeWindow = window;
        minSignedPercent = minSignedPercent_;
        emit DowntimeRuleSet(window, minSignedPercent_);
    }

    /// @dev A quorum of a majority: a minority of an operator's verifiers cannot make a leaf on their own.
    function _setPorRules(uint8 verifiers, uint8 quorum, uint8 tolerancePct) private {
        if (
            verifiers == 0 ||
            verifiers > 16 ||
            quorum > verifiers ||
            2 * uint256(quorum) <= verifiers ||
            tolerancePct > 50
        ) {
            revert EvidenceInvalidPorRule(verifiers, quorum, tolerancePct);
        }
        (_porVerifiers, _porQuorum, _porTolerancePct) = (verifiers, quorum, tolerancePct);
        emit PorRulesSet(verifiers, quorum, tolerancePct);
    }

    function _setBounty(uint256 value) private {
        if (value > MAX_BOUNTY_WAD) revert EvidenceBountyTooHigh(value, MAX_BOUNTY_WAD);
        bountyWad = value;
        emit BountySet(value);
    }
}
