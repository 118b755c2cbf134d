// The jobs routes under /api/leases/:id (docs/workspace.md, "Jobs"): the lease's holder at the
// head block submits, lists, reads and cancels; submitting and cancelling need read-write access
// (a running lease), reading works in the grace period too. A transfer revokes the old holder on
// the next request, as for S3, because every request asks the gate.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "../errors.js";
import { readBody, readJson, sendJson } from "../http.js";
import type { LeaseAccess } from "../lease-access.js";
import type { JobService } from "./job-service.js";

export interface JobRouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** "METHOD /leases/:id/..." as workspace-api.ts normalizes it */
  route: string;
  leaseId: bigint;
  /** the job id (or module hash) segment, when the path has one */
  jobId: string | undefined;
  /** the signed-in address */
  address: string;
  check(write: boolean): Promise<LeaseAccess>;
}

/** Answers a jobs route; false when `route` is not one. */
export async function jobRoute(jobs: JobService | undefined, c: JobRouteContext): Promise<boolean> {
  const isJobs = / \/leases\/:id\/(jobs|modules)(\/|$)/.test(c.route);
  if (!isJobs) return false;
  if (!jobs) throw new ApiError(404, "jobs_disabled", "this keeper does not run jobs (workspace.jobs.enabled)");
  switch (c.route) {
    case "POST /leases/:id/modules": {
      const access = await c.check(true);
      const bytes = await readBody(c.req, jobs.maxSubmitBytes);
      sendJson(c.res, 201, await jobs.putModule(access.lease, bytes));
      return true;
    }
    case "DELETE /leases/:id/modules/:id": {
      await c.check(true);
      sendJson(c.res, 200, await jobs.deleteModule(c.leaseId, c.jobId ?? ""));
      return true;
    }
    case "POST /leases/:id/jobs": {
      const access = await c.check(true);
      const body = await readJson(c.req, jobs.maxSubmitBytes);
      sendJson(c.res, 202, await jobs.submit(access, c.address, body));
      return true;
    }
    case "GET /leases/:id/jobs": {
      const access = await c.check(false);
      sendJson(c.res, 200, { jobs: jobs.list(c.leaseId), limits: jobs.limitsFor(access.lease) });
      return true;
    }
    case "GET /leases/:id/jobs/:id": {
      await c.check(false);
      sendJson(c.res, 200, jobs.get(c.leaseId, c.jobId));
      return true;
    }
    case "GET /leases/:id/jobs/:id/output": {
      await c.check(false);
      const out = await jobs.output(jobs.get(c.leaseId, c.jobId));
      c.res.writeHead(200, { "content-type": "application/octet-stream", "cache-control": "no-store" }).end(out);
      return true;
    }
    case "GET /leases/:id/jobs/:id/logs": {
      await c.check(false);
      const logs = await jobs.logs(jobs.get(c.leaseId, c.jobId));
      c.res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" }).end(logs);
      return true;
    }
    case "DELETE /leases/:id/jobs/:id": {
      await c.check(true);
      sendJson(c.res, 200, await jobs.delete(jobs.get(c.leaseId, c.jobId)));
      return true;
    }
    default:
      throw new ApiError(404, "not_found", `no route ${c.route}`);
  }
}
