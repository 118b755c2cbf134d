// Errors the JSON API answers with: an HTTP status, a stable machine code and a sentence that
// says why, so a wallet UI (Studio) can show the reason instead of a bare 401.
export type ApiErrorCode =
  | "bad_request"
  | "not_found"
  | "method_not_allowed"
  | "payload_too_large"
  | "unauthenticated"
  | "session_expired"
  | "siwe_invalid"
  | "siwe_nonce_unknown"
  | "siwe_expired"
  | "siwe_wrong_domain"
  | "siwe_wrong_uri"
  | "siwe_wrong_chain"
  | "not_lease_holder"
  | "lease_unknown"
  | "lease_ended"
  | "chain_unavailable"
  | "bad_module"
  | "too_many_jobs"
  | "job_not_finished"
  | "jobs_disabled"
  | "quota_exceeded"
  | "module_in_use";

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}
