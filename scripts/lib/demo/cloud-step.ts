// The demo's cloud step: the market step (scripts/lib/market-demo.ts) fed by the keepers' own Proof-of-Resource, then
// the renter's workspace on the provider's keeper (scripts/lib/workspace-client.ts): sign in with the wallet, S3
// keys for the lease, a file stored and read back through the AWS SDK. PoR leaves come from a keeper's /por (the
// leaves of each epoch's latest decided header), proven against the header as certified on chain.
import type { Signer, Wallet } from "ethers";
import type { Deployed } from "../deploy.js";
import { runMarketDemo, type PorLeafProof } from "../market-demo.js";
import { certifiedHeaderAt, porLeafOf } from "../por-leaf.js";
import { storeAndReadBack } from "../workspace-client.js";
import { runDemoJob } from "./job-step.js";
import type { LeaseUptime } from "../../../keeper/src/api/lease-uptime.js";
import type { ResourceLeaf } from "../../../keeper/src/por/resource-leaf.js";

/** The part of a keeper's /por answer this step reads (keeper/src/por/service.ts status()). */
interface PorStatusJson {
  enabled: boolean;
  decided: Array<{
    epoch: number;
    height: string;
    leaves: ResourceLeaf[];
  }>;
}

export interface CloudStepContext {
  d: Deployed;
  /** the provider's keeper: its /por and its workspace API */
  keeper: { apiUrl: string; get<T>(path: string): Promise<T | undefined> };
  /** the keeper's operator (its owner key) */
  providerOwner: Signer;
  /** the renter's wallet, funded with OPEN */
  renter: Wallet;
  /** resolves once the chain's current epoch is at least `epoch` (the demo advances it) */
  untilEpoch: (epoch: bigint) => Promise<void>;
  info: (line: string) => void;
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * false when the keeper runs no PoR (no /por route, or PoR off in its config): the market has nothing to list from.
 * A busy keeper (PoR challenges on a loaded machine) may answer slowly: only a clear answer decides.
 */
export async function keeperProvesResources(keeper: CloudStepContext["keeper"]): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${keeper.apiUrl}/por`, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 404) return false;
      if (res.ok) return ((await res.json()) as PorStatusJson).enabled === true;
    } catch (err) {
      if (attempt >= 4) {
        throw new Error(`keeper ${keeper.apiUrl} did not answer /por: ${(err as Error).message}`, { cause: err });
      }
    }
    if (attempt >= 4) throw new Error(`keeper ${keeper.apiUrl} did not answer /por`);
    await sleep(1_000);
  }
}

/** `operator`'s leaf in a certified header of `epoch`, from the keeper's /por and the chain. */
async function porLeafFromKeeper(ctx: CloudStepContext, operator: string, epoch: bigint): Promise<PorLeafProof> {
  await ctx.untilEpoch(epoch);
  const deadline = Date.now() + (ctx.timeoutMs ?? 180_000);
  const zero = /^0x0+$/;
  for (;;) {
    const por = await ctx.keeper.get<PorStatusJson>("/por");
    const decided = por?.decided.find((x) => BigInt(x.epoch) === epoch);
    const mine = decided?.leaves.some((l) => l.operator.toLowerCase() === operator.toLowerCase());
    // the latest decided header of the epoch may not be certified (yet, or ever: checkpointInterval)
    if (decided && mine && !zero.test(await ctx.d.checkpoints.checkpointHash(BigInt(decided.height)))) {
      const header = await certifiedHeaderAt(ctx.d.checkpoints, BigInt(decided.height));
      const leaves = decided.leaves.map((l) => ({
        operator: l.operator,
        resources: {
          cpuCores: BigInt(l.cpuCores),
          bandwidthMbps: BigInt(l.bandwidthMbps),
          memoryMiB: BigInt(l.memoryMiB),
          storageGiB: BigInt(l.storageGiB),
          latencyUs: BigInt(l.latencyUs),
          uptimeBps: BigInt(l.uptimeBps),
        },
      }));
      return porLeafOf(header, leaves, operator);
    }
    if (Date.now() > deadline) {
      const seen = decided?.leaves.map((l) => `${l.operator} (${l.storageGiB} GiB)`).join(", ") || "none";
      throw new Error(
        `PoR certified no porRoot leaf of ${operator} in epoch ${epoch} within ${(ctx.timeoutMs ?? 180_000) / 1000} s ` +
          `(leaves of the epoch's latest decided header: ${seen}); the market lists only proven capacity`,
      );
    }
    await sleep(300);
  }
}

export async function runCloudStep(ctx: CloudStepContext): Promise<void> {
  const { d, info } = ctx;
  const market = await runMarketDemo({
    market: d.market,
    dvm: d.dvm,
    token: d.token,
    validatorSets: d.validatorSets,
    provider: ctx.providerOwner,
    renter: ctx.renter,
    porLeaf: (operator, epoch) => porLeafFromKeeper(ctx, operator, epoch),
    untilEpoch: ctx.untilEpoch,
    log: info,
  });
  const body = Buffer.from(`lease #${market.tokenId}: a file stored through the AWS SDK\n`.repeat(1024));
  const ws = await storeAndReadBack({
    baseUrl: ctx.keeper.apiUrl,
    wallet: ctx.renter,
    chainId: Number((await ctx.renter.provider!.getNetwork()).chainId),
    leaseId: market.tokenId,
    bucket: "demo",
    key: "hello.txt",
    body,
  });
  const storage = ws.status.storage as { usedBytes: number; quotaBytes: number } | undefined;
  info(
    `${ctx.renter.address} signed in to ${ctx.keeper.apiUrl} with its wallet (SIWE), got S3 key ${ws.keys.accessKeyId} ` +
      `for lease #${market.tokenId}, put s3://${ws.bucket}/${ws.key} (${ws.bytes} bytes, ETag ${ws.etag}) and read it ` +
      `back: ${ws.matches ? "identical" : "DIFFERENT"}; ${storage?.usedBytes} of ${storage?.quotaBytes} bytes used`,
  );
  if (!ws.matches) throw new Error("the object read back differs from the one stored");
  const run = await runDemoJob(ctx.keeper.apiUrl, ws.token, market.tokenId, "hello, OpenMesh");
  info(
    `ran job ${run.job.jobId} on lease #${market.tokenId} (wasm, ${run.job.usage.fuelUsed} fuel, ` +
      `${run.job.usage.wallMs} ms on a worker thread): output "${run.output}", log "${run.logs.trim()}"`,
  );
  const uptime = ws.status.attestedUptime as LeaseUptime | null;
  const shown = uptime?.epochs.map((x) => `epoch ${x.epoch} ${x.uptimeBps === null ? "-" : `${x.uptimeBps / 100}%`}`);
  info(`lease status from the keeper: attested uptime ${shown?.join(", ") ?? "not available"}`);
}
