// The demo's Proof-of-Resource step: the keepers challenge each other (config below), and this step reads back the
// first certified header whose porRoot holds a leaf for every operator, prints what each proved, and verifies one
// leaf on chain with CheckpointStore.verifyResource. Everything it reads is public: a keeper's /por (the decided
// leaves) and the chain (the header from its certifying transaction, scripts/lib/por-leaf.ts).
import type { Header } from "../../../keeper/src/checkpoint/header.js";
import type { ProvenResources } from "../../../keeper/src/checkpoint/leaves.js";
import type { ResourceLeaf } from "../../../keeper/src/por/aggregate.js";
import type { CheckpointStore } from "../../../types/ethers-contracts/index.js";
import type { PorLeafProof } from "../market-demo.js";
import { certifiedHeaderAt, porLeafOf } from "../por-leaf.js";

/** Small sizes: N keepers prove each other on one machine, in a few seconds per epoch (docs/por.md). */
export const DEMO_POR = {
  enabled: true,
  staggerMs: 2_000,
  retries: 6,
  retryMs: 3_000,
  cpu: { chainLength: 2_000, deadlineMs: 30_000 },
  memory: { sizeDivisor: 64, fillDeadlineMs: 30_000, walkDeadlineMs: 10_000 },
  storage: { chunkWork: 200, sizeDivisor: 4096, deadlineMs: 10_000 },
  bandwidth: { seconds: 0.1, deadlineMs: 30_000 },
  latency: { samples: 3 },
} as const;

/** What each demo operator claims on chain (`openmesh-keeper register` flags), sized to share one machine. */
export const DEMO_CLAIMS = ["--cpu-cores", "1", "--memory-mib", "64", "--storage-gib", "4", "--bandwidth-mbps", "1"];

interface PorStatus {
  decided: Array<{ epoch: number; height: string; porRoot: string; leaves: ResourceLeaf[] }>;
}

export interface PorStepContext {
  checkpoints: CheckpointStore;
  /** keepers' APIs, asked in order (the first that answers) */
  keepers: ReadonlyArray<{ get<T>(path: string): Promise<T | undefined> }>;
  operators: string[];
  timeoutMs: number;
  log: (line: string) => void;
}

export interface CertifiedPor {
  header: Header;
  leaves: Array<{ operator: string; resources: ProvenResources }>;
}

export const provenOf = (l: ResourceLeaf): ProvenResources => ({
  cpuCores: BigInt(l.cpuCores),
  bandwidthMbps: BigInt(l.bandwidthMbps),
  memoryMiB: BigInt(l.memoryMiB),
  storageGiB: BigInt(l.storageGiB),
  latencyUs: BigInt(l.latencyUs),
  uptimeBps: BigInt(l.uptimeBps),
});

/**
 * The first header certified on chain whose porRoot proves every operator. Leaves change at every height (uptime),
 * so the decided leaves a keeper serves are kept by porRoot and matched against certified headers as they appear.
 */
export async function certifiedPorOfAll(ctx: PorStepContext): Promise<CertifiedPor> {
  const byRoot = new Map<string, ResourceLeaf[]>();
  const checked = new Set<bigint>();
  const deadline = Date.now() + ctx.timeoutMs;
  const want = new Set(ctx.operators.map((o) => o.toLowerCase()));
  for (;;) {
    for (const k of ctx.keepers) {
      const s = await k.get<PorStatus>("/por");
      if (!s) continue;
      for (const d of s.decided) {
        if ([...want].every((o) => d.leaves.some((l) => l.operator === o))) byRoot.set(d.porRoot, d.leaves);
      }
      break;
    }
    if (byRoot.size > 0) {
      const events = await ctx.checkpoints.queryFilter(ctx.checkpoints.filters.CheckpointCertified());
      for (const e of events.reverse()) {
        const height = e.args.height;
        if (checked.has(height)) continue;
        checked.add(height);
        const header = await certifiedHeaderAt(ctx.checkpoints, height);
        const leaves = byRoot.get(header.porRoot);
        if (leaves) return { header, leaves: leaves.map((l) => ({ operator: l.operator, resources: provenOf(l) })) };
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${ctx.timeoutMs / 1000}s waiting for a certified porRoot proving every operator`,
      );
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The step: proven resources per operator, then one leaf proved on chain (and the operator's claim refused). */
export async function runPorStep(ctx: PorStepContext): Promise<CertifiedPor & { verified: PorLeafProof }> {
  const por = await certifiedPorOfAll(ctx);
  const { header } = por;
  ctx.log(`porRoot ${header.porRoot.slice(0, 18)}… certified at height ${header.height} (epoch ${header.epoch}):`);
  for (const { operator, resources: r } of por.leaves) {
    ctx.log(
      `  ${operator}: ${r.cpuCores} cores, ${r.memoryMiB} MiB, ${r.storageGiB} GiB, ${r.bandwidthMbps} Mbit/s, ` +
        `latency ${(Number(r.latencyUs) / 1000).toFixed(1)} ms, uptime ${(Number(r.uptimeBps) / 100).toFixed(1)}%`,
    );
  }
  const operator = ctx.operators[0]!;
  const verified = porLeafOf(header, por.leaves, operator);
  const ok = await ctx.checkpoints.verifyResource(header, operator, verified.resources, verified.proof);
  const inflated = { ...verified.resources, storageGiB: verified.resources.storageGiB * 2n };
  const refused = !(await ctx.checkpoints.verifyResource(header, operator, inflated, verified.proof));
  ctx.log(`verifyResource on chain, operator ${operator}'s leaf (${verified.proof.length} proof nodes): ${ok}`);
  ctx.log(`the same leaf with twice the storage: ${refused ? "refused" : "ACCEPTED"}`);
  if (!ok || !refused) throw new Error("the certified porRoot leaf did not verify on chain as it should");
  return { ...por, verified };
}
