import { expect } from "chai";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { hexlify, randomBytes, Wallet } from "ethers";
import { LEAF_ENCODINGS, rootOf, type LeafKind, type LeafValues } from "../../../keeper/src/checkpoint/leaves.js";
import { ZERO_HASH } from "../../../keeper/src/checkpoint/header.js";

const randomUint = (bits: number) => BigInt(hexlify(randomBytes(32))) >> BigInt(256 - bits);

function randomValue(type: string): unknown {
  if (type === "address") return Wallet.createRandom().address;
  if (type === "bytes32") return hexlify(randomBytes(32));
  if (type === "bytes") return hexlify(randomBytes(Number(randomUint(6))));
  if (type === "address[]") return [Wallet.createRandom().address, Wallet.createRandom().address];
  const bits = Number(/^uint(\d+)$/.exec(type)![1]);
  return randomUint(bits);
}

describe("checkpoint Merkle roots (hand-encoded static leaves)", () => {
  for (const kind of Object.keys(LEAF_ENCODINGS) as LeafKind[]) {
    it(`${kind}: the root equals StandardMerkleTree.of's for 1..101 random leaves`, () => {
      const types = [...LEAF_ENCODINGS[kind]];
      for (const n of [1, 2, 3, 7, 16, 40, 101]) {
        const leaves: LeafValues[] = Array.from({ length: n }, () => types.map(randomValue));
        expect(rootOf(kind, leaves), `${n} leaves`).to.equal(StandardMerkleTree.of(leaves, types).root);
      }
    });
  }

  it("the empty list has the zero root", () => {
    expect(rootOf("liveness", [])).to.equal(ZERO_HASH);
  });

  it("refuses values that do not fit their type instead of hashing something else", () => {
    const addr = Wallet.createRandom().address;
    expect(() => rootOf("liveness", [[addr, 2n ** 64n, 0n]])).to.throw("does not fit uint64");
    expect(() => rootOf("liveness", [[addr, -1n, 0n]])).to.throw("does not fit uint64");
    expect(() => rootOf("liveness", [["0x1234", 1n, 0n]])).to.throw("not an address");
    expect(() => rootOf("liveness", [[addr, 1n]])).to.throw("expected 3");
  });
});
