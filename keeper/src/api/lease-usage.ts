// A lease's bytes on this keeper against its storage quota, in one place: S3 objects and uploaded
// parts (s3/lease-store.ts) and job files, i.e. stored modules, inputs, outputs and logs
// (jobs/job-service.ts). An S3 PUT and a job submit reserve room here, so each sees the other's
// bytes. Nothing here is written to disk: each side recounts the files it owns when it opens (the
// files are the truth; a separate counter could drift from them after a crash).

export type UsageKind = "s3" | "jobs";

/** A write refused because it would take the lease past its quota. */
export class QuotaExceeded extends Error {
  override name = "QuotaExceeded";
  constructor(
    readonly bytes: number,
    readonly wouldUse: number,
    readonly quotaBytes: number,
    usage: Readonly<Record<UsageKind, number>>,
  ) {
    super(
      `this write of ${bytes} bytes would take the lease's storage to ${wouldUse} of its ${quotaBytes} bytes ` +
        `(${usage.s3} in S3 objects and parts, ${usage.jobs} in job modules, inputs, outputs and logs)`,
    );
  }
}

export class LeaseUsage {
  private readonly bytes: Record<UsageKind, number> = { s3: 0, jobs: 0 };
  /** room held for writes in progress (and for queued jobs' output and logs) */
  private reserved = 0;

  /** committed bytes of both kinds */
  get usedBytes(): number {
    return this.bytes.s3 + this.bytes.jobs;
  }

  get reservedBytes(): number {
    return this.reserved;
  }

  of(kind: UsageKind): number {
    return this.bytes[kind];
  }

  /** Counts bytes written (positive) or deleted (negative). */
  add(kind: UsageKind, delta: number): void {
    this.bytes[kind] += delta;
  }

  /**
   * Holds room for a write of `bytes` that replaces `replacing` bytes (an overwritten object);
   * throws QuotaExceeded when used + reserved + bytes - replacing would pass `quotaBytes`
   * (Infinity: hold without a check). Returns the release, idempotent.
   */
  reserve(bytes: number, replacing: number, quotaBytes: number): () => void {
    const wouldUse = this.usedBytes + this.reserved + bytes - replacing;
    if (wouldUse > quotaBytes) throw new QuotaExceeded(bytes, wouldUse, quotaBytes, this.bytes);
    this.reserved += bytes;
    let released = false;
    return () => {
      if (!released) this.reserved -= bytes;
      released = true;
    };
  }
}

/** Every lease's usage on this keeper, by lease id. */
export class UsageBook {
  private readonly leases = new Map<string, LeaseUsage>();

  of(leaseId: bigint | string): LeaseUsage {
    const id = leaseId.toString();
    let u = this.leases.get(id);
    if (!u) {
      u = new LeaseUsage();
      this.leases.set(id, u);
    }
    return u;
  }
}
