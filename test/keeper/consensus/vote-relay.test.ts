import { expect } from "chai";
import { VoteRelay, type VoteBundle } from "../../../keeper/src/bft/vote-relay.js";
import { isQuorum } from "../../../keeper/src/consensus/quorum.js";

const A = "0x" + "a".repeat(64);
const B = "0x" + "b".repeat(64);
const sig = (signer: string) => ({ ecdsa: `sig-of-${signer}`, bls: "0x" });
const prevote = (valueHash: string | null, height = 5, round = 0) => ({
  type: "prevote" as const,
  height,
  round,
  valueHash,
});

/** 4 validators with unequal stake (total 100): 2/3 is crossed by power, not by count */
const stake = new Map([
  ["v40", 40n],
  ["v30", 30n],
  ["v20", 20n],
  ["v10", 10n],
]);

describe("VoteRelay (a proposer bundling the votes sent to it)", () => {
  it("bundles once the step's votes pass 2/3 of the stake (by power, not count), then stays quiet", () => {
    const relay = new VoteRelay(stake);
    expect(relay.add(prevote(A), "v10", sig("v10"))).to.equal(undefined);
    expect(relay.add(prevote(A), "v20", sig("v20"))).to.equal(undefined);
    expect(relay.add(prevote(A), "v30", sig("v30"))).to.equal(undefined); // 60 of 100: three of four, no quorum
    const bundle = relay.add(prevote(A), "v40", sig("v40"));
    expect(bundle?.votes.map((v) => v.ecdsa)).to.deep.equal(["sig-of-v10", "sig-of-v20", "sig-of-v30", "sig-of-v40"]);
    expect(bundle).to.include({ height: 5, round: 0, type: "prevote" });
  });

  it("bundles again when one value first passes 2/3 after the step as a whole did", () => {
    const relay = new VoteRelay(stake);
    relay.add(prevote(A), "v40", sig("v40"));
    relay.add(prevote(null), "v10", sig("v10"));
    const any = relay.add(prevote(B), "v20", sig("v20")); // 70 in all, no value above 40
    expect(any?.votes).to.have.length(3);
    const polka = relay.add(prevote(A), "v30", sig("v30")); // A: 70
    expect(polka?.votes.map((v) => v.valueHash)).to.deep.equal([A, null, B, A]);
  });

  it("sends no bundle for a precommit quorum when told (the commit message carries it), but does for a split", () => {
    const relay = new VoteRelay(stake);
    const precommit = (valueHash: string | null, height: number) => ({
      ...prevote(valueHash, height),
      type: "precommit" as const,
    });
    relay.add(precommit(A, 1), "v40", sig("v40"), { suppressValueQuorum: true });
    expect(relay.add(precommit(A, 1), "v30", sig("v30"), { suppressValueQuorum: true })).to.equal(undefined);
    relay.add(precommit(A, 2), "v40", sig("v40"), { suppressValueQuorum: true });
    const split = relay.add(precommit(null, 2), "v30", sig("v30"), { suppressValueQuorum: true });
    expect(split?.votes).to.have.length(2);
  });

  it("ignores votes of non-validators and a validator's second vote in a step", () => {
    const relay = new VoteRelay(stake);
    relay.add(prevote(A), "v40", sig("v40"));
    expect(relay.add(prevote(A), "stranger", sig("stranger"))).to.equal(undefined);
    expect(relay.add(prevote(B), "v40", sig("v40-again"))).to.equal(undefined);
    expect(relay.add(prevote(A), "v20", sig("v20"))).to.equal(undefined); // 60: the stranger and the repeat added nothing
    expect(relay.add(prevote(A), "v10", sig("v10"))?.votes).to.have.length(3);
  });

  it("keeps rounds, heights and vote types apart, and forgets heights below the one given to gc", () => {
    const relay = new VoteRelay(stake);
    relay.add(prevote(A, 5, 0), "v40", sig("v40"));
    expect(relay.add(prevote(A, 5, 1), "v30", sig("v30"))).to.equal(undefined);
    expect(relay.add(prevote(A, 6, 0), "v30", sig("v30"))).to.equal(undefined);
    expect(relay.add({ ...prevote(A, 5, 0), type: "precommit" }, "v30", sig("v30"))).to.equal(undefined);
    expect(relay.add(prevote(A, 5, 0), "v30", sig("v30"))?.votes).to.have.length(2);
    relay.gc(6);
    relay.add(prevote(A, 5, 0), "v40", sig("v40"));
    expect(relay.add(prevote(A, 5, 0), "v30", sig("v30"))?.votes, "height 5 starts over after gc").to.have.length(2);
    expect(relay.add(prevote(A, 6, 0), "v40", sig("v40"))?.votes, "height 6 was kept").to.have.length(2);
  });

  it("property: every bundle holds > 2/3 of the stake and every vote added before it; at most two bundles per step", () => {
    let seed = 0x2545f491;
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    for (let run = 0; run < 500; run++) {
      const n = 1 + rand(12);
      const powers = new Map<string, bigint>();
      for (let i = 0; i < n; i++) powers.set(`v${i}`, BigInt(1 + rand(100)));
      const total = [...powers.values()].reduce((a, b) => a + b, 0n);
      const relay = new VoteRelay(powers);
      const values = [A, B, null];
      const added: string[] = [];
      const bundles: VoteBundle[] = [];
      for (let i = 0; i < 3 * n; i++) {
        const signer = `v${rand(n + 1)}`; // v<n> is no validator
        const valueHash = values[rand(values.length)]!;
        const bundle = relay.add(prevote(valueHash), signer, sig(signer));
        if (powers.has(signer) && !added.includes(signer)) added.push(signer);
        if (!bundle) continue;
        bundles.push(bundle);
        const signers = bundle.votes.map((v) => v.ecdsa.slice("sig-of-".length));
        expect(signers, `run ${run}`).to.deep.equal(added);
        const power = signers.reduce((p, s) => p + powers.get(s)!, 0n);
        expect(isQuorum(power, total), `run ${run}`).to.equal(true);
      }
      expect(bundles.length, `run ${run}`).to.be.at.most(2); // the step, and the one value that can pass 2/3
    }
  });
});
