// Uptime reports by id over /openmesh/uptime-reports/1: a validator lacking a report that a
// proposal names asks the proposer (prefetch); a keeper that decided a height without validating
// it (catch-up, restart) asks its connected peers. Answers are checked by the part (id and
// signature), so a peer can withhold a report but never substitute one.
import { peerIdFromString } from "@libp2p/peer-id";
import type { Libp2p, PeerId } from "@libp2p/interface";
import { z } from "zod";
import type { Logger } from "../../observability/logger.js";
import type { OperatorDirectory } from "../../p2p/directory.js";
import { protocolId, type ProtocolSpec, type ReqResp } from "../../p2p/reqresp.js";
import { reportId, UptimeReportJson, type UptimeNet, type UptimeReport } from "./uptime-part.js";

/** ids per request: a report is at most 64 KiB (its topic's limit), so an answer stays under ~1 MiB */
export const IDS_PER_REQUEST = 16;

export const uptimeReportsProtocol: ProtocolSpec<{ ids: string[] }, { reports: UptimeReport[] }> = {
  name: "uptime-reports",
  request: z.strictObject({ ids: z.array(z.string().regex(/^0x[0-9a-f]{64}$/)).max(IDS_PER_REQUEST) }),
  response: z.strictObject({ reports: z.array(UptimeReportJson).max(IDS_PER_REQUEST) }),
  maxRequestBytes: 2 * 1024,
  maxResponseBytes: IDS_PER_REQUEST * 64 * 1024 + 4 * 1024,
};

export interface UptimeFetchDeps {
  libp2p: Libp2p;
  reqresp: ReqResp;
  directory: OperatorDirectory;
  logger: Logger;
  /** peers asked besides the named one, at most (default 4) */
  maxPeers?: number;
  timeoutMs?: number;
}

export function uptimeNet(d: UptimeFetchDeps): UptimeNet {
  return {
    serve: (lookup) => d.reqresp.handle(uptimeReportsProtocol, ({ ids }) => ({ reports: lookup(ids) })),
    close: () => d.libp2p.unhandle(protocolId(uptimeReportsProtocol)),
    async fetch(ids, from) {
      const named = from ? d.directory.byOperator(from)?.peerId : undefined;
      const peers: PeerId[] = named ? [peerIdFromString(named)] : [];
      for (const p of d.libp2p.getPeers().slice(0, d.maxPeers ?? 4)) if (!peers.some((q) => q.equals(p))) peers.push(p);
      const found = new Map<string, UptimeReport>();
      for (const peer of peers) {
        const left = ids.filter((id) => !found.has(id));
        if (left.length === 0) break;
        for (let i = 0; i < left.length; i += IDS_PER_REQUEST) {
          try {
            const { reports } = await d.reqresp.request(
              peer,
              uptimeReportsProtocol,
              { ids: left.slice(i, i + IDS_PER_REQUEST) },
              { timeoutMs: d.timeoutMs },
            );
            for (const r of reports) found.set(reportId(r), r); // the part checks signatures
          } catch (err) {
            d.logger.debug({ peer: peer.toString(), err: (err as Error).message }, "uptime reports request failed");
            break;
          }
        }
      }
      return [...found.values()];
    },
  };
}
