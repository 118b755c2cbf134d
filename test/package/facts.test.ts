// What @openmesh/contracts reads from the Solidity AST agrees with the keeper, which signs and
// registers with the same values against the real contracts (so a drift on either side shows here).
import { expect } from "chai";
import {
  BLS_POP_DST,
  BLS_SIG_DST,
  checkpointDomain,
  eip712Types,
  OperatorStatus,
  OperatorStatusNames,
  solidityConstants,
} from "@openmesh/contracts";
import { TypedDataEncoder, id } from "ethers";
import { POP_DST, SIG_DST } from "../../keeper/src/crypto/bls.js";
import { HEADER_TYPES, VOTE_TYPES, checkpointDomain as keeperDomain } from "../../keeper/src/checkpoint/header.js";
import { numberLiteral, parseTypeString } from "../../scripts/package/solidity-facts.js";

describe("@openmesh/contracts facts read from the Solidity AST", () => {
  it("exports the BLS domain tags the keeper signs with", () => {
    expect(BLS_SIG_DST).to.equal(SIG_DST);
    expect(BLS_POP_DST).to.equal(POP_DST);
  });

  it("exports the EIP-712 types and domain of checkpoint votes and headers as the keeper builds them", () => {
    expect(eip712Types.Header).to.deep.equal(HEADER_TYPES.Header);
    expect(eip712Types.Vote).to.deep.equal(VOTE_TYPES.Vote);
    const address = "0x00000000000000000000000000000000000000c1";
    expect(checkpointDomain(31337n, address)).to.deep.equal(keeperDomain(31337n, address));
    expect(solidityConstants.CertificateVerifier.HEADER_TYPEHASH).to.equal(
      id(TypedDataEncoder.from(HEADER_TYPES).encodeType("Header")),
    );
  });

  it("exports enum members by name and value in declaration order", () => {
    expect(OperatorStatus.Unregistered).to.equal(0);
    expect(OperatorStatusNames[OperatorStatus.Tombstoned]).to.equal("Tombstoned");
  });

  it("reads Solidity number literals with exponents, underscores and units, and refuses fractions", () => {
    expect(numberLiteral("0.5e18")).to.equal(5n * 10n ** 17n);
    expect(numberLiteral("1_000")).to.equal(1000n);
    expect(numberLiteral("365", "days")).to.equal(31_536_000n);
    expect(numberLiteral("0x10")).to.equal(16n);
    expect(numberLiteral("0.5")).to.equal(undefined);
  });

  it("parses a typehash preimage with nested types into ethers' field lists", () => {
    expect(parseTypeString("Mail(Person from,string note)Person(string name,address wallet)")).to.deep.equal({
      Mail: [
        { name: "from", type: "Person" },
        { name: "note", type: "string" },
      ],
      Person: [
        { name: "name", type: "string" },
        { name: "wallet", type: "address" },
      ],
    });
  });
});
