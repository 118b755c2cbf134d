import { expect } from "chai";
import { hexlify, randomBytes, TypedDataEncoder, Wallet } from "ethers";
import {
  checkpointDomain,
  headerHash,
  HEADER_TYPES,
  voteDigest,
  VOTE_TYPES,
  VoteType,
  ZERO_HASH,
  type Header,
} from "../../../keeper/src/checkpoint/header.js";

const word = () => hexlify(randomBytes(32));
const uint = (bits: number) => BigInt(word()) >> BigInt(256 - bits);

function randomHeader(): Header {
  return {
    chainId: uint(256),
    epoch: uint(64),
    height: uint(64),
    parentHash: word(),
    porRoot: word(),
    taskRoot: word(),
    livenessRoot: ZERO_HASH,
    rewardsRoot: word(),
    totalRewards: uint(256),
    faultsRoot: word(),
  };
}

describe("checkpoint header and vote hashes (EIP-712, hand-encoded)", () => {
  it("hashes 200 random headers exactly as ethers' TypedDataEncoder.hashStruct", () => {
    for (let i = 0; i < 200; i++) {
      const h = randomHeader();
      expect(headerHash(h)).to.equal(TypedDataEncoder.hashStruct("Header", HEADER_TYPES, h));
    }
  });

  it("digests 200 random votes over several domains exactly as ethers' TypedDataEncoder.hash", () => {
    const domains = [1n, 31337n, 2n ** 64n].map((chainId) => checkpointDomain(chainId, Wallet.createRandom().address));
    for (let i = 0; i < 200; i++) {
      const domain = domains[i % domains.length]!;
      const vote = {
        voteType: i % 2 === 0 ? VoteType.Prevote : VoteType.Precommit,
        epoch: uint(64),
        height: uint(64),
        round: Number(uint(32)),
        valueHash: i % 5 === 0 ? ZERO_HASH : word(),
      };
      expect(voteDigest(domain, vote)).to.equal(TypedDataEncoder.hash(domain, VOTE_TYPES, vote));
    }
  });

  it("refuses a field that is not a 32-byte word instead of hashing something else", () => {
    expect(() => headerHash({ ...randomHeader(), parentHash: "0x1234" })).to.throw("not a 32-byte word");
  });
});
