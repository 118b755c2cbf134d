export { ApiError, type ApiErrorCode } from "./errors.js";
export { ChainLeaseAccess, LeaseState, type Lease, type LeaseAccess, type LeaseAccessOptions } from "./lease-access.js";
export { WorkspaceApi, type WorkspaceApiOptions } from "./workspace-api.js";
