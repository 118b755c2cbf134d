// The XML documents of the S3 subset this endpoint answers (namespace 2006-03-01).
import { xmlEscape as x } from "./errors.js";
import type { ListResult, ObjectMeta } from "./lease-store.js";

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function listBucketsXml(owner: string, buckets: Array<{ name: string; created: string }>): string {
  const items = buckets
    .map((b) => `<Bucket><Name>${x(b.name)}</Name><CreationDate>${b.created}</CreationDate></Bucket>`)
    .join("");
  return `${HEAD}<ListAllMyBucketsResult ${NS}><Owner><ID>${x(owner)}</ID><DisplayName>${x(owner)}</DisplayName></Owner><Buckets>${items}</Buckets></ListAllMyBucketsResult>`;
}

export function listObjectsV2Xml(
  bucket: string,
  q: {
    prefix: string;
    delimiter: string;
    maxKeys: number;
    continuationToken?: string;
    startAfter?: string;
    encodeUrl: boolean;
  },
  r: ListResult,
): string {
  const enc = (s: string) => x(q.encodeUrl ? encodeURIComponent(s) : s);
  const contents = r.contents
    .map(
      (o: ObjectMeta) =>
        `<Contents><Key>${enc(o.key)}</Key><LastModified>${o.lastModified}</LastModified><ETag>${x(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    )
    .join("");
  const prefixes = r.commonPrefixes.map((p) => `<CommonPrefixes><Prefix>${enc(p)}</Prefix></CommonPrefixes>`).join("");
  return (
    `${HEAD}<ListBucketResult ${NS}><Name>${x(bucket)}</Name><Prefix>${enc(q.prefix)}</Prefix>` +
    (q.delimiter ? `<Delimiter>${enc(q.delimiter)}</Delimiter>` : "") +
    `<MaxKeys>${q.maxKeys}</MaxKeys><KeyCount>${r.keyCount}</KeyCount><IsTruncated>${r.isTruncated}</IsTruncated>` +
    (q.encodeUrl ? "<EncodingType>url</EncodingType>" : "") +
    (q.continuationToken ? `<ContinuationToken>${x(q.continuationToken)}</ContinuationToken>` : "") +
    (r.nextContinuationToken ? `<NextContinuationToken>${x(r.nextContinuationToken)}</NextContinuationToken>` : "") +
    (q.startAfter ? `<StartAfter>${enc(q.startAfter)}</StartAfter>` : "") +
    `${contents}${prefixes}</ListBucketResult>`
  );
}

export function initiateMultipartXml(bucket: string, key: string, uploadId: string): string {
  return `${HEAD}<InitiateMultipartUploadResult ${NS}><Bucket>${x(bucket)}</Bucket><Key>${x(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`;
}

export function completeMultipartXml(location: string, bucket: string, key: string, etag: string): string {
  return `${HEAD}<CompleteMultipartUploadResult ${NS}><Location>${x(location)}</Location><Bucket>${x(bucket)}</Bucket><Key>${x(key)}</Key><ETag>${x(etag)}</ETag></CompleteMultipartUploadResult>`;
}

function unescapeXml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCharCode(Number(d)))
    .replace(/&amp;/g, "&");
}

/** The parts listed in a CompleteMultipartUpload body. */
export function parseCompleteMultipart(xml: string): Array<{ partNumber: number; etag: string }> | undefined {
  if (!/<CompleteMultipartUpload[\s>]/.test(xml)) return undefined;
  const parts: Array<{ partNumber: number; etag: string }> = [];
  for (const m of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const n = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(m[1]!);
    const e = /<ETag>([\s\S]*?)<\/ETag>/.exec(m[1]!);
    if (!n || !e) return undefined;
    parts.push({ partNumber: Number(n[1]), etag: unescapeXml(e[1]!.trim()) });
  }
  return parts;
}
