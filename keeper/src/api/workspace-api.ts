// The keeper's HTTP API for renters, mounted on the keeper's HTTP server: SIWE sign-in under
// /api/auth, lease status and S3 access keys under /api/leases/:id, the S3 endpoint under /s3.
// The chain decides every access (lease-access.ts); nothing here has a password.
import { randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { Logger } from "../observability/index.js";
import { AccessKeys } from "./access-keys.js";
import { ApiError } from "./errors.js";
import { applyCors, readJson, sendError, sendJson } from "./http.js";
import { JobService } from "./jobs/job-service.js";
import type { JobsConfig } from "./jobs/limits.js";
import { jobRoute } from "./jobs/routes.js";
import { LeaseState, type Lease, type LeaseAccess } from "./lease-access.js";
import { writeFileDurable } from "./s3/durable.js";
import { S3Handler, type LeaseGate } from "./s3/handler.js";
import { SessionTokens, type Session } from "./sessions.js";
import { SiweLogin } from "./siwe-login.js";
import { sweepEndedLeases, Workspaces } from "./workspaces.js";

export interface WorkspaceApiOptions {
  /** where sessions' key, access keys and lease data live */
  dir: string;
  chainId: number;
  /** the chain's word on leases; also reports the chain's clock for the grace sweep */
  gate: LeaseGate & {
    lease(leaseId: bigint): Promise<{ lease: unknown; head: { number: number; timestamp: number } }>;
    /** the grace period at a block (governed on chain); `graceSeconds` when absent */
    graceSeconds?(block: number): Promise<number>;
  };
  graceSeconds: number;
  /** SIWE domains (host[:port]) this keeper answers to */
  domains: () => readonly string[];
  /** browser origins allowed besides the server's own (the Studio's); "*" for any */
  corsOrigins: readonly string[];
  sessionTtlMs: number;
  nonceTtlMs: number;
  storageUnitBytes: number;
  /** how often ended leases are checked for deletion; 0 = never (tests call sweep()) */
  sweepIntervalMs: number;
  logger: Logger;
  /** lease facts from other modules (attested uptime per epoch), when they exist */
  uptime?: (lease: Lease) => Promise<unknown>;
  /** wasm jobs on leases (off: no jobs routes) */
  jobs?: JobsConfig;
  now?: () => number;
}

export class WorkspaceApi {
  private sweepTimer?: NodeJS.Timeout;
  readonly s3: S3Handler;

  private constructor(
    private readonly opts: WorkspaceApiOptions,
    private readonly siwe: SiweLogin,
    private readonly sessions: SessionTokens,
    readonly keys: AccessKeys,
    readonly workspaces: Workspaces,
    readonly jobs: JobService | undefined,
  ) {
    this.s3 = new S3Handler({
      keys,
      gate: opts.gate,
      workspaces,
      storageUnitBytes: opts.storageUnitBytes,
      logger: opts.logger,
      now: opts.now,
    });
  }

  static async init(opts: WorkspaceApiOptions): Promise<WorkspaceApi> {
    await mkdir(opts.dir, { recursive: true, mode: 0o700 });
    const now = opts.now ?? Date.now;
    const secret = await sessionSecret(join(opts.dir, "session-key"));
    const workspaces = await Workspaces.init(opts.dir);
    return new WorkspaceApi(
      opts,
      new SiweLogin({ domains: opts.domains, chainId: opts.chainId, nonceTtlMs: opts.nonceTtlMs, now }),
      new SessionTokens(secret, opts.sessionTtlMs, now),
      await AccessKeys.open(join(opts.dir, "access-keys.json"), now),
      workspaces,
      opts.jobs?.enabled
        ? await JobService.open({
            dir: join(opts.dir, "jobs"),
            config: opts.jobs,
            logger: opts.logger,
            now,
            quota: {
              usage: workspaces.usage,
              store: (leaseId) => workspaces.store(leaseId),
              storageUnitBytes: opts.storageUnitBytes,
            },
            leaseEnded: (leaseId) => leaseEnded(opts.gate, leaseId),
          })
        : undefined,
    );
  }

  start(): void {
    if (this.opts.sweepIntervalMs > 0 && !this.sweepTimer) {
      this.sweepTimer = setInterval(() => {
        this.sweep().catch((err: unknown) => this.opts.logger.warn({ err }, "grace sweep failed"));
      }, this.opts.sweepIntervalMs);
      this.sweepTimer.unref();
    }
  }

  /** Stops the sweeper and the job workers (running jobs are recorded `interrupted`). */
  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.jobs?.close();
  }

  /** Deletes the data (and keys) of leases whose grace period is over. */
  async sweep(): Promise<bigint[]> {
    return sweepEndedLeases(
      this.workspaces,
      async (leaseId) => {
        const { lease, head } = await this.opts.gate.lease(leaseId);
        const end = (lease as { end?: number } | undefined)?.end;
        if (end === undefined) return undefined;
        const grace = (await this.opts.gate.graceSeconds?.(head.number)) ?? this.opts.graceSeconds;
        return { deleteAfter: end + grace, now: head.timestamp };
      },
      async (leaseId) => {
        await this.keys.revoke((k) => k.leaseId === leaseId.toString());
        await this.jobs?.removeLease(leaseId);
      },
      this.opts.logger,
      (await this.jobs?.leaseIds()) ?? [],
    );
  }

  /** An ObservabilityServer handler: answers /api/* and /s3/*, leaves the rest. */
  readonly handler = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    const isApi = path === "/api" || path.startsWith("/api/");
    const isS3 = path === this.s3.prefix || path.startsWith(`${this.s3.prefix}/`);
    if (!isApi && !isS3) return false;
    if (applyCors(req, res, this.opts.corsOrigins)) return true;
    if (isS3) return this.s3.handle(req, res, path);
    try {
      await this.route(req, res, path);
    } catch (err) {
      if (err instanceof ApiError) {
        this.opts.logger.debug({ path, code: err.code, why: err.message }, "API request refused");
        sendError(res, err);
      } else {
        this.opts.logger.error({ err, path }, "API request failed");
        sendError(res, new ApiError(500, "bad_request", "internal error"));
      }
    }
    return true;
  };

  private async route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? "GET";
    const parts = path.split("/").filter(Boolean); // ["api", ...]
    const route = `${method} /${parts
      .slice(1)
      .map((p, i) => (parts[1] === "leases" && (i === 1 || i === 3) ? ":id" : p))
      .join("/")}`;
    switch (route) {
      case "GET /auth/nonce": {
        const { nonce, expiresAtMs } = this.siwe.issueNonce();
        return sendJson(res, 200, {
          nonce,
          expiresAt: new Date(expiresAtMs).toISOString(),
          domains: this.opts.domains(),
          chainId: this.opts.chainId,
        });
      }
      case "POST /auth/login": {
        const body = await readJson(req);
        if (typeof body.message !== "string" || typeof body.signature !== "string") {
          throw new ApiError(
            400,
            "bad_request",
            "expected {message, signature}: the EIP-4361 text and its personal_sign signature",
          );
        }
        const { address, chainId } = await this.siwe.verify(body.message, body.signature);
        const { token, session } = this.sessions.issue(address, chainId);
        this.opts.logger.info({ address }, "signed in with Ethereum");
        return sendJson(res, 200, { token, address, chainId, expiresAt: new Date(session.expiresAtMs).toISOString() });
      }
      case "GET /auth/session": {
        const s = this.session(req);
        return sendJson(res, 200, {
          address: s.address,
          chainId: s.chainId,
          expiresAt: new Date(s.expiresAtMs).toISOString(),
        });
      }
      case "POST /auth/logout": {
        const s = this.session(req);
        this.sessions.revoke(s);
        const revokedKeys = await this.keys.revoke((k) => k.sid === s.sid);
        return sendJson(res, 200, { loggedOut: true, revokedKeys });
      }
      case "GET /leases/:id": {
        const s = this.session(req);
        const leaseId = parseLeaseId(parts[2]);
        const access = await this.opts.gate.check(leaseId, s.address, false);
        return sendJson(res, 200, await this.status(leaseId, access));
      }
      case "POST /leases/:id/keys": {
        const s = this.session(req);
        const leaseId = parseLeaseId(parts[2]);
        const access = await this.opts.gate.check(leaseId, s.address, false);
        const key = await this.keys.issue(s, leaseId);
        return sendJson(res, 201, {
          accessKeyId: key.accessKeyId,
          secretAccessKey: key.secretAccessKey,
          expiresAt: new Date(key.expiresAtMs).toISOString(),
          mode: access.mode,
          endpointPath: this.s3.prefix,
          forcePathStyle: true,
        });
      }
      case "GET /leases/:id/keys": {
        const s = this.session(req);
        const leaseId = parseLeaseId(parts[2]).toString();
        const keys = this.keys.list(s.sid).filter((k) => k.leaseId === leaseId);
        return sendJson(res, 200, {
          keys: keys.map((k) => ({ accessKeyId: k.accessKeyId, expiresAt: new Date(k.expiresAtMs).toISOString() })),
        });
      }
      case "DELETE /leases/:id/keys/:id": {
        const s = this.session(req);
        const leaseId = parseLeaseId(parts[2]).toString();
        const n = await this.keys.revoke((k) => k.sid === s.sid && k.leaseId === leaseId && k.accessKeyId === parts[4]);
        if (n === 0) throw new ApiError(404, "not_found", "no such key in this session");
        return sendJson(res, 200, { revoked: parts[4] });
      }
      default: {
        if (parts[1] === "leases" && parts.length >= 4) {
          const s = this.session(req);
          const leaseId = parseLeaseId(parts[2]);
          const handled = await jobRoute(this.jobs, {
            req,
            res,
            route,
            leaseId,
            jobId: parts[4],
            address: s.address,
            check: (write) => this.opts.gate.check(leaseId, s.address, write),
          });
          if (handled) return;
        }
        throw new ApiError(404, "not_found", `no route ${method} ${path}`);
      }
    }
  }

  private async status(leaseId: bigint, access: LeaseAccess): Promise<Record<string, unknown>> {
    const store = await this.workspaces.store(leaseId);
    const l = access.lease;
    return {
      leaseId: leaseId.toString(),
      mode: access.mode,
      block: { number: access.blockNumber, timestamp: access.blockTimestamp },
      lease: {
        provider: l.provider,
        offerId: l.offerId.toString(),
        start: new Date(l.start * 1000).toISOString(),
        end: new Date(l.end * 1000).toISOString(),
        cpuCores: l.cpuCores,
        memoryMiB: l.memoryMiB.toString(),
        storageGiB: l.storageGiB.toString(),
        state: l.state,
      },
      storage: {
        usedBytes: store.usage.usedBytes,
        s3Bytes: store.usage.of("s3"),
        jobBytes: store.usage.of("jobs"),
        /** held for writes in progress and for queued or running jobs' output and logs */
        reservedBytes: store.usage.reservedBytes,
        quotaBytes: Number(l.storageGiB) * this.opts.storageUnitBytes,
        objects: store.objectCount,
        buckets: store.listBuckets().length,
      },
      deleteAfter: new Date(access.deleteAfter * 1000).toISOString(),
      attestedUptime:
        (await this.opts.uptime?.(l).catch((err: unknown) => {
          this.opts.logger.warn({ leaseId: leaseId.toString(), err: String(err) }, "attested uptime read failed");
          return null;
        })) ?? null,
    };
  }

  private session(req: IncomingMessage): Session {
    const auth = req.headers.authorization;
    if (!auth?.startsWith("Bearer ")) {
      throw new ApiError(
        401,
        "unauthenticated",
        "sign in with Ethereum first (POST /api/auth/login) and send Authorization: Bearer <token>",
      );
    }
    return this.sessions.verify(auth.slice(7).trim());
  }
}

/** Why a job due to start must not (the lease ended by the chain's clock), or undefined. */
async function leaseEnded(gate: WorkspaceApiOptions["gate"], leaseId: bigint): Promise<string | undefined> {
  const { lease, head } = await gate.lease(leaseId);
  const l = lease as Pick<Lease, "end" | "state"> | undefined;
  if (!l) return `lease ${leaseId} no longer exists`;
  if (l.state === LeaseState.Active && head.timestamp < l.end) return undefined;
  return `lease ${leaseId} ended at ${new Date(l.end * 1000).toISOString()} (state ${LeaseState[l.state]}) before the job started`;
}

function parseLeaseId(s: string | undefined): bigint {
  if (!s || !/^\d{1,78}$/.test(s)) throw new ApiError(400, "bad_request", "lease id must be a decimal token id");
  return BigInt(s);
}

/** The HMAC key of session tokens, created once (0600) so sessions survive a restart. */
async function sessionSecret(file: string): Promise<Buffer> {
  const existing = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
  if (existing && existing.length >= 32) return existing;
  const secret = randomBytes(32);
  await writeFileDurable(file, secret);
  return secret;
}
