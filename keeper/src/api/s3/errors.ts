// S3's own error codes (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html),
// answered as the XML document every S3 client parses.
export type S3ErrorCode =
  | "AccessDenied"
  | "BadDigest"
  | "BucketAlreadyOwnedByYou"
  | "BucketNotEmpty"
  | "EntityTooLarge"
  | "EntityTooSmall"
  | "IncompleteBody"
  | "InternalError"
  | "InvalidAccessKeyId"
  | "InvalidArgument"
  | "InvalidBucketName"
  | "InvalidPart"
  | "InvalidPartOrder"
  | "InvalidRange"
  | "InvalidRequest"
  | "MalformedXML"
  | "MethodNotAllowed"
  | "MissingContentLength"
  | "NoSuchBucket"
  | "NoSuchKey"
  | "NoSuchUpload"
  | "NotImplemented"
  | "RequestTimeTooSkewed"
  | "ServiceUnavailable"
  | "SignatureDoesNotMatch"
  | "XAmzContentSHA256Mismatch";

export class S3Error extends Error {
  override name = "S3Error";
  constructor(
    readonly status: number,
    readonly code: S3ErrorCode,
    message: string,
    readonly resource?: string,
  ) {
    super(message);
  }
}

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function errorXml(err: S3Error, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${err.code}</Code>` +
    `<Message>${xmlEscape(err.message)}</Message>` +
    (err.resource ? `<Resource>${xmlEscape(err.resource)}</Resource>` : "") +
    `<RequestId>${requestId}</RequestId></Error>`
  );
}
