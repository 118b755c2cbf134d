// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IBLS12381Errors} from "../interfaces/IBLS12381Errors.sol";

/// @title BLS signatures over BLS12-381 with the EIP-2537 precompiles (signatures in G1, public keys in G2)
/// @notice Points are `bytes memory` in EIP-2537 encoding: an Fp element is 64 bytes (16 zero bytes, then the
/// 48-byte big-endian value); G1 = x || y (128 bytes); G2 = x.c0 || x.c1 || y.c0 || y.c1 (256 bytes).
/// The point at infinity is the all-zero encoding.
///
/// Scheme: the proof-of-possession scheme of draft-irtf-cfrg-bls-signature, in its "minimal signature size"
/// variant, with domain tags of our own. A message is hashed to G1 with RFC 9380
/// BLS12381G1_XMD:SHA-256_SSWU_RO_; sig = sk * H(m); the key is pk = sk * G2. A proof of possession signs the
/// 256-byte EIP-2537 encoding of the key under POP_DST. The keeper side (`keeper/src/crypto/bls.ts`)
/// produces the same bytes.
///
/// Security rules this library enforces (see TOOLCHAIN.md "BLS12-381 on chain"):
/// - signatures and keys at infinity are rejected (an all-zero signature with an all-zero key pairs to 1);
/// - every precompile call forwards a bounded amount of gas, and must succeed and return exactly the expected
///   number of bytes (before Prague the addresses are empty accounts whose calls "succeed" with no data);
/// - a malformed point (coordinate >= p, off the curve, outside the subgroup) makes the precompile fail, which
///   reverts with `BLSPrecompileFailed`: it never verifies.
/// G1ADD/G2ADD do not check subgroup membership: keys must be proven (verifyProofOfPossession, whose pairing
/// checks the subgroup) before they are summed into an aggregate key.
library BLS12381 {
    /// @notice Domain tag of signatures over protocol messages.
    bytes internal constant SIG_DST = "OPENMESH_BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_";
    /// @notice Domain tag of proofs of possession (signatures over the signer's own EIP-2537 public key).
    bytes internal constant POP_DST = "OPENMESH_BLS_POP_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_";

    uint256 internal constant G1_POINT_LENGTH = 128;
    uint256 internal constant G2_POINT_LENGTH = 256;
    /// @notice One (G1, G2) pair of a pairing-check input.
    uint256 internal constant PAIR_LENGTH = 384;

    address internal constant SHA256_PRECOMPILE = address(0x02);
    address internal constant MODEXP_PRECOMPILE = address(0x05);
    address internal constant G1ADD_PRECOMPILE = address(0x0b);
    address internal constant G2ADD_PRECOMPILE = address(0x0d);
    address internal constant PAIRING_PRECOMPILE = address(0x0f);
    address internal constant MAP_FP_TO_G1_PRECOMPILE = address(0x10);

    // Gas caps forwarded to the precompiles: twice the current price, so a future repricing still fits, while an
    // invalid input (which burns everything forwarded) costs at most the cap. Prices: G1ADD 375, G2ADD 600,
    // MAP_FP_TO_G1 5,500, PAIRING 32,600 * k + 37,700 (EIP-2537, Prague); MODEXP of our sizes 200 at Prague and
    // 500 at Osaka (EIP-2565 / EIP-7883); SHA-256 60 + 12 per word. The same caps are written as literals in the
    // assembly of `_expandMessageXmdAt` / `_mapUniformBytesToG1At`: Yul functions cannot read constants.
    uint256 private constant G1ADD_GAS_CAP = 750;
    uint256 private constant G2ADD_GAS_CAP = 1_200;
    uint256 private constant MAP_FP_TO_G1_GAS_CAP = 11_000;
    uint256 private constant PAIRING_GAS_CAP_PER_PAIR = 65_200;
    uint256 private constant PAIRING_GAS_CAP_BASE = 75_400;

    // The field modulus p as the two words of its EIP-2537 encoding: high 128 bits, low 256 bits.
    uint256 private constant P_HI = 0x1a0111ea397fe69a4b1ba7b6434bacd7;
    uint256 private constant P_LO = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;

    // ---------------------------------------------------------------------------------------------------------
    // Hash to curve
    // ---------------------------------------------------------------------------------------------------------

    /// @notice RFC 9380 hash_to_curve with suite BLS12381G1_XMD:SHA-256_SSWU_RO_.
    /// @dev expand_message_xmd with the SHA-256 precompile (a DST over 255 bytes is first hashed, RFC 9380
    /// section 5.3.3), hash_to_field by MODEXP reduction of two 64-byte values, then
    /// MAP_FP_TO_G1(u0) + MAP_FP_TO_G1(u1). The precompile's map already clears the cofactor, which is linear, so
    /// the sum equals RFC 9380's clear_cofactor(Q0 + Q1).
    /// @param message the message, any length
    /// @param dst the domain separation tag, nonempty
    /// @return point H(message), 128 bytes
    function hashToG1(bytes memory message, bytes memory dst) internal view returns (bytes memory point) {
        uint256 out;
        uint256 scratch;
        assembly ("memory-safe") {
            point := mload(0x40)
            mstore(point, 128)
            out := add(point, 0x20)
            scratch := add(point, 160)
            mstore(0x40, scratch)
        }
        _hashToG1At(message, dst, out, scratch);
    }

    /// @notice RFC 9380 expand_message_xmd with SHA-256 and len_in_bytes = 128, the uniform bytes behind hashToG1.
    /// @param message the message
    /// @param dst the domain separation tag, nonempty (over 255 bytes: hashed first, RFC 9380 section 5.3.3)
    /// @return uniform 128 bytes
    function expandMessageXmd(bytes memory message, bytes memory dst) internal view returns (bytes memory uniform) {
        uniform = _allocate(128);
        uint256 scratch;
        assembly ("memory-safe") {
            scratch := mload(0x40)
        }
        _expandMessageXmdAt(message, dst, _dataPtr(uniform), scratch);
    }

    /// @notice MAP_FP_TO_G1 of one field element (SSWU map and cofactor clearing).
    /// @param fp a 64-byte EIP-2537 field element
    /// @return point the 128-byte G1 point
    function mapFpToG1(bytes memory fp) internal view returns (bytes memory point) {
        _requireLength(fp, 64);
        point = _allocate(G1_POINT_LENGTH);
        _callPrecompile(MAP_FP_TO_G1_PRECOMPILE, MAP_FP_TO_G1_GAS_CAP, _dataPtr(fp), 64, _dataPtr(point), 128);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Signatures
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Verifies a signature: e(sig, -G2) * e(H(message), pk) == 1, one PAIRING_CHECK of two pairs.
    /// @dev Reverts on a wrong length, a key or signature at infinity, an empty DST, or a malformed point
    /// (`BLSPrecompileFailed(0x0f)`). Returns false only for a well-formed signature that does not match.
    /// @param pubkeyG2 the public key, 256 bytes
    /// @param signatureG1 the signature, 128 bytes
    /// @param message the signed message
    /// @param dst the domain separation tag the message was signed under
    /// @return valid whether the signature is valid
    function verify(
        bytes memory pubkeyG2,
        bytes memory signatureG1,
        bytes memory message,
        bytes memory dst
    ) internal view returns (bool valid) {
        _requireUsablePoint(signatureG1, G1_POINT_LENGTH);
        _requireUsablePoint(pubkeyG2, G2_POINT_LENGTH);
        uint256 input;
        assembly ("memory-safe") {
            // Pairing input: sig | -G2 | H(m) | pk.
            input := mload(0x40)
            mstore(0x40, add(input, 0x300))
            mcopy(input, add(signatureG1, 0x20), 128)
            // -G2 generator: x.c0, x.c1, -y.c0, -y.c1.
            mstore(add(input, 0x080), 0x024aa2b2f08f0a91260805272dc51051)
            mstore(add(input, 0x0a0), 0xc6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8)
            mstore(add(input, 0x0c0), 0x13e02b6052719f607dacd3a088274f65)
            mstore(add(input, 0x0e0), 0x596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e)
            mstore(add(input, 0x100), 0x0d1b3cc2c7027888be51d9ef691d77bc)
            mstore(add(input, 0x120), 0xb679afda66c73f17f9ee3837a55024f78c71363275a75d75d86bab79f74782aa)
            mstore(add(input, 0x140), 0x13fa4d4a0ad8b1ce186ed5061789213d)
            mstore(add(input, 0x160), 0x993923066dddaf1040bc3ff59f825c78df74f2d75467e25e0f55f8a00fa030ed)
            mcopy(add(input, 0x200), add(pubkeyG2, 0x20), 256)
        }
        _hashToG1At(message, dst, input + 0x180, input + 0x300);
        assembly ("memory-safe") {
            // PAIRING_CHECK of 2 pairs: price 102,900, cap twice that.
            let ok := staticcall(205800, 0x0f, input, 0x300, 0, 32)
            // returndatasize() in its own statement after the call: Yul evaluates arguments right to left.
            ok := and(ok, eq(returndatasize(), 32))
            if iszero(ok) {
                mstore(0, shl(224, 0xb39793a6)) // BLSPrecompileFailed(address)
                mstore(4, 0x0f)
                revert(0, 36)
            }
            valid := eq(mload(0), 1)
        }
    }

    /// @notice The message a proof of possession signs: the key's 256-byte encoding followed by the 20 bytes of
    /// the operator (owner) address that registers it, so a copied proof is useless from any other account.
    /// @param pubkeyG2 the public key, 256 bytes
    /// @param operator the registering operator
    /// @return message 276 bytes
    function popMessage(bytes memory pubkeyG2, address operator) internal pure returns (bytes memory message) {
        return bytes.concat(pubkeyG2, bytes20(operator));
    }

    /// @notice Verifies a proof of possession: a signature by the key over `popMessage(key, operator)` under
    /// POP_DST.
    /// @dev The pairing also checks that the key is in the G2 subgroup, so a key that passes is safe to aggregate.
    /// @param pubkeyG2 the public key, 256 bytes
    /// @param popG1 the proof, a 128-byte G1 signature
    /// @param operator the operator the proof was made for
    /// @return valid whether the proof is valid
    function verifyProofOfPossession(
        bytes memory pubkeyG2,
        bytes memory popG1,
        address operator
    ) internal view returns (bool valid) {
        return verify(pubkeyG2, popG1, popMessage(pubkeyG2, operator), POP_DST);
    }

    /// @notice PAIRING_CHECK over concatenated (G1, G2) pairs: whether the product of the pairings is 1.
    /// @dev A raw helper: points at infinity are accepted here (they contribute 1), callers reject them. Malformed
    /// points revert with `BLSPrecompileFailed(0x0f)`.
    /// @param input k pairs of 384 bytes (k >= 1)
    /// @return ok whether the product equals 1
    function pairingCheck(bytes memory input) internal view returns (bool ok) {
        uint256 length = input.length;
        if (length == 0 || length % PAIR_LENGTH != 0) revert IBLS12381Errors.BLSInvalidPairingInputLength(length);
        return _pairingAt(_dataPtr(input), length);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Group arithmetic
    // ---------------------------------------------------------------------------------------------------------

    /// @notice a + b in G1 (no subgroup check: G1ADD only checks that points are on the curve).
    /// @param a 128 bytes
    /// @param b 128 bytes
    /// @return sum 128 bytes
    function addG1(bytes memory a, bytes memory b) internal view returns (bytes memory sum) {
        return _add(a, b, G1_POINT_LENGTH, G1ADD_PRECOMPILE, G1ADD_GAS_CAP);
    }

    /// @notice a + b in G2 (no subgroup check: G2ADD only checks that points are on the curve).
    /// @param a 256 bytes
    /// @param b 256 bytes
    /// @return sum 256 bytes
    function addG2(bytes memory a, bytes memory b) internal view returns (bytes memory sum) {
        return _add(a, b, G2_POINT_LENGTH, G2ADD_PRECOMPILE, G2ADD_GAS_CAP);
    }

    /// @notice The sum of n packed G1 points (n >= 1), e.g. an aggregate signature.
    /// @param packed n * 128 bytes
    /// @return sum 128 bytes
    function sumG1(bytes memory packed) internal view returns (bytes memory sum) {
        return _sum(_dataPtr(packed), packed.length, G1_POINT_LENGTH, G1ADD_PRECOMPILE, G1ADD_GAS_CAP, false);
    }

    /// @notice The sum of n packed G2 points (n >= 1), e.g. an aggregate public key.
    /// @param packed n * 256 bytes
    /// @return sum 256 bytes
    function sumG2(bytes memory packed) internal view returns (bytes memory sum) {
        return _sum(_dataPtr(packed), packed.length, G2_POINT_LENGTH, G2ADD_PRECOMPILE, G2ADD_GAS_CAP, false);
    }

    /// @notice sumG2 reading the keys straight from calldata, without copying the whole list to memory first.
    /// @param packed n * 256 bytes in calldata
    /// @return sum 256 bytes
    function sumG2Calldata(bytes calldata packed) internal view returns (bytes memory sum) {
        uint256 offset;
        assembly ("memory-safe") {
            offset := packed.offset
        }
        return _sum(offset, packed.length, G2_POINT_LENGTH, G2ADD_PRECOMPILE, G2ADD_GAS_CAP, true);
    }

    /// @notice -P in G1 (infinity stays infinity).
    /// @param point 128 bytes
    /// @return negated 128 bytes
    function negateG1(bytes memory point) internal pure returns (bytes memory negated) {
        _requireLength(point, G1_POINT_LENGTH);
        negated = _copy(point);
        _negateFpAt(_dataPtr(negated) + 64);
    }

    /// @notice -P in G2 (infinity stays infinity).
    /// @param point 256 bytes
    /// @return negated 256 bytes
    function negateG2(bytes memory point) internal pure returns (bytes memory negated) {
        _requireLength(point, G2_POINT_LENGTH);
        negated = _copy(point);
        uint256 data = _dataPtr(negated);
        _negateFpAt(data + 128);
        _negateFpAt(data + 192);
    }

    /// @notice Whether every byte is zero: EIP-2537's only encoding of the point at infinity.
    /// @dev The length is not checked; an empty input counts as infinity, so callers that reject infinity also
    /// reject it.
    /// @param point a G1 or G2 encoding
    /// @return infinity whether the point is the point at infinity
    function isInfinity(bytes memory point) internal pure returns (bool infinity) {
        assembly ("memory-safe") {
            let length := mload(point)
            let data := add(point, 0x20)
            let acc := 0
            let fullWords := and(length, not(31))
            for {
                let i := 0
            } lt(i, fullWords) {
                i := add(i, 32)
            } {
                acc := or(acc, mload(add(data, i)))
            }
            let rest := sub(length, fullWords)
            if rest {
                // Keep only the `rest` leading bytes of the last partial word.
                acc := or(acc, shr(sub(256, shl(3, rest)), mload(add(data, fullWords))))
            }
            infinity := iszero(acc)
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Writes H(message) (128 bytes) at `out`; uses memory from `scratch` up as temporary space (past the free
    /// memory pointer, never allocated). In assembly: 14.9k gas for a 32-byte message at Prague against ~18.3k for
    /// the same steps in plain Solidity (TOOLCHAIN.md); the precompiles alone cost ~13.2k.
    function _hashToG1At(bytes memory message, bytes memory dst, uint256 out, uint256 scratch) private view {
        _expandMessageXmdAt(message, dst, scratch, scratch + 128);
        _mapUniformBytesToG1At(scratch, out, scratch + 128);
    }

    /// @dev RFC 9380 expand_message_xmd with SHA-256 and len_in_bytes = 128 (two 64-byte field elements, ell = 4):
    /// writes b_1 || b_2 || b_3 || b_4 at `out`, using memory from `scratch` up.
    function _expandMessageXmdAt(bytes memory message, bytes memory dst, uint256 out, uint256 scratch) private view {
        if (dst.length == 0) revert IBLS12381Errors.BLSEmptyDomainTag();
        if (dst.length > 255) {
            dst = _hashOversizeDst(dst, scratch);
            scratch += 64;
        }
        assembly ("memory-safe") {
            let msgLength := mload(message)
            let dstLength := mload(dst)

            // b_0 = H(Z_pad(64) || msg || I2OSP(128, 2) || I2OSP(0, 1) || DST || I2OSP(len(DST), 1))
            mstore(scratch, 0)
            mstore(add(scratch, 32), 0)
            mcopy(add(scratch, 64), add(message, 0x20), msgLength)
            let dstPrime := add(add(scratch, 67), msgLength)
            mstore(sub(dstPrime, 3), shl(232, 0x008000))
            mcopy(dstPrime, add(dst, 0x20), dstLength)
            mstore8(add(dstPrime, dstLength), dstLength)
            let n := add(add(msgLength, 68), dstLength)
            // Gas caps: twice the SHA-256 price, 60 + 12 per 32-byte word.
            let ok := staticcall(shl(1, add(60, mul(12, shr(5, add(n, 31))))), 0x02, scratch, n, 0, 32)
            // returndatasize() after each call in its own statement: Yul evaluates arguments right to left.
            ok := and(ok, eq(returndatasize(), 32))
            let b0 := mload(0)

            // b_i = H(strxor(b_0, b_(i-1)) || I2OSP(i, 1) || DST_prime), built in place right before DST_prime.
            let buf := sub(dstPrime, 33)
            n := add(dstLength, 34)
            let cap := shl(1, add(60, mul(12, shr(5, add(n, 31)))))
            mstore(buf, b0)
            mstore8(add(buf, 32), 1)
            ok := and(ok, staticcall(cap, 0x02, buf, n, out, 32))
            ok := and(ok, eq(returndatasize(), 32))
            mstore(buf, xor(b0, mload(out)))
            mstore8(add(buf, 32), 2)
            ok := and(ok, staticcall(cap, 0x02, buf, n, add(out, 32), 32))
            ok := and(ok, eq(returndatasize(), 32))
            mstore(buf, xor(b0, mload(add(out, 32))))
            mstore8(add(buf, 32), 3)
            ok := and(ok, staticcall(cap, 0x02, buf, n, add(out, 64), 32))
            ok := and(ok, eq(returndatasize(), 32))
            mstore(buf, xor(b0, mload(add(out, 64))))
            mstore8(add(buf, 32), 4)
            ok := and(ok, staticcall(cap, 0x02, buf, n, add(out, 96), 32))
            ok := and(ok, eq(returndatasize(), 32))
            if iszero(ok) {
                mstore(0, shl(224, 0xb39793a6)) // BLSPrecompileFailed(address)
                mstore(4, 0x02)
                revert(0, 36)
            }
        }
    }

    /// @dev RFC 9380 section 5.3.3: a DST over 255 bytes is replaced by H("H2C-OVERSIZE-DST-" || DST). Writes the
    /// new 32-byte DST as a `bytes` at `scratch` (64 bytes, unallocated: the caller keeps its scratch past them) and
    /// builds the preimage after it. A rare path: no gas tuning.
    function _hashOversizeDst(bytes memory dst, uint256 scratch) private view returns (bytes memory hashed) {
        uint256 preimage = scratch + 64;
        uint256 preimageLength = dst.length + 17;
        assembly ("memory-safe") {
            hashed := scratch
            mstore(hashed, 32)
            mstore(preimage, "H2C-OVERSIZE-DST-")
            mcopy(add(preimage, 17), add(dst, 0x20), mload(dst))
        }
        uint256 gasCap = 2 * (60 + 12 * ((preimageLength + 31) / 32));
        _callPrecompile(SHA256_PRECOMPILE, gasCap, preimage, preimageLength, scratch + 32, 32);
    }

    /// @dev hash_to_field (two 64-byte values mod p) then MAP_FP_TO_G1(u0) + MAP_FP_TO_G1(u1): reads the 128
    /// uniform bytes at `uniform`, writes the G1 point at `out`, uses memory from `scratch` up.
    function _mapUniformBytesToG1At(uint256 uniform, uint256 out, uint256 scratch) private view {
        assembly ("memory-safe") {
            // Only on failure: revert BLSPrecompileFailed(addr).
            function fail(addr) {
                mstore(0, shl(224, 0xb39793a6))
                mstore(4, addr)
                revert(0, 36)
            }

            // MODEXP(base, 1, p) inputs: lengths (base 64, exponent 32, modulus 64), base, exponent 1, modulus p.
            // A 64-byte modulus makes the output exactly the 64-byte EIP-2537 encoding of u_i.
            let r0 := scratch
            let r1 := add(scratch, 256)
            mstore(r0, 64)
            mstore(add(r0, 32), 32)
            mstore(add(r0, 64), 64)
            mcopy(add(r0, 96), uniform, 64)
            mstore(add(r0, 160), 1)
            mstore(add(r0, 192), 0x1a0111ea397fe69a4b1ba7b6434bacd7)
            mstore(add(r0, 224), 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab)
            mcopy(r1, r0, 96)
            mcopy(add(r1, 96), add(uniform, 64), 64)
            mcopy(add(r1, 160), add(r0, 160), 96)

            // Q0 = MAP(u0) into r0[0:128], Q1 = MAP(u1) into r0[128:256], then H = Q0 + Q1 into `out`.
            // Outputs may overwrite inputs: a precompile reads its input before writing. Gas caps as documented
            // on the constants above (MODEXP 1,000, MAP_FP_TO_G1 11,000, G1ADD 750).
            // Each call must succeed and return exactly the expected bytes; returndatasize() is read after the call
            // in its own statement (Yul evaluates arguments right to left).
            let ok := staticcall(1000, 0x05, r0, 256, r0, 64)
            if iszero(and(ok, eq(returndatasize(), 64))) {
                fail(0x05)
            }
            ok := staticcall(11000, 0x10, r0, 64, r0, 128)
            if iszero(and(ok, eq(returndatasize(), 128))) {
                fail(0x10)
            }
            ok := staticcall(1000, 0x05, r1, 256, r1, 64)
            if iszero(and(ok, eq(returndatasize(), 64))) {
                fail(0x05)
            }
            ok := staticcall(11000, 0x10, r1, 64, add(r0, 128), 128)
            if iszero(and(ok, eq(returndatasize(), 128))) {
                fail(0x10)
            }
            ok := staticcall(750, 0x0b, r0, 256, out, 128)
            if iszero(and(ok, eq(returndatasize(), 128))) {
                fail(0x0b)
            }
        }
    }

    /// @dev PAIRING_CHECK over `length` bytes at `ptr` (a whole number of pairs).
    function _pairingAt(uint256 ptr, uint256 length) private view returns (bool ok) {
        uint256 gasCap = PAIRING_GAS_CAP_BASE + PAIRING_GAS_CAP_PER_PAIR * (length / PAIR_LENGTH);
        _callPrecompile(PAIRING_PRECOMPILE, gasCap, ptr, length, 0, 32);
        assembly ("memory-safe") {
            ok := eq(mload(0), 1)
        }
    }

    /// @dev a + b through G1ADD or G2ADD.
    function _add(
        bytes memory a,
        bytes memory b,
        uint256 pointLength,
        address precompile,
        uint256 gasCap
    ) private view returns (bytes memory sum) {
        _requireLength(a, pointLength);
        _requireLength(b, pointLength);
        sum = _allocate(pointLength);
        uint256 input;
        assembly ("memory-safe") {
            input := mload(0x40)
            mcopy(input, add(a, 0x20), pointLength)
            mcopy(add(input, pointLength), add(b, 0x20), pointLength)
        }
        _callPrecompile(precompile, gasCap, input, pointLength * 2, _dataPtr(sum), pointLength);
    }

    /// @dev Sum of the packed points at `ptr` (memory, or calldata when `fromCalldata`): an accumulator and the
    /// next point sit side by side past the free memory pointer, and each addition writes back into the accumulator.
    function _sum(
        uint256 ptr,
        uint256 length,
        uint256 pointLength,
        address precompile,
        uint256 gasCap,
        bool fromCalldata
    ) private view returns (bytes memory sum) {
        if (length == 0 || length % pointLength != 0) {
            revert IBLS12381Errors.BLSInvalidPackedPointsLength(length, pointLength);
        }
        sum = _allocate(pointLength);
        bool ok;
        assembly ("memory-safe") {
            // `acc` is the sum's data; `next`, right past it at the free memory pointer, is unallocated scratch.
            let acc := add(sum, 0x20)
            let next := add(acc, pointLength)
            switch fromCalldata
            case 0 {
                mcopy(acc, ptr, pointLength)
            }
            default {
                calldatacopy(acc, ptr, pointLength)
            }
            ok := 1
            let end := add(ptr, length)
            for {
                let p := add(ptr, pointLength)
            } lt(p, end) {
                p := add(p, pointLength)
            } {
                switch fromCalldata
                case 0 {
                    mcopy(next, p, pointLength)
                }
                default {
                    calldatacopy(next, p, pointLength)
                }
                ok := staticcall(gasCap, precompile, acc, shl(1, pointLength), acc, pointLength)
                // returndatasize() in its own statement after the call: Yul evaluates arguments right to left.
                ok := and(ok, eq(returndatasize(), pointLength))
                if iszero(ok) {
                    break
                }
            }
        }
        if (!ok) revert IBLS12381Errors.BLSPrecompileFailed(precompile);
    }

    /// @dev Replaces the field element at `ptr` by p - value; zero (the y of infinity) stays zero.
    function _negateFpAt(uint256 ptr) private pure {
        uint256 hi;
        uint256 lo;
        assembly ("memory-safe") {
            hi := mload(ptr)
            lo := mload(add(ptr, 32))
        }
        if (hi | lo == 0) return;
        // Also rejects nonzero padding bytes: they make hi exceed P_HI.
        if (hi > P_HI || (hi == P_HI && lo >= P_LO)) revert IBLS12381Errors.BLSFieldElementNotCanonical();
        // Cannot underflow: value < p, checked above; the borrow moves from the low word to the high word.
        unchecked {
            uint256 borrow = lo > P_LO ? 1 : 0;
            uint256 newHi = P_HI - hi - borrow;
            uint256 newLo = P_LO - lo;
            assembly ("memory-safe") {
                mstore(ptr, newHi)
                mstore(add(ptr, 32), newLo)
            }
        }
    }

    /// @dev Calls a precompile with a bounded amount of gas; reverts unless it succeeds with exactly `outLength`
    /// bytes of output.
    function _callPrecompile(
        address precompile,
        uint256 gasCap,
        uint256 input,
        uint256 inputLength,
        uint256 output,
        uint256 outputLength
    ) private view {
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gasCap, precompile, input, inputLength, output, outputLength)
            // Its own statement after the call: Yul evaluates arguments right to left.
            let returned := returndatasize()
            ok := and(ok, eq(returned, outputLength))
        }
        if (!ok) revert IBLS12381Errors.BLSPrecompileFailed(precompile);
    }

    /// @dev Reverts unless the point has the right length (128 or 256) and is not the point at infinity.
    function _requireUsablePoint(bytes memory point, uint256 expectedLength) private pure {
        _requireLength(point, expectedLength);
        bool zero;
        assembly ("memory-safe") {
            // Unrolled over the 4 (G1) or 8 (G2) words: cheaper than isInfinity's loop.
            let p := add(point, 0x20)
            let acc := or(or(mload(p), mload(add(p, 0x20))), or(mload(add(p, 0x40)), mload(add(p, 0x60))))
            if eq(expectedLength, 256) {
                acc := or(
                    acc,
                    or(or(mload(add(p, 0x80)), mload(add(p, 0xa0))), or(mload(add(p, 0xc0)), mload(add(p, 0xe0))))
                )
            }
            zero := iszero(acc)
        }
        if (zero) revert IBLS12381Errors.BLSPointAtInfinity();
    }

    function _requireLength(bytes memory data, uint256 expectedLength) private pure {
        if (data.length != expectedLength) revert IBLS12381Errors.BLSInvalidPointLength(data.length, expectedLength);
    }

    /// @dev A new `bytes` of `length` bytes, not zeroed (every caller overwrites all of it).
    function _allocate(uint256 length) private pure returns (bytes memory data) {
        assembly ("memory-safe") {
            data := mload(0x40)
            mstore(data, length)
            mstore(0x40, add(add(data, 0x20), and(add(length, 31), not(31))))
        }
    }

    function _copy(bytes memory data) private pure returns (bytes memory copy) {
        copy = _allocate(data.length);
        assembly ("memory-safe") {
            mcopy(add(copy, 0x20), add(data, 0x20), mload(data))
        }
    }

    function _dataPtr(bytes memory data) private pure returns (uint256 ptr) {
        assembly ("memory-safe") {
            ptr := add(data, 0x20)
        }
    }
}
