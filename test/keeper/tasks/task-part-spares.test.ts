// Validation counts results from the task's own spares (fixed on chain at post time), not from a
// keeper-side constant: two tasks with different spares accept a spare's result differently.
import { expect } from "chai";
import { Wallet } from "ethers";
import { assign } from "../../../keeper/src/tasks/assignment.js";
import { PayloadError } from "../../../keeper/src/checkpoint/payload.js";
import {
  encodeValue,
  resultDigest,
  type ResultDomain,
  type SignedResult,
} from "../../../keeper/src/tasks/result-msg.js";
import { agreeEntry, type RoundEntry, type TaskRules } from "../../../keeper/src/tasks/task-part.js";

const domain: ResultDomain = { chainId: 31337n, taskManager: Wallet.createRandom().address };
const wallets = Array.from({ length: 6 }, () => Wallet.createRandom());
const members = wallets.map((w) => w.address.toLowerCase());
const byAddress = new Map(wallets.map((w) => [w.address.toLowerCase(), w]));

function signed(signer: string, taskId: bigint, value: bigint): SignedResult {
  const body = { taskId: taskId.toString(), round: 0, ok: true, result: encodeValue(value), code: "" };
  const sig = byAddress.get(signer)!.signingKey.sign(resultDigest(body, domain)).serialized;
  return { ...body, signer, sig };
}

const rules = (spares: number): TaskRules => ({
  kind: "http-oracle",
  redundancy: 2,
  spares,
  toleranceBps: 0,
  rounds: 1,
  dueHeight: () => 1n,
});

describe("task part: counting positions from the task's spares", () => {
  const taskId = 7n;
  // one executor answered, the other was replaced by the second spare (position redundancy + 1)
  const a = assign(taskId, members, 2, 4);
  const entry: RoundEntry = {
    taskId,
    round: 0,
    results: [signed(a.executors[0]!, taskId, 42n), signed(a.spares[1]!, taskId, 42n)],
  };
  const agree = (spares: number) => agreeEntry(entry, rules(spares), members, 5n, domain, (s) => s);

  it("accepts the second spare's result in a task posted with 2 spares", () => {
    const c = agree(2);
    expect(c.result).to.equal(encodeValue(42n));
    expect(c.executors).to.deep.equal([a.executors[0], a.spares[1]]);
  });

  it("rejects the same result in a task posted with 1 spare (its position does not count there)", () => {
    expect(() => agree(1)).to.throw(PayloadError, "is not a counting executor");
    expect(() => agree(0)).to.throw(PayloadError, "is not a counting executor");
  });
});
