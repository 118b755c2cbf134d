// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Incremental ranking of eligible operators by stake: the best `capacity` always known
/// @notice Two binary heaps in storage. `top` is a min-heap holding the best `capacity` operators (its root is
/// the weakest member), `rest` is a max-heap holding every other eligible operator (its root is the strongest
/// outsider). After every change the ranking restores:
///   |top| == min(capacity, eligible operators)  and  every key in top > every key in rest.
/// A stake change costs O(log n) storage writes (one sift, at most one exchange of roots); reading the top set
/// costs O(capacity) whatever the number n of operators. No hints from callers are needed.
/// Keys are unique (they contain the address), so the order is total and the top set is unique.
///
/// A key packs (stake, operator) into one word so one `>` compares both: higher stake ranks first, equal stakes
/// rank the lower address first. Stake must fit in 96 bits (the whole OPEN supply is below 2^90).
library ValidatorRanking {
    uint256 private constant ADDRESS_MASK = type(uint160).max;

    struct Heap {
        uint256[] keys;
        /// @dev index in `keys` + 1; zero = not in this heap
        mapping(address operator => uint256) position;
    }

    struct Ranking {
        Heap top;
        Heap rest;
    }

    /// @notice The stake does not fit in 96 bits.
    error ValidatorRankingStakeOverflow(uint256 stake);

    /// @notice The ranking key of (operator, stake).
    /// @param operator operator address
    /// @param stake its stake, < 2^96
    /// @return the key: stake in the high 96 bits, the complement of the address in the low 160 bits
    function keyOf(address operator, uint256 stake) internal pure returns (uint256) {
        if (stake >> 96 != 0) revert ValidatorRankingStakeOverflow(stake);
        return (stake << 160) | (ADDRESS_MASK - uint160(operator));
    }

    /// @notice The operator of a key.
    /// @param key a ranking key
    /// @return the operator
    function operatorOf(uint256 key) internal pure returns (address) {
        return address(uint160(ADDRESS_MASK - (key & ADDRESS_MASK)));
    }

    /// @notice The stake of a key.
    /// @param key a ranking key
    /// @return the stake
    function stakeOf(uint256 key) internal pure returns (uint256) {
        return key >> 160;
    }

    /// @notice Inserts, re-ranks or removes an operator, then restores the ranking invariant.
    /// @dev Relies on the invariant holding before the call (true after every `update` and `rebalance`); in
    /// particular |top| < capacity implies `rest` is empty. A single change can put at most the two roots out of
    /// order, which one exchange of roots repairs (each root replaced in place, no array growth or shrinkage).
    /// @param ranking the ranking
    /// @param operator the operator
    /// @param stake its current stake
    /// @param eligible whether it may be in a validator set (false removes it)
    /// @param capacity the size of the top set (at least 1)
    function update(
        Ranking storage ranking,
        address operator,
        uint256 stake,
        bool eligible,
        uint256 capacity
    ) internal {
        Heap storage top = ranking.top;
        Heap storage rest = ranking.rest;
        uint256 key = keyOf(operator, stake);
        if (top.position[operator] != 0) {
            if (!eligible) {
                _remove(top, operator, false);
                // The best outsider takes the free seat.
                if (rest.keys.length != 0) _insert(top, _pop(rest, true), false);
                return;
            }
            _set(top, operator, key, false);
        } else if (rest.position[operator] != 0) {
            if (!eligible) {
                _remove(rest, operator, true);
                return;
            }
            _set(rest, operator, key, true);
        } else {
            if (!eligible) return; // not ranked and not eligible: nothing changes
            if (top.keys.length < capacity) {
                _insert(top, key, false);
            } else if (top.keys.length != 0 && key > top.keys[0]) {
                // Takes the weakest member's seat; the weakest becomes the best outsider candidate.
                _insert(rest, _replaceRoot(top, key, false), true);
            } else {
                _insert(rest, key, true);
            }
            return;
        }
        if (top.keys.length != 0 && rest.keys.length != 0 && rest.keys[0] > top.keys[0]) {
            uint256 weakest = top.keys[0];
            _replaceRoot(top, rest.keys[0], false);
            _replaceRoot(rest, weakest, true);
        }
    }

    /// @notice Restores |top| == min(capacity, n) after a capacity change (moves |change| operators at most).
    /// @param ranking the ranking
    /// @param capacity the new size of the top set
    function rebalance(Ranking storage ranking, uint256 capacity) internal {
        Heap storage top = ranking.top;
        Heap storage rest = ranking.rest;
        while (top.keys.length > capacity) {
            _insert(rest, _pop(top, false), true);
        }
        while (top.keys.length < capacity && rest.keys.length != 0) {
            _insert(top, _pop(rest, true), false);
        }
    }

    /// @notice The top set's keys in set order: descending key (stake desc, then address asc).
    /// @dev The stored array is a min-heap: an in-place heapsort in memory (repeatedly moving the minimum to the
    /// end) leaves it in descending order in O(n log n). (A quicksort with a first-element pivot would hit its
    /// O(n^2) worst case on a heap, whose first element is the minimum.)
    /// @param ranking the ranking
    /// @return keys the ordered keys
    function topInSetOrder(Ranking storage ranking) internal view returns (uint256[] memory keys) {
        keys = ranking.top.keys;
        for (uint256 end = keys.length; end > 1;) {
            --end;
            uint256 last = keys[end];
            keys[end] = keys[0];
            // Sift `last` down from the root within keys[0 .. end).
            uint256 index = 0;
            while (true) {
                uint256 child = 2 * index + 1;
                if (child >= end) break;
                if (child + 1 < end && keys[child + 1] < keys[child]) ++child;
                if (keys[child] >= last) break;
                keys[index] = keys[child];
                index = child;
            }
            keys[index] = last;
        }
    }

    /// @notice Whether the operator is in the top set.
    /// @param ranking the ranking
    /// @param operator the operator
    /// @return whether it is a member
    function inTop(Ranking storage ranking, address operator) internal view returns (bool) {
        return ranking.top.position[operator] != 0;
    }

    /// @notice Whether the operator is ranked at all (top set or rest).
    /// @param ranking the ranking
    /// @param operator the operator
    /// @return whether it is ranked
    function contains(Ranking storage ranking, address operator) internal view returns (bool) {
        return ranking.top.position[operator] != 0 || ranking.rest.position[operator] != 0;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Binary heap in storage. `isMax` picks the order: a max-heap keeps its largest key at the root.
    // ---------------------------------------------------------------------------------------------------------

    function _insert(Heap storage heap, uint256 key, bool isMax) private {
        heap.keys.push(key);
        _siftUp(heap, heap.keys.length - 1, key, isMax);
    }

    function _pop(Heap storage heap, bool isMax) private returns (uint256 root) {
        root = heap.keys[0];
        _removeAt(heap, 0, isMax);
        delete heap.position[operatorOf(root)];
    }

    function _remove(Heap storage heap, address operator, bool isMax) private {
        uint256 index = heap.position[operator] - 1;
        _removeAt(heap, index, isMax);
        delete heap.position[operator];
    }

    /// @dev Puts `key` at the root in place of the current root, which is returned (and leaves this heap).
    function _replaceRoot(Heap storage heap, uint256 key, bool isMax) private returns (uint256 root) {
        root = heap.keys[0];
        delete heap.position[operatorOf(root)];
        _siftDown(heap, 0, key, isMax);
    }

    /// @dev Moves the last key into `index` and restores the heap order around it.
    function _removeAt(Heap storage heap, uint256 index, bool isMax) private {
        uint256 lastIndex = heap.keys.length - 1;
        uint256 last = heap.keys[lastIndex];
        heap.keys.pop();
        if (index == lastIndex) return;
        uint256 removed = heap.keys[index];
        if (_above(last, removed, isMax)) _siftUp(heap, index, last, isMax);
        else _siftDown(heap, index, last, isMax);
    }

    function _set(Heap storage heap, address operator, uint256 key, bool isMax) private {
        uint256 index = heap.position[operator] - 1;
        uint256 old = heap.keys[index];
        if (_above(key, old, isMax)) _siftUp(heap, index, key, isMax);
        else _siftDown(heap, index, key, isMax);
    }

    /// @dev Places `key` at `index` or above, moving weaker parents down.
    function _siftUp(Heap storage heap, uint256 index, uint256 key, bool isMax) private {
        while (index != 0) {
            uint256 parentIndex = (index - 1) / 2;
            uint256 parent = heap.keys[parentIndex];
            if (!_above(key, parent, isMax)) break;
            _place(heap, index, parent);
            index = parentIndex;
        }
        _place(heap, index, key);
    }

    /// @dev Places `key` at `index` or below, moving stronger children up.
    function _siftDown(Heap storage heap, uint256 index, uint256 key, bool isMax) private {
        uint256 length = heap.keys.length;
        while (true) {
            uint256 childIndex = 2 * index + 1;
            if (childIndex >= length) break;
            uint256 child = heap.keys[childIndex];
            if (childIndex + 1 < length) {
                uint256 right = heap.keys[childIndex + 1];
                if (_above(right, child, isMax)) {
                    childIndex += 1;
                    child = right;
                }
            }
            if (!_above(child, key, isMax)) break;
            _place(heap, index, child);
            index = childIndex;
        }
        _place(heap, index, key);
    }

    function _place(Heap storage heap, uint256 index, uint256 key) private {
        heap.keys[index] = key;
        heap.position[operatorOf(key)] = index + 1;
    }

    /// @dev Whether `a` belongs above `b`. Keys are unique (they contain the address), so no ties.
    function _above(uint256 a, uint256 b, bool isMax) private pure returns (bool) {
        return isMax ? a > b : a < b;
    }
}
