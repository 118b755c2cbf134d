// The deployment config is validated completely before any transaction: every mistake is
// reported with the field that holds it.
import { expect } from "chai";
import { ConfigError, parseGenesisConfig, type GenesisConfig } from "../../scripts/lib/genesis-config.js";
import { localConfig } from "../helpers/protocol.js";

function expectConfigError(mutate: (c: GenesisConfig) => void, ...fragments: string[]): void {
  const cfg = structuredClone(localConfig());
  mutate(cfg);
  let message = "";
  try {
    parseGenesisConfig(cfg);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    message = (err as Error).message;
  }
  expect(message, "config was accepted").to.not.equal("");
  for (const f of fragments) expect(message).to.contain(f);
}

describe("Deployment config validation", () => {
  it("accepts the committed localhost config", () => {
    expect(() => parseGenesisConfig(localConfig())).to.not.throw();
  });

  it("rejects bucket shares that do not add up to 100%", () => {
    expectConfigError((c) => (c.allocation.team.bps = 1999), "allocation", "9999 bps");
  });

  it("rejects beneficiary shares that do not add up to the bucket", () => {
    expectConfigError(
      (c) => (c.allocation.earlyValidators.beneficiaries[0]!.bps = 2000),
      "allocation.earlyValidators.beneficiaries",
      "9500",
    );
  });

  it("rejects the zero address, naming the field", () => {
    expectConfigError(
      (c) => (c.allocation.education.beneficiaries[0]!.to = "0x0000000000000000000000000000000000000000"),
      "allocation.education.beneficiaries.0.to",
      "zero address",
    );
  });

  it("rejects a malformed address, naming the field", () => {
    expectConfigError(
      (c) => (c.allocation.fundraising.beneficiaries[0]!.to = "0x1234"),
      "fundraising.beneficiaries.0.to",
    );
  });

  it("rejects a duplicate beneficiary inside a bucket", () => {
    expectConfigError(
      (c) => (c.allocation.earlyValidators.beneficiaries[3]!.to = "account:1"),
      "allocation.earlyValidators.beneficiaries.3.to",
      "duplicate of beneficiaries.0",
    );
  });

  it("rejects a cliff longer than the vesting duration, per beneficiary and by default", () => {
    expectConfigError(
      (c) => (c.allocation.team.beneficiaries[1]!.cliffSeconds = 5000),
      "allocation.team.beneficiaries.1.cliffSeconds",
    );
    expectConfigError((c) => (c.vestingDefaults.cliffSeconds = 10_000), "vestingDefaults.cliffSeconds");
  });

  it("rejects unknown top-level fields and bad governance values", () => {
    expectConfigError((c) => ((c as unknown as Record<string, unknown>).extra = 1), "extra");
    expectConfigError((c) => (c.governance.quorumPercent = 0), "governance.quorumPercent");
  });
});
