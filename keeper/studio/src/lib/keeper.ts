// The keeper's own JSON endpoints, as the page reads them (same origin as the page).
import type { ResourceLeaf as PorLeaf } from "../../../src/por/resource-leaf.js";

export interface StudioInfo {
  chainId: string | null;
  operator: string;
  peerId: string;
  contracts: Record<string, string>;
  deploymentBlock: number;
  rpc: boolean;
}

export interface Health {
  ready: boolean;
  peers: number;
  synced: boolean;
  epoch: number | null;
  lastCheckpointAgeSeconds: number | null;
  consensus?: { live: boolean; secondsSinceDecision: number | null; waitingFor: string | null } | null;
  notReadyReason?: string | null;
}

/** /checkpoints (keeper/src/studio/checkpoint-feed.ts) */
export type { CheckpointRecord } from "../../../src/studio/checkpoint-record.js";

export interface ConsensusStatus {
  epoch: string | null;
  height: number | null;
  lastDecided: { height: string; round: number; headerHash: string; signers: number } | null;
  commitLatencyMs: { p50: number | null; p99: number | null; count: number };
}

/** /mesh (keeper/src/observability/mesh-monitor.ts) */
export interface MeshView {
  self: string;
  heartbeatIntervalMs: number;
  phiThreshold: number;
  peers: Array<{
    operator: string;
    phi: number;
    suspected: boolean;
    lastHeardMsAgo: number | null;
    rttMs: { p50: number | null; p99: number | null; samples: number };
  }>;
  medianRttMs: number | null;
  /** from -> to -> median RTT (ms) */
  latencyMs: Record<string, Record<string, number>>;
  uptime: { epoch: string; bps: Record<string, number> } | null;
}

/** a porRoot leaf (keeper/src/por/aggregate.ts): the median of an operator's verifiers per measure */
export type { PorLeaf };

/** /por (keeper/src/por/service.ts status()) */
export interface PorStatus {
  enabled: boolean;
  epoch: number | null;
  /** the latest decided result of each recent epoch */
  decided: Array<{ epoch: number; height: string; porRoot: string; reports: number; leaves: PorLeaf[] }>;
}

/** /logs (keeper/src/observability/log-summary.ts) */
export interface LogSummary {
  since: string;
  counts: Record<string, number>;
  modules: Array<{ module: string; warn: number; error: number }>;
  recent: Array<{ time: string; level: string; module: string; msg: string; repeats: number }>;
}

export interface RewardLeaf {
  index: number;
  operator: string;
  amount: string;
  proof: string[];
}

/** epoch -> its certified rewards with each operator's proof */
export type RewardsReport = Record<string, { root: string; total: string; leaves: RewardLeaf[] }>;

/** The keeper's base URL: the page lives at <keeper>/studio/. */
export const keeperBase = new URL("..", location.href);

/** GETs a keeper endpoint; null on 404 (a keeper without that module) or a network error. */
export async function keeperJson<T>(path: string): Promise<T | null> {
  try {
    const r = await fetch(new URL(path.replace(/^\//, ""), keeperBase), { cache: "no-store" });
    if (!r.ok && r.status !== 503) return null;
    return (await r.json()) as T;
  } catch {
    return null;
  }
}

export async function keeperText(path: string): Promise<string | null> {
  try {
    const r = await fetch(new URL(path.replace(/^\//, ""), keeperBase), { cache: "no-store" });
    return r.ok ? await r.text() : null;
  } catch {
    return null;
  }
}

export async function loadInfo(): Promise<StudioInfo> {
  // the keeper puts it into the page (handler.ts); config.json is the fallback
  const meta = document.querySelector<HTMLMetaElement>('meta[name="openmesh-studio"]')?.content;
  if (meta) return JSON.parse(meta) as StudioInfo;
  const r = await fetch(new URL("config.json", location.href), { cache: "no-store" });
  if (!r.ok) throw new Error(`the keeper answered ${r.status} for /studio/config.json`);
  return (await r.json()) as StudioInfo;
}
