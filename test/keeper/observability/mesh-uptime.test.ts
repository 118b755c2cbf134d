import { expect } from "chai";
import { Wallet, keccak256, toUtf8Bytes } from "ethers";
import { pino } from "pino";
import { MeshMonitor } from "../../../keeper/src/observability/mesh-monitor.js";
import {
  medianUptime,
  reportDigest,
  reportId,
  sliceFromJson,
  sliceToJson,
  UptimePart,
  type UptimeReport,
  type UptimeSlice,
} from "../../../keeper/src/checkpoint/parts/uptime-part.js";
import { PayloadError } from "../../../keeper/src/checkpoint/payload.js";
import { PartUnavailable } from "../../../keeper/src/checkpoint/part.js";
import { encodeEnvelope, heartbeatTopic, topicId } from "../../../keeper/src/p2p/index.js";
import type { PartContext, PartHost } from "../../../keeper/src/checkpoint/part.js";

const ops = ["0x" + "a".repeat(40), "0x" + "b".repeat(40), "0x" + "c".repeat(40)];
const validators = [0, 1, 2, 3].map((i) => new Wallet(keccak256(toUtf8Bytes(`uptime-${i}`))));
const signers = validators.map((w) => w.address.toLowerCase());

function report(i: number, epoch: bigint, entries: Array<[string, number]>): UptimeReport {
  const body = { chainId: "31337", epoch: epoch.toString(), signer: signers[i]!, entries };
  return { ...body, signature: validators[i]!.signingKey.sign(reportDigest(body)).serialized };
}

const bySigner = (rs: UptimeReport[]) => [...rs].sort((a, b) => (a.signer < b.signer ? -1 : 1));

function ctx(epoch: bigint): PartContext {
  return {
    chainId: 31337n,
    epoch,
    height: 50n,
    epochStartHeight: 40n,
    isEpochStart: false,
    parentHash: "0x" + "00".repeat(32),
    members: signers,
    previousEpochMembers: signers,
    lastCommit: null,
    livenessWindow: 8,
  };
}

const silent = pino({ level: "silent" });

describe("mesh monitor: heartbeats, suspicion and uptime receipts (virtual clock)", () => {
  it("suspects the peer that went silent, counts each operator's heartbeats per epoch in bps", () => {
    let t = 0;
    const mesh = new MeshMonitor({ self: "0x" + "f".repeat(40), intervalMs: 1000, now: () => t });
    const suspected: string[] = [];
    mesh.on("suspect", (p) => suspected.push(p));
    mesh.beginEpoch(1n);
    for (let s = 0; s < 20; s++) {
      t = s * 1000;
      for (const op of ops) if (op !== ops[2] || s < 10) mesh.onHeartbeat(op.toUpperCase().replace("0X", "0x"));
      mesh.detector.check();
    }
    t = 20_000;
    mesh.beginEpoch(2n);
    expect(mesh.isSuspected(ops[2]!)).to.equal(true);
    expect(mesh.isSuspected(ops[0]!)).to.equal(false);
    expect(suspected).to.deep.equal([ops[2]]);
    expect(mesh.uptimeReceipts(1n)).to.deep.equal([
      [ops[0], 10_000],
      [ops[1], 10_000],
      [ops[2], 5_000],
    ]);
    expect(mesh.uptimeReceipts(2n)).to.equal(undefined); // still open
    const view = mesh.view();
    expect(view.peers.map((p) => [p.operator, p.suspected])).to.deep.equal([
      [ops[0], false],
      [ops[1], false],
      [ops[2], true],
    ]);
    expect(view.peers[2]!.phi).to.be.at.least(view.phiThreshold);
    expect(view.events.map((e) => [e.operator, e.event])).to.deep.equal([[ops[2], "suspect"]]);
    mesh.onHeartbeat(ops[2]!);
    expect(mesh.view().events.map((e) => [e.operator, e.event])).to.deep.equal([
      [ops[2], "suspect"],
      [ops[2], "recover"],
    ]);
    expect(view.uptime).to.equal(null);
    mesh.setCertifiedUptime(1n, new Map([[ops[0]!, 9_000]]));
    mesh.setCertifiedUptime(0n, new Map([[ops[0]!, 1]])); // an older epoch never replaces a newer one
    expect(mesh.view().uptime).to.deep.equal({ epoch: "1", bps: { [ops[0]!]: 9_000 } });
  });
});

describe("heartbeat with the sender's RTT row", () => {
  it("the largest row the schema allows (64 peers, 600 s each) fits the heartbeat topic's size limit; 65 do not pass the schema", () => {
    const w = new Wallet(keccak256(toUtf8Bytes("hb")));
    const row = (n: number) =>
      Array.from({ length: n }, (_, i) => [`0x${"A".repeat(38)}${i.toString(16).padStart(2, "0")}`, 600_000]);
    const heartbeat = (n: number) => ({ peerId: "1".repeat(128), seq: 2 ** 52, sentAtMs: 2 ** 52, rttMs: row(n) });
    const signer = { operator: w.address, signingKey: w.signingKey, chainId: 2n ** 64n };
    const bytes = encodeEnvelope(signer, topicId(heartbeatTopic), heartbeat(64), heartbeatTopic.maxBytes!, {
      schema: heartbeatTopic.schema,
    });
    expect(bytes.length).to.be.below(heartbeatTopic.maxBytes!);
    expect(heartbeatTopic.schema.safeParse(heartbeat(65)).success).to.equal(false);
  });
});

