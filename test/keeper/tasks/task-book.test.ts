import { expect } from "chai";
import { Interface, Log, Wallet, ZeroHash, type JsonRpcProvider } from "ethers";
import { currentRound, dueHeight, TASK_EVENTS, TaskBook } from "../../../keeper/src/tasks/task-book.js";

const iface = new Interface(TASK_EVENTS);
const poster = Wallet.createRandom().address;
function log(name: string, args: unknown[], tx = "0x" + "11".repeat(32)): Log {
  const { data, topics } = iface.encodeEventLog(name, args);
  return new Log(
    {
      data,
      topics,
      transactionHash: tx,
      blockHash: ZeroHash,
      blockNumber: 1,
      address: poster,
      index: 0,
      transactionIndex: 0,
      removed: false,
    },
    {} as JsonRpcProvider,
  );
}

describe("task book (TaskManager events)", () => {
  it("follows a series: due rounds by height, finalized rounds, a cancel's partial refund keeps it open, an expiry refund closes it", () => {
    const book = new TaskBook();
    book.ingest([
      log("TaskPosted", [1n, poster, ZeroHash, ZeroHash, "http://spec", 10n, 3, 99n]),
      log("TaskScheduled", [1n, 5, 4, 100n, 3]),
    ]);
    book.ingest([log("TaskPosted", [1n, poster, ZeroHash, ZeroHash, "http://spec", 10n, 3, 99n])]); // redelivery
    const t = book.get(1n)!;
    expect(t.spares).to.equal(3); // the task's own, from the chain
    expect(dueHeight(t, 2)).to.equal(109n);
    expect(currentRound(t, 100n)).to.equal(undefined);
    expect(currentRound(t, 101n)).to.equal(0);
    expect(currentRound(t, 110n)).to.equal(2);
    expect(currentRound(t, 1_000n)).to.equal(4);
    book.ingest([log("TaskRoundFinalized", [1n, 2, "0x", [poster], 0n])]);
    expect(currentRound(t, 110n)).to.equal(undefined);
    expect(currentRound(t, 113n)).to.equal(3);
    book.ingest([
      log("TaskCancelled", [1n, 4], "0xaa" + "00".repeat(31)),
      log("TaskRefunded", [1n, poster, 10n], "0xaa" + "00".repeat(31)),
    ]);
    expect(book.open().map((x) => x.taskId)).to.deep.equal([1n]);
    expect(currentRound(t, 1_000n)).to.equal(3);
    book.ingest([log("TaskRefunded", [1n, poster, 10n], "0xbb" + "00".repeat(31))]);
    expect(book.open()).to.deep.equal([]);
  });
});
