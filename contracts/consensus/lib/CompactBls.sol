// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title BLS12-381 points in their compact calldata form, and the pieces of one aggregate verification
/// @notice Certificates carry points as EIP-2537 encodings without the padding: each Fp element is its 48-byte
/// big-endian value, not 16 zero bytes + 48 bytes. G1 = x || y (96 bytes); G2 = x.c0 || x.c1 || y.c0 || y.c1 (192
/// bytes). The padding is all zeros in every valid EIP-2537 encoding, so the two forms map one to one; dropping it
/// saves 16 bytes of calldata per element. These helpers write the EIP-2537 form into memory for the precompiles
/// (and for hashing: validator leaves commit to keccak256 of the 256-byte EIP-2537 key).
/// @dev Memory addresses are raw pointers owned by the caller. A 48-byte value of p or more is not rejected here: the
/// precompiles reject it (BLS12381's rules: bounded gas, exact output size, failure reverts).
library CompactBls {
    /// @notice Compact G1 point length (2 x 48 bytes).
    uint256 internal constant G1_LENGTH = 96;
    /// @notice Compact G2 point length (4 x 48 bytes).
    uint256 internal constant G2_LENGTH = 192;

    // The field modulus p as the two words of its EIP-2537 encoding: high 128 bits, low 256 bits.
    uint256 private constant P_HI = 0x1a0111ea397fe69a4b1ba7b6434bacd7;
    uint256 private constant P_LO = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;

    /// @notice Whether a compact G1 point is all zeros: the point at infinity.
    /// @param point 96 bytes of calldata (length checked by the caller)
    /// @return zero whether every byte is zero
    function isZeroG1(bytes calldata point) internal pure returns (bool zero) {
        assembly ("memory-safe") {
            let p := point.offset
            zero := iszero(or(or(calldataload(p), calldataload(add(p, 0x20))), calldataload(add(p, 0x40))))
        }
    }

    /// @notice Whether a compact G2 point is all zeros: the point at infinity.
    /// @param point 192 bytes of calldata (length checked by the caller)
    /// @return zero whether every byte is zero
    function isZeroG2(bytes calldata point) internal pure returns (bool zero) {
        assembly ("memory-safe") {
            let p := point.offset
            let acc := or(or(calldataload(p), calldataload(add(p, 0x20))), calldataload(add(p, 0x40)))
            acc := or(acc, or(or(calldataload(add(p, 0x60)), calldataload(add(p, 0x80))), calldataload(add(p, 0xa0))))
            zero := iszero(acc)
        }
    }

    /// @notice Writes the 256-byte EIP-2537 form of a compact G2 point at `dst`.
    /// @param dst memory address (256 bytes)
    /// @param point 192 bytes of calldata (length checked by the caller)
    function expandG2(uint256 dst, bytes calldata point) internal pure {
        assembly ("memory-safe") {
            let src := point.offset
            mstore(dst, 0)
            calldatacopy(add(dst, 0x10), src, 0x30)
            mstore(add(dst, 0x40), 0)
            calldatacopy(add(dst, 0x50), add(src, 0x30), 0x30)
            mstore(add(dst, 0x80), 0)
            calldatacopy(add(dst, 0x90), add(src, 0x60), 0x30)
            mstore(add(dst, 0xc0), 0)
            calldatacopy(add(dst, 0xd0), add(src, 0x90), 0x30)
        }
    }

    /// @notice Zeroes the 16 padding bytes before each of the 4 field elements of a 256-byte G2 slot at `ptr`, so that
    /// copying only the 48 value bytes of each element (as a loop over compact keys does) writes EIP-2537 points.
    /// @param ptr memory address of the slot
    function zeroG2Padding(uint256 ptr) internal pure {
        assembly ("memory-safe") {
            mstore(ptr, 0)
            mstore(add(ptr, 0x40), 0)
            mstore(add(ptr, 0x80), 0)
            mstore(add(ptr, 0xc0), 0)
        }
    }

    /// @notice Negates the EIP-2537 G2 point at `ptr` in place: y.c0 and y.c1 become p - y (zero stays zero).
    /// @dev Meant for a canonical point (each coordinate < p), e.g. one authenticated by its hash; a non-canonical y
    /// wraps into nonzero padding, which the precompiles reject.
    /// @param ptr memory address of a 256-byte G2 encoding
    function negateG2(uint256 ptr) internal pure {
        assembly ("memory-safe") {
            // p - value on (128 + 256)-bit words; the borrow moves from the low word to the high word.
            function negateFp(fp) {
                let hi := mload(fp)
                let lo := mload(add(fp, 0x20))
                if or(hi, lo) {
                    mstore(fp, sub(sub(P_HI, hi), gt(lo, P_LO)))
                    mstore(add(fp, 0x20), sub(P_LO, lo))
                }
            }
            negateFp(add(ptr, 0x80))
            negateFp(add(ptr, 0xc0))
        }
    }

    /// @notice Whether the 256-byte EIP-2537 G2 point at `ptr` is the point at infinity (all zeros).
    /// @param ptr memory address
    /// @return infinity whether every byte is zero
    function isInfinityG2(uint256 ptr) internal pure returns (bool infinity) {
        assembly ("memory-safe") {
            let acc := or(or(mload(ptr), mload(add(ptr, 0x20))), or(mload(add(ptr, 0x40)), mload(add(ptr, 0x60))))
            acc := or(acc, or(or(mload(add(ptr, 0x80)), mload(add(ptr, 0xa0))), mload(add(ptr, 0xc0))))
            infinity := iszero(or(acc, mload(add(ptr, 0xe0))))
        }
    }

    /// @notice Writes the first pair of a signature check at `dst`: the signature (EIP-2537 form, 128 bytes), then the
    /// G2 generator or its negation (256 bytes).
    /// @param dst memory address (384 bytes)
    /// @param signature compact G1 point, 96 bytes of calldata (length checked by the caller)
    /// @param negatedGenerator whether to write -G2 (for a pairing with the key) or G2 (with the negated key)
    function writePairingHead(uint256 dst, bytes calldata signature, bool negatedGenerator) internal pure {
        assembly ("memory-safe") {
            mstore(dst, 0)
            calldatacopy(add(dst, 0x10), signature.offset, 0x30)
            mstore(add(dst, 0x40), 0)
            calldatacopy(add(dst, 0x50), add(signature.offset, 0x30), 0x30)
            // G2 generator: x.c0, x.c1, then y.c0, y.c1 (or p - y.c0, p - y.c1).
            mstore(add(dst, 0x080), 0x024aa2b2f08f0a91260805272dc51051)
            mstore(add(dst, 0x0a0), 0xc6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8)
            mstore(add(dst, 0x0c0), 0x13e02b6052719f607dacd3a088274f65)
            mstore(add(dst, 0x0e0), 0x596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e)
            switch negatedGenerator
            case 0 {
                mstore(add(dst, 0x100), 0x0ce5d527727d6e118cc9cdc6da2e351a)
                mstore(add(dst, 0x120), 0xadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801)
                mstore(add(dst, 0x140), 0x0606c4a02ea734cc32acd2b02bc28b99)
                mstore(add(dst, 0x160), 0xcb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be)
            }
            default {
                mstore(add(dst, 0x100), 0x0d1b3cc2c7027888be51d9ef691d77bc)
                mstore(add(dst, 0x120), 0xb679afda66c73f17f9ee3837a55024f78c71363275a75d75d86bab79f74782aa)
                mstore(add(dst, 0x140), 0x13fa4d4a0ad8b1ce186ed5061789213d)
                mstore(add(dst, 0x160), 0x993923066dddaf1040bc3ff59f825c78df74f2d75467e25e0f55f8a00fa030ed)
            }
        }
    }

    /// @notice PAIRING_CHECK of two (G1, G2) pairs at `input` (768 bytes): whether the product of the pairings is 1.
    /// @dev Forwards twice the price (2 x 32,600 + 37,700); reverts `BLSPrecompileFailed(0x0f)` unless the call
    /// succeeds with 32 bytes (a malformed point, or an empty account before Prague).
    /// @param input memory address of the two pairs
    /// @return one whether the product is 1
    function pairingCheck2(uint256 input) internal view returns (bool one) {
        assembly ("memory-safe") {
            let ok := staticcall(205800, 0x0f, input, 0x300, 0x00, 0x20)
            // returndatasize() in its own statement after the call: Yul evaluates arguments right to left.
            ok := and(ok, eq(returndatasize(), 0x20))
            if iszero(ok) {
                mstore(0x00, shl(224, 0xb39793a6)) // BLSPrecompileFailed(address)
                mstore(0x04, 0x0f)
                revert(0x00, 0x24)
            }
            one := eq(mload(0x00), 1)
        }
    }
}
