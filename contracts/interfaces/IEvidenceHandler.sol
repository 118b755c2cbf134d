// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICheckpointTypes} from "./ICheckpointTypes.sol";

/// @title Evidence of misbehaviour: double-signing, downtime and certified faults, each leading to a slash
interface IEvidenceHandler is ICheckpointTypes {
    /// @notice One signed consensus vote (EIP-712 over the checkpoint store's domain).
    struct SignedVote {
        uint8 voteType;
        uint64 epoch;
        uint64 height;
        uint32 round;
        bytes32 valueHash;
        bytes signature;
    }

    /// @notice Two conflicting votes of one validator, and its membership in the epoch's set.
    struct DoubleSignEvidence {
        SignedVote first;
        SignedVote second;
        ValidatorLeaf validator;
        bytes32[] proof;
    }

    /// @notice A validator's liveness over the sliding window, as certified in a header's livenessRoot.
    struct LivenessLeaf {
        address signer;
        uint64 signedHeights;
        uint64 missedHeights;
    }

    /// @notice A fault found by peers, as certified in a header's faultsRoot.
    struct FaultLeaf {
        address signer;
        uint8 kind;
        bytes32 detailsHash;
    }

    /// @notice A double-sign was proven: the operator is slashed and tombstoned.
    event DoubleSignPunished(
        address indexed operator,
        address indexed signer,
        uint64 epoch,
        uint64 height,
        uint32 round,
        uint256 slashed,
        address indexed reporter,
        uint256 bounty
    );
    /// @notice Downtime was proven: the operator is slashed and jailed.
    event DowntimePunished(
        address indexed operator,
        uint64 indexed epoch,
        uint64 signedHeights,
        uint64 missedHeights,
        uint256 slashed
    );
    /// @notice A certified fault was proven: the operator is slashed and jailed.
    event FaultPunished(address indexed operator, uint8 kind, bytes32 detailsHash, uint256 slashed);
    /// @notice Governance changed the downtime rule.
    event DowntimeRuleSet(uint64 window, uint64 minSignedPercent);
    /// @notice Governance changed the Proof-of-Resource rules (docs/por.md).
    event PorRulesSet(uint8 verifiers, uint8 quorum, uint8 faultTolerancePct);
    /// @notice Governance changed the reporter bounty.
    event BountySet(uint256 bountyWad);

    /// @notice The two votes differ in type, epoch, height or round.
    error EvidenceVotesNotComparable();
    /// @notice The two votes are for the same value: no equivocation.
    error EvidenceSameValue(bytes32 valueHash);
    /// @notice A vote's signature does not recover to the validator's signer.
    error EvidenceWrongSigner(address recovered, address expected);
    /// @notice The validator is not a member of the epoch's set.
    error EvidenceNotAValidator(uint64 epoch, address signer);
    /// @notice The same misbehaviour was already punished.
    error EvidenceAlreadyUsed(bytes32 evidenceKey);
    /// @notice The signer has no registered operator.
    error EvidenceUnknownSigner(address signer);
    /// @notice The leaf is not in the header's root.
    error EvidenceInvalidProof();
    /// @notice The liveness record does not meet the downtime rule.
    error EvidenceNotDown(uint64 signedHeights, uint64 missedHeights);
    /// @notice A downtime rule outside its bounds.
    error EvidenceInvalidDowntimeRule(uint64 window, uint64 minSignedPercent);
    /// @notice PoR rules out of bounds: 1..16 verifiers, a quorum that is a majority of them, tolerance 0..50%.
    error EvidenceInvalidPorRule(uint8 verifiers, uint8 quorum, uint8 faultTolerancePct);
    /// @notice Evidence of an epoch that started `maxAge` (the unbonding period) ago or more.
    error EvidenceTooOld(uint64 epoch, uint64 epochStart, uint64 maxAge);
    /// @notice The operator is tombstoned: it was punished for good and is never slashed again.
    error EvidenceOperatorTombstoned(address operator);
    /// @notice Downtime of an operator that is jailed: its absence is already being punished.
    error EvidenceOperatorJailed(address operator);
    /// @notice A downtime window overlapping the last punished window of the signer (it must end at `minHeight`
    /// or later).
    error EvidenceDowntimeWindowOverlap(address signer, uint64 height, uint64 minHeight);
    /// @notice A bounty above the cap.
    error EvidenceBountyTooHigh(uint256 value, uint256 maximum);

    /// @notice Punishes a double-sign: two different values signed for the same (type, epoch, height, round).
    /// @param evidence the two votes and the validator's set membership proof
    function submitDoubleSign(DoubleSignEvidence calldata evidence) external;

    /// @notice Punishes downtime certified in `header.livenessRoot` (signed < minSignedPercent of the window).
    /// The offence is the window ending at `header.height`; a window overlapping the signer's last punished one
    /// reverts `EvidenceDowntimeWindowOverlap`.
    /// @param header a certified header
    /// @param leaf the validator's liveness record
    /// @param proof proof of the leaf against header.livenessRoot
    function proveDowntime(Header calldata header, LivenessLeaf calldata leaf, bytes32[] calldata proof) external;

    /// @notice Punishes a fault certified in `header.faultsRoot`, once per (signer, kind, header epoch): the same
    /// fault reported by several verifiers (leaves with other details) is one offence.
    /// @param header a certified header
    /// @param leaf the fault
    /// @param proof proof of the leaf against header.faultsRoot
    function proveFault(Header calldata header, FaultLeaf calldata leaf, bytes32[] calldata proof) external;

    /// @notice Sets the downtime rule (governance).
    /// @param window heights counted, 1..256
    /// @param minSignedPercent a validator that signed fewer than this percent of the window is down, 1..100
    function setDowntimeRule(uint64 window, uint64 minSignedPercent) external;

    /// @notice Sets the Proof-of-Resource rules keepers apply from the next epoch start on (governance): how many
    /// verifiers challenge each operator per epoch, how many of their reports a porRoot leaf needs, and how far
    /// below its claim (percent) a proven measure may stay before two such epochs in a row are a fault.
    /// @param verifiers 1..16
    /// @param quorum more than half of `verifiers`, at most `verifiers`
    /// @param faultTolerancePct 0..50
    function setPorRules(uint8 verifiers, uint8 quorum, uint8 faultTolerancePct) external;

    /// @notice The Proof-of-Resource rules in force (keepers read them at each epoch's start block).
    /// @return verifiers verifiers per operator per epoch
    /// @return quorum reports a porRoot leaf needs
    /// @return faultTolerancePct how far below its claim a measure may be proven without a below-claim fault
    function porRules() external view returns (uint8 verifiers, uint8 quorum, uint8 faultTolerancePct);

    /// @notice Sets the reporter bounty of a double-sign, as a fraction of the slashed amount (governance).
    /// @param value WAD, at most MAX_BOUNTY_WAD
    function setBounty(uint256 value) external;
}
