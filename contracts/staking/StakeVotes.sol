// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Votes} from "@openzeppelin/contracts/governance/utils/Votes.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {IStakeVotes} from "../interfaces/IStakeVotes.sol";

/// @title Voting power of OPEN holders and stakers, for the Governor
/// @notice The Governor's vote source: OPEN votes (read from the token) plus staked votes (checkpointed here).
/// Created by the Staking contract, the only one that may change voting units: bound at construction and not
/// an AccessManager role on purpose, so that no role (not even governance) can mint votes.
/// @dev Invariants: total staked voting units == sum of accounts' units == OPEN principal bonded and not
/// unbonding in Staking. Quorum uses the OPEN supply (`getPastTotalSupply`): staked OPEN is part of that supply
/// and the Staking contract never delegates its own token votes, so nothing is counted twice.
contract StakeVotes is Votes, IStakeVotes {
    /// @inheritdoc IStakeVotes
    address public immutable token;
    /// @inheritdoc IStakeVotes
    address public immutable staking;

    mapping(address account => uint256) private _units;

    /// @param openToken the OPEN token (ERC-5805 on a timestamp clock)
    constructor(address openToken) EIP712("OpenMesh Staked Votes", "1") {
        if (keccak256(bytes(IERC5805(openToken).CLOCK_MODE())) != keccak256("mode=timestamp")) {
            revert StakeVotesClockMismatch();
        }
        token = openToken;
        staking = msg.sender;
    }

    modifier onlyStaking() {
        if (msg.sender != staking) revert StakeVotesUnauthorized(msg.sender);
        _;
    }

    /// @inheritdoc IStakeVotes
    function addVotingUnits(address account, uint256 amount) external onlyStaking {
        uint256 oldUnits = _units[account];
        if (delegates(account) == address(0)) {
            // First stake: follow the account's OPEN delegate so staking does not silence its votes.
            address tokenDelegate = IVotes(token).delegates(account);
            _delegate(account, tokenDelegate == address(0) ? account : tokenDelegate);
        }
        _units[account] = oldUnits + amount;
        _transferVotingUnits(address(0), account, amount);
        emit VotingUnitsChanged(account, oldUnits, oldUnits + amount);
    }

    /// @inheritdoc IStakeVotes
    function removeVotingUnits(address account, uint256 amount) external onlyStaking {
        uint256 oldUnits = _units[account];
        // Staking never removes more than it added (principal is tracked per position); checked arithmetic
        // would catch a bug.
        _units[account] = oldUnits - amount;
        _transferVotingUnits(account, address(0), amount);
        emit VotingUnitsChanged(account, oldUnits, oldUnits - amount);
    }

    /// @inheritdoc IStakeVotes
    function votingUnitsOf(address account) external view returns (uint256 units) {
        return _units[account];
    }

    /// @inheritdoc IStakeVotes
    function stakedVotes(address account) external view returns (uint256 votes) {
        return super.getVotes(account);
    }

    /// @inheritdoc IStakeVotes
    function pastStakedVotes(address account, uint256 timepoint) external view returns (uint256 votes) {
        return super.getPastVotes(account, timepoint);
    }

    /// @notice OPEN votes plus staked votes of an account now.
    /// @param account the delegatee
    /// @return the votes
    function getVotes(address account) public view override(Votes, IVotes) returns (uint256) {
        return IVotes(token).getVotes(account) + super.getVotes(account);
    }

    /// @notice OPEN votes plus staked votes of an account at a past time (what the Governor counts).
    /// @param account the delegatee
    /// @param timepoint a past timestamp
    /// @return the votes
    function getPastVotes(address account, uint256 timepoint) public view override(Votes, IVotes) returns (uint256) {
        return IVotes(token).getPastVotes(account, timepoint) + super.getPastVotes(account, timepoint);
    }

    /// @notice The OPEN supply at a past time: the base of quorum (staked OPEN is part of it).
    /// @param timepoint a past timestamp
    /// @return the supply
    function getPastTotalSupply(uint256 timepoint) public view override(Votes, IVotes) returns (uint256) {
        return IVotes(token).getPastTotalSupply(timepoint);
    }

    /// @notice The timestamp clock, like the OPEN token (EIP-6372).
    /// @return the current timestamp
    function clock() public view override(Votes, IERC6372) returns (uint48) {
        return Time.timestamp();
    }

    /// @notice Describes the clock (EIP-6372).
    /// @return the clock mode
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override(Votes, IERC6372) returns (string memory) {
        return "mode=timestamp";
    }

    function _getVotingUnits(address account) internal view override returns (uint256) {
        return _units[account];
    }
}
