// Uptime reports travel by id: a proposal names (signer, id) pairs and a validator fetches the
// reports it lacks from the proposer over real libp2p (/openmesh/uptime-reports/1). A report that
// cannot be fetched makes the proposal unavailable (PartUnavailable: the host prevotes nil); a
// keeper that decided the height without validating it fetches the reports from its peers after.
import { expect } from "chai";
import { Wallet, keccak256, toUtf8Bytes } from "ethers";
import { PartUnavailable, type PartContext, type PartHost } from "../../../keeper/src/checkpoint/part.js";
import { uptimeNet } from "../../../keeper/src/checkpoint/parts/uptime-fetch.js";
import {
  reportDigest,
  reportId,
  UptimePart,
  type UptimeReport,
  type UptimeSlice,
} from "../../../keeper/src/checkpoint/parts/uptime-part.js";
import { InMemoryOperatorDirectory } from "../../../keeper/src/p2p/index.js";
import { silentLogger } from "../helpers/logs.js";
import { createTestPeer, stopAll, waitFor, type TestPeer } from "../helpers/p2p.js";

const ops = ["0x" + "a".repeat(40), "0x" + "b".repeat(40)];
const validators = [0, 1, 2, 3].map((i) => new Wallet(keccak256(toUtf8Bytes(`uptime-id-${i}`))));
const signers = validators.map((w) => w.address.toLowerCase());

function report(i: number, entries: Array<[string, number]>): UptimeReport {
  const body = { chainId: "31337", epoch: "1", signer: signers[i]!, entries };
  return { ...body, signature: validators[i]!.signingKey.sign(reportDigest(body)).serialized };
}

const ctx: PartContext = {
  chainId: 31337n,
  epoch: 2n,
  height: 50n,
  epochStartHeight: 40n,
  isEpochStart: false,
  parentHash: "0x" + "00".repeat(32),
  members: signers,
  previousEpochMembers: signers,
  lastCommit: null,
  livenessWindow: 8,
};

describe("uptime reports by id over libp2p (data availability)", function () {
  this.timeout(30_000);
  const directory = new InMemoryOperatorDirectory();
  let proposer: TestPeer;
  let validator: TestPeer;
  let late: TestPeer;
  const reports = [
    report(0, [
      [ops[0]!, 10_000],
      [ops[1]!, 8_000],
    ]),
    report(1, [
      [ops[0]!, 9_000],
      [ops[1]!, 8_000],
    ]),
    report(2, [
      [ops[0]!, 10_000],
      [ops[1]!, 2_000],
    ]),
  ];

  /** A part on a real peer: its gossip handler driven by `deliver`, reports by id over the peer's reqresp. */
  async function partOn(peer: TestPeer, held: UptimeReport[]): Promise<UptimePart> {
    const part = new UptimePart();
    let deliver: (r: UptimeReport) => void = () => {};
    part.attach(uptimeNet({ libp2p: peer.node.libp2p, reqresp: peer.node.reqresp, directory, logger: silentLogger() }));
    const host: PartHost = {
      self: peer.operator.toLowerCase(),
      chainId: 31337n,
      logger: silentLogger(),
      sign: () => "0x",
      subscribe: (_topic, handler) => {
        deliver = (r) => void handler({ payload: r } as never);
        return () => {};
      },
      publish: async () => {},
    };
    await part.start(host);
    parts.push(part);
    held.forEach((r) => deliver(r));
    return part;
  }

  before(async () => {
    const peers = await Promise.all([0, 1, 2].map(() => createTestPeer({ directory })));
    [proposer, validator, late] = peers as [TestPeer, TestPeer, TestPeer];
    await Promise.all(peers.map((p) => p.node.start()));
    await validator.node.dial(proposer.node.multiaddrs[0]!);
    await late.node.dial(proposer.node.multiaddrs[0]!);
  });
  after(() => stopAll([proposer, validator, late]));
  const parts: UptimePart[] = [];
  afterEach(async () => {
    await Promise.all(parts.map((p) => p.stop()));
    parts.length = 0;
  });

  it("a validator missing a named report is unavailable until it fetches it from the proposer", async () => {
    const p = await partOn(proposer, reports);
    const slice = p.propose(ctx)!;
    expect(slice.reports.map((r) => r.id)).to.deep.equal(
      [...reports].sort((a, b) => (a.signer < b.signer ? -1 : 1)).map(reportId),
    );
    const v = await partOn(validator, reports.slice(0, 1)); // gossip brought it one report of three
    expect(() => v.validate(ctx, slice)).to.throw(PartUnavailable, "2 uptime report(s)");
    await v.prefetch({ from: proposer.operator }, slice);
    expect(v.validate(ctx, slice)).to.deep.equal({});
    v.onDecided({ header: { epoch: 2n }, slices: { uptime: slice } }, slice);
    expect(v.uptimeBps(ops[1]!, 1n)).to.equal(8_000);
  });

  it("a proposal naming a report nobody serves stays unavailable after the prefetch (the validator prevotes nil)", async () => {
    // the proposer names a report of validator 3 it never published (and does not hold either)
    const hidden = report(3, [[ops[0]!, 10_000]]);
    const named: UptimeSlice = {
      epoch: 1n,
      reports: [...reports, hidden]
        .sort((a, b) => (a.signer < b.signer ? -1 : 1))
        .map((r) => ({ signer: r.signer, id: reportId(r) })),
    };
    await partOn(proposer, reports);
    const v = await partOn(validator, reports);
    await v.prefetch({ from: proposer.operator }, named);
    expect(() => v.validate(ctx, named)).to.throw(PartUnavailable, reportId(hidden));
  });

  it("a keeper that decided the height without its reports counts the epoch certified, then fetches them", async () => {
    const p = await partOn(proposer, reports);
    const slice = p.propose(ctx)!;
    const k = await partOn(late, []);
    k.onDecided({ header: { epoch: 2n }, slices: { uptime: slice } }, slice);
    // no second slice can certify the epoch meanwhile, whatever this keeper holds
    expect(() => k.validate(ctx, slice)).to.throw("already certified");
    await waitFor(() => k.uptimeBps(ops[0]!, 1n) !== undefined, "the certified reports fetched from a peer");
    expect([k.uptimeBps(ops[0]!, 1n), k.uptimeBps(ops[1]!, 1n)]).to.deep.equal([10_000, 8_000]);
  });
});
