// Bytes the uptime part adds to a height's payload (once per epoch, at the height that certifies
// the previous epoch's uptime), by validators x operators: now (reports named by id) against the
// reports carried inline in the compact form the slice used before (each operator once, one
// 4-hex-digit cell per report and operator), and one report as gossiped.
//
//   npx tsx scripts/bench/uptime-payload.ts
import { Wallet, keccak256, toUtf8Bytes } from "ethers";
import { reportDigest, reportId, sliceToJson, type UptimeReport } from "../../keeper/src/checkpoint/parts/uptime-part.js";

const SHAPES: Array<[validators: number, operators: number]> = [
  [4, 10],
  [16, 50],
  [64, 100],
  [100, 1_024],
];

/** The inline form the slice had before (removed from the part): kept here to measure against. */
function inlineCompact(epoch: string, reports: UptimeReport[]): unknown {
  const operators = [...new Set(reports.flatMap((r) => r.entries.map(([op]) => op)))].sort();
  const index = new Map(operators.map((op, i) => [op, i]));
  return {
    chainId: reports[0]!.chainId,
    epoch,
    operators,
    reports: reports.map((r) => {
      const cells = operators.map(() => "ffff");
      for (const [op, bps] of r.entries) cells[index.get(op)!] = bps.toString(16).padStart(4, "0");
      return { signer: r.signer, bps: cells.join(""), signature: r.signature };
    }),
  };
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const rows = SHAPES.map(([v, o]) => {
  const operators = Array.from({ length: o }, (_, i) => `0x${(i * 7919 + 1).toString(16).padStart(40, "0")}`).sort();
  const reports = Array.from({ length: v }, (_, i) => {
    const w = new Wallet(keccak256(toUtf8Bytes(`uptime-bench-${i}`)));
    const body = {
      chainId: "31337",
      epoch: "7",
      signer: w.address.toLowerCase(),
      entries: operators.map((op, k): [string, number] => [op, 9_000 + ((i * 31 + k) % 1_000)]),
    };
    return { ...body, signature: w.signingKey.sign(reportDigest(body)).serialized };
  }).sort((a, b) => (a.signer < b.signer ? -1 : 1));
  const byId = JSON.stringify(sliceToJson({ epoch: 7n, reports: reports.map((r) => ({ signer: r.signer, id: reportId(r) })) }));
  return {
    validators: v,
    operators: o,
    reportGossipBytes: JSON.stringify(reports[0]).length,
    sliceBytesBefore: JSON.stringify(inlineCompact("7", reports)).length,
    sliceBytesNow: byId.length,
  };
});
console.log(JSON.stringify(rows, null, 2));
for (const r of rows) {
  console.log(
    `uptime slice at ${r.validators} validators x ${r.operators} operators: ${kib(r.sliceBytesBefore)} inline before, ` +
      `${kib(r.sliceBytesNow)} by id now (one report gossiped: ${kib(r.reportGossipBytes)})`,
  );
}
