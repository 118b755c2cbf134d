// The lease stores on this keeper's disk (one folder per lease) and the sweeper that deletes a
// lease's data once its grace period is over.
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../observability/index.js";
import { UsageBook } from "./lease-usage.js";
import { LeaseStore } from "./s3/lease-store.js";

export class Workspaces {
  private readonly open = new Map<string, Promise<LeaseStore>>();
  /** every lease's bytes against its quota: S3 (the stores) and jobs (the job service) */
  readonly usage = new UsageBook();

  private constructor(readonly dir: string) {}

  static async init(dir: string): Promise<Workspaces> {
    await mkdir(join(dir, "leases"), { recursive: true });
    return new Workspaces(dir);
  }

  /** The store of a lease, opened (and its index loaded) once. */
  store(leaseId: bigint): Promise<LeaseStore> {
    const id = leaseId.toString();
    let p = this.open.get(id);
    if (!p) {
      p = LeaseStore.open(join(this.dir, "leases", id), this.usage.of(id));
      this.open.set(id, p);
      p.catch(() => this.open.delete(id));
    }
    return p;
  }

  /** Lease ids that have data on disk. */
  async leaseIds(): Promise<bigint[]> {
    const names = await readdir(join(this.dir, "leases"));
    return names.filter((n) => /^\d+$/.test(n)).map((n) => BigInt(n));
  }

  async destroy(leaseId: bigint): Promise<void> {
    const store = await this.store(leaseId);
    this.open.delete(leaseId.toString());
    await store.destroy();
  }
}

/**
 * Deletes the data of every lease whose grace period is over, by the chain's clock. `deleteAfter`
 * returns the unix second after which a lease's data goes (undefined: keep, e.g. chain unreadable).
 */
export async function sweepEndedLeases(
  workspaces: Workspaces,
  deleteAfter: (leaseId: bigint) => Promise<{ deleteAfter: number; now: number } | undefined>,
  onDeleted: (leaseId: bigint) => Promise<void>,
  logger: Logger,
  /** leases with other data here (jobs) but maybe no S3 store */
  moreLeaseIds: readonly bigint[] = [],
): Promise<bigint[]> {
  const deleted: bigint[] = [];
  const ids = new Set([...(await workspaces.leaseIds()), ...moreLeaseIds]);
  for (const leaseId of ids) {
    const d = await deleteAfter(leaseId).catch((err: unknown) => {
      logger.warn({ err, leaseId: leaseId.toString() }, "cannot read lease for the grace sweep; keeping its data");
      return undefined;
    });
    if (!d || d.now < d.deleteAfter) continue;
    await workspaces.destroy(leaseId);
    await onDeleted(leaseId);
    deleted.push(leaseId);
    logger.info({ leaseId: leaseId.toString() }, "lease grace period over: workspace data deleted");
  }
  return deleted;
}
