import { expect } from "chai";
import { randomBytes } from "node:crypto";
import {
  computeChain,
  cpuChallenge,
  proveCpu,
  verifyCpu,
  type CpuAnswer,
  type CpuParams,
} from "../../../keeper/src/por/cpu.js";
import { hex } from "../../../keeper/src/por/hash.js";

const params: CpuParams = { chainLength: 4_000, checkpoints: 8, spotChecks: 6, deadlineMs: 30_000 };

describe("PoR CPU: parallel hash chains with spot-checked segments", function () {
  this.timeout(30_000);

  it("the worker-thread prover computes exactly the verifier's chains, and an honest answer proves the claimed cores", async () => {
    const ch = cpuChallenge(randomBytes(32), 2, params);
    const started = Date.now();
    const answer = await proveCpu(ch);
    const verdict = verifyCpu(ch, answer, Date.now() - started, params);
    expect(answer.ends[1]).to.deep.equal(computeChain(ch, 1));
    expect(verdict).to.deep.equal({ provenCores: 2, late: false });
  });

  it("a prover that skips work in one segment is caught by a spot check on it", () => {
    const ch = cpuChallenge(randomBytes(32), 3, params);
    const answer: CpuAnswer = { ends: [0, 1, 2].map((c) => computeChain(ch, c)) };
    answer.ends[2]![5] = hex(randomBytes(32));
    // the verifier's random picks land on chain 2, segment 5 (and later on honest segments)
    const picks = [2, 5];
    const v = verifyCpu(ch, answer, 10, params, (n) => (picks.length ? picks.shift()! : 0) % n);
    expect(v.provenCores).to.equal(0);
    expect(v.failure).to.match(/chain 2 segment 5/);
  });

  it("a prover with half the claimed chains done fails, whatever it sends in their place", () => {
    const ch = cpuChallenge(randomBytes(32), 4, params);
    const honest = [0, 1].map((c) => computeChain(ch, c));
    const fake = honest.map((e) => e.map(() => hex(randomBytes(32))));
    const answer = { ends: [...honest, ...fake] };
    // with 6 random checks over 4 chains, missing all fake ones has probability (1/2)^6: run the real picks many times
    let caught = 0;
    for (let i = 0; i < 20; i++) if (verifyCpu(ch, answer, 10, params).provenCores === 0) caught++;
    expect(caught).to.be.greaterThanOrEqual(17);
    expect(verifyCpu(ch, { ends: honest }, 10, params).failure).to.match(/2 chains, expected 4/);
  });

  it("a late answer proves only the throughput shown (fewer cores than claimed)", () => {
    const ch = cpuChallenge(randomBytes(32), 4, params);
    const answer = { ends: [0, 1, 2, 3].map((c) => computeChain(ch, c)) };
    const v = verifyCpu(ch, answer, params.deadlineMs * 2, params);
    expect(v).to.deep.equal({ provenCores: 2, late: true });
  });
});