describe("uptime part: certified median of validators' signed heartbeat reports", () => {
  const honest: Array<[string, number]> = [
    [ops[0]!, 10_000],
    [ops[1]!, 9_000],
    [ops[2]!, 5_000],
  ];

  /** A part whose gossip subscription is driven by the test: `deliver` hands it a report. */
  function partWith(reports: UptimeReport[]): UptimePart & { deliver: (r: UptimeReport) => void } {
    const part = Object.assign(new UptimePart(), { deliver: (_r: UptimeReport) => {} });
    const host: PartHost = {
      self: signers[0]!,
      chainId: 31337n,
      logger: silent,
      sign: (d) => validators[0]!.signingKey.sign(d).serialized,
      subscribe: (_topic, handler) => {
        part.deliver = (r) => void handler({ payload: r } as never);
        return () => {};
      },
      publish: async () => {},
    };
    void part.start(host);
    for (const r of reports) part.deliver(r);
    return part;
  }

  const refsOf = (rs: UptimeReport[]) => bySigner(rs).map((r) => ({ signer: r.signer, id: reportId(r) }));

  it("a validator lying about one operator cannot move its median; the proposer's slice validates everywhere", () => {
    const liar: Array<[string, number]> = [
      [ops[0]!, 0],
      [ops[1]!, 9_000],
      [ops[2]!, 10_000],
    ];
    const reports = [report(0, 1n, honest), report(1, 1n, honest), report(2, 1n, liar)];
    const proposer = partWith(reports);
    const proposed = proposer.propose(ctx(2n));
    expect(proposed?.reports).to.deep.equal(refsOf(reports));
    // what validators get: the slice through JSON and the part's schema; the reports by gossip
    const validator = partWith(reports);
    const wire = JSON.parse(JSON.stringify(validator.codec.toJson(proposed))) as unknown;
    const slice = validator.codec.fromJson(validator.codec.schema.parse(wire));
    expect(slice).to.deep.equal(proposed);
    expect(validator.validate(ctx(2n), slice)).to.deep.equal({});
    validator.onDecided({ header: { epoch: 2n }, slices: { uptime: slice } }, slice);
    expect(validator.uptimeBps(ops[0]!, 1n)).to.equal(10_000);
    expect(validator.uptimeBps(ops[2]!, 1n)).to.equal(5_000);
    expect(validator.uptimeBps(ops[2]!, 2n)).to.equal(undefined);
    expect(() => validator.validate(ctx(2n), slice)).to.throw(PayloadError, "already certified");
  });

  it("needs reports of more than 2/3 of the closed epoch's validators, each held and signed by its signer", () => {
    const two = partWith([report(0, 1n, honest), report(1, 1n, honest)]);
    expect(two.propose(ctx(2n))).to.equal(null);
    const forged = { ...report(2, 1n, honest), entries: [] };
    const outsider = new Wallet(keccak256(toUtf8Bytes("outsider")));
    const body = { chainId: "31337", epoch: "1", signer: outsider.address.toLowerCase(), entries: honest };
    const stranger = { ...body, signature: outsider.signingKey.sign(reportDigest(body)).serialized };
    const v = partWith([report(0, 1n, honest), report(1, 1n, honest), forged, stranger]);
    expect(() =>
      v.validate(ctx(2n), { epoch: 1n, reports: refsOf([report(0, 1n, honest), report(1, 1n, honest)]) }),
    ).to.throw(PayloadError, "2/3");
    // a forged report (its signature is not its signer's) fails validation; one not held is unavailable
    const withForged = refsOf([report(0, 1n, honest), report(1, 1n, honest), forged]);
    expect(() => v.validate(ctx(2n), { epoch: 1n, reports: withForged })).to.throw(PayloadError, "signature");
    const withUnheld = refsOf([report(0, 1n, honest), report(1, 1n, honest), report(3, 1n, honest)]);
    expect(() => v.validate(ctx(2n), { epoch: 1n, reports: withUnheld })).to.throw(PartUnavailable, "not held");
    const withStranger = refsOf([report(0, 1n, honest), report(1, 1n, honest), report(2, 1n, honest), stranger]);
    expect(() => v.validate(ctx(2n), { epoch: 1n, reports: withStranger })).to.throw(PayloadError, "no validator");
    const three = refsOf([report(0, 1n, honest), report(1, 1n, honest), report(2, 1n, honest)]);
    expect(() => v.validate(ctx(3n), { epoch: 1n, reports: three })).to.throw(PayloadError, "epoch");
    // a ref naming one validator's report under another's signer
    const swapped = three.map((r, i) => (i === 0 ? { ...r, id: three[1]!.id } : r));
    const held = partWith([report(0, 1n, honest), report(1, 1n, honest), report(2, 1n, honest)]);
    expect(() => held.validate(ctx(2n), { epoch: 1n, reports: swapped })).to.throw(PayloadError, "is not by");
  });

  it("caps a validator's uptime by the heights it signed in the closing liveness", () => {
    const reports = [report(0, 1n, honest), report(1, 1n, honest), report(2, 1n, honest)];
    const v = partWith(reports);
    const slice = { epoch: 1n, reports: refsOf(reports) };
    const closing = {
      header: { epoch: 1n },
      liveness: [{ signer: signers[3]!, bits: 0n, filled: 4, epochSigned: 3, epochHeights: 4 }],
    };
    v.onDecided({ header: { epoch: 2n }, slices: { rewards: { closing, leaves: [] } } }, null);
    v.onDecided({ header: { epoch: 2n }, slices: { uptime: slice } }, slice);
    expect(v.uptimeBps(ops[0]!, 1n, signers[3])).to.equal(7_500);
    expect(v.uptimeBps(ops[0]!, 1n)).to.equal(10_000);
  });

  it("a flood of reports by non-validators or for far epochs never crowds out the validators' reports", () => {
    const base = report(0, 1n, honest);
    const junk = (i: number, epoch: bigint): UptimeReport => ({
      ...base,
      epoch: epoch.toString(),
      signer: `0x${i.toString(16).padStart(40, "0")}`,
    });
    const run = (flood: (deliver: (r: UptimeReport) => void) => void) => {
      const part = partWith([]);
      const deliver = part.deliver;
      flood(deliver);
      part.validate(ctx(2n), null); // the host's context names epoch 1's and 2's validators
      part.onDecided({ header: { epoch: 2n }, slices: { uptime: null } }, null);
      for (let e = 3n; e < 50n; e++) deliver(junk(1, e)); // far epochs after a decision: dropped
      for (const i of [0, 1, 2]) deliver(report(i, 1n, honest));
      return part.propose(ctx(2n))?.reports.map((r) => r.signer);
    };
    const expected = signers.slice(0, 3).sort();
    // before any decision: reports for 8 far epochs take every epoch slot
    expect(
      run((deliver) => [100n, 101n, 102n, 103n, 104n, 105n, 106n, 107n].forEach((e) => deliver(junk(1, e)))),
    ).to.deep.equal(expected);
    // before the keeper knows epoch 1's validators: 2,000 strangers fill the per-epoch bound
    expect(run((deliver) => Array.from({ length: 2_000 }, (_, i) => deliver(junk(i + 1, 1n))))).to.deep.equal(expected);
  });

  it("the slice names reports by id: ~140 bytes per validator whatever the number of operators", () => {
    const operators = (n: number) =>
      Array.from({ length: n }, (_, i) => `0x${(i * 7919 + 1).toString(16).padStart(40, "0")}`).sort();
    const sizes = [10, 1_000].map((n) => {
      const reports = [0, 1, 2, 3].map((v) =>
        report(
          v,
          5n,
          operators(n).map((op): [string, number] => [op, 9_999]),
        ),
      );
      const slice: UptimeSlice = { epoch: 5n, reports: refsOf(reports) };
      const wire = JSON.parse(JSON.stringify(sliceToJson(slice))) as Parameters<typeof sliceFromJson>[0];
      expect(sliceFromJson(wire)).to.deep.equal(slice);
      return JSON.stringify(sliceToJson(slice)).length;
    });
    expect(sizes[0]).to.equal(sizes[1]);
    expect(sizes[0]! / 4).to.be.below(150);
    const one = sliceToJson({ epoch: 1n, reports: refsOf([report(0, 1n, honest)]) })!;
    expect(new UptimePart().codec.schema.safeParse({ ...one, epoch: "01" }).success).to.equal(false);
    expect(
      new UptimePart().codec.schema.safeParse({ ...one, reports: [{ ...one.reports[0], id: "0x12" }] }).success,
    ).to.equal(false);
  });

  it("median per operator: an operator a report omits counts as 0 there (property: within the reports' range)", () => {
    let seed = 11;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed >>> 16);
    for (let run = 0; run < 200; run++) {
      const n = 3 + (rand() % 5);
      const rs = Array.from({ length: n }, (_, i) => ({
        signer: `0x${String(i).padStart(40, "0")}`,
        entries: [[ops[0]!, rand() % 10_001]] as Array<[string, number]>,
      })) as unknown as UptimeReport[];
      const m = medianUptime(rs).get(ops[0]!)!;
      const values = rs.map((r) => r.entries[0]![1]);
      expect(m)
        .to.be.at.least(Math.min(...values))
        .and.at.most(Math.max(...values));
      expect(values.filter((x) => x <= m).length * 2).to.be.at.least(n);
    }
  });
});
