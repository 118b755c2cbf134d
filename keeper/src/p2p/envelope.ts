// The gossip wire format. Every message is a length-checked JSON envelope
//   {"from": <operator address>, "payload": <JSON text>, "signature": <65-byte ECDSA, hex>}
// signed by the operator's signer over EIP-712 typed data {topic, payloadHash}. libp2p's own
// message signing is off (StrictNoSign): like Ethereum consensus clients, the signature that
// matters is the operator's, inside the payload, and it survives relaying by anyone.
//
// One encoding per message: the envelope and the payload must both be canonical JSON, i.e. exactly
// what JSON.stringify writes for them (keys in schema order, no whitespace, no escapes it would not
// write). A receiver re-encodes what it parsed and rejects anything that differs by a byte, so a
// relay cannot mint a "new" message out of a real one by re-serializing it (issue 16). The message
// id (contentId) is a hash of the topic, the author and the payload text: what the signature
// covers, not the envelope bytes. On topics whose payload carries its author's own signature
// (TopicSpec.signerOf: consensus votes) the envelope goes unsigned ("signature": "0x") and the
// author is checked from the payload instead.
import { createHash } from "node:crypto";
import { TypedDataEncoder, concat, getBytes, id, keccak256, toUtf8Bytes, type SigningKey } from "ethers";
import { z } from "zod";
import { recoverDigestSigner, signDigest } from "../crypto/ecdsa.js";

export const GOSSIP_DOMAIN_NAME = "OpenMesh DSMP";
export const GOSSIP_DOMAIN_VERSION = "1";

export type DecodeFailure =
  | "oversized"
  | "not-utf8-json"
  | "bad-envelope"
  | "non-canonical"
  | "bad-signature"
  | "payload-not-json"
  | "payload-schema";

export class EnvelopeError extends Error {
  override name = "EnvelopeError";
  constructor(
    readonly reason: DecodeFailure,
    message: string,
  ) {
    super(message);
  }
}

const EnvelopeSchema = z.strictObject({
  from: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected an address"),
  payload: z.string(),
  /** "0x" on topics whose payload carries its author's signature (TopicSpec.signerOf) */
  signature: z.string().regex(/^0x([0-9a-fA-F]{130})?$/, "expected a 65-byte hex signature or 0x"),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

export function gossipDomain(chainId: bigint | number) {
  return { name: GOSSIP_DOMAIN_NAME, version: GOSSIP_DOMAIN_VERSION, chainId: BigInt(chainId) };
}

// EIP-712 pieces that do not change per message, computed once: TypedDataEncoder.hash costs
// ~0.4 ms a message, the three keccaks below a few microseconds.
const GOSSIP_TYPE_HASH = id("GossipMessage(string topic,bytes32 payloadHash)");
const domainSeparators = new Map<bigint, string>();
const topicHashes = new Map<string, string>();

function domainSeparator(chainId: bigint): string {
  let separator = domainSeparators.get(chainId);
  if (separator === undefined) {
    separator = TypedDataEncoder.hashDomain(gossipDomain(chainId));
    domainSeparators.set(chainId, separator);
  }
  return separator;
}

function topicHash(topic: string): string {
  let hash = topicHashes.get(topic);
  if (hash === undefined) {
    hash = keccak256(toUtf8Bytes(topic));
    if (topicHashes.size < 1024) topicHashes.set(topic, hash); // topics are few; never grow unbounded
  }
  return hash;
}

/**
 * SHA-256 of the payload text. Nothing on chain checks gossip envelopes, and payloads (proposals and
 * commits carry whole checkpoints) are kilobytes: native SHA-256 hashes them ~50x faster than the
 * pure-JS keccak, which was a tenth of a keeper's CPU per height.
 */
export function payloadHash(payloadJson: string): string {
  return "0x" + createHash("sha256").update(payloadJson, "utf8").digest("hex");
}

/**
 * The EIP-712 digest an operator signs for one payload on one topic: typed data
 * GossipMessage(string topic, bytes32 payloadHash) under the domain {name, version, chainId}, where
 * payloadHash = sha256(payload text).
 */
export function gossipDigest(chainId: bigint | number, topic: string, payloadJson: string): string {
  const structHash = keccak256(concat([GOSSIP_TYPE_HASH, topicHash(topic), payloadHash(payloadJson)]));
  return keccak256(concat(["0x1901", domainSeparator(BigInt(chainId)), structHash]));
}

export interface EnvelopeSigner {
  /** operator address the envelope claims */
  operator: string;
  signingKey: SigningKey;
  chainId: bigint;
}

/**
 * The message id of an envelope: sha256(topic, author, payload text), hex. The signature is left
 * out (it is a function of those, RFC 6979), so neither the envelope's framing nor its signature
 * bytes make a second id for one message.
 */
export function contentId(topic: string, envelope: Pick<Envelope, "from" | "payload">): string {
  return createHash("sha256")
    .update(topic, "utf8")
    .update("\n")
    .update(envelope.from.toLowerCase(), "utf8")
    .update("\n")
    .update(envelope.payload, "utf8")
    .digest("hex");
}

/**
 * `schema`: the topic's schema; the payload is parsed by it first so its keys go out in schema
 * order, which is what a receiver's re-encoding produces.
 */
export function encodeEnvelope(
  signer: EnvelopeSigner,
  topic: string,
  payload: unknown,
  maxBytes: number,
  opts: { unsigned?: boolean; schema?: z.ZodType<unknown> } = {},
): Uint8Array {
  const payloadJson = JSON.stringify(opts.schema ? opts.schema.parse(payload) : payload);
  if (payloadJson === undefined) throw new EnvelopeError("payload-not-json", "payload is not JSON-serialisable");
  const signature = opts.unsigned
    ? "0x"
    : signDigest(getBytes(signer.signingKey.privateKey), gossipDigest(signer.chainId, topic, payloadJson));
  const bytes = new TextEncoder().encode(JSON.stringify({ from: signer.operator, payload: payloadJson, signature }));
  if (bytes.length > maxBytes) {
    throw new EnvelopeError("oversized", `message of ${bytes.length} bytes exceeds ${maxBytes} on ${topic}`);
  }
  return bytes;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Size, UTF-8, JSON and shape checks: everything that needs no key. */
export function parseEnvelope(data: Uint8Array, maxBytes: number): Envelope {
  if (data.length > maxBytes) throw new EnvelopeError("oversized", `${data.length} bytes > max ${maxBytes}`);
  let raw: unknown;
  let text: string;
  try {
    text = utf8.decode(data);
    raw = JSON.parse(text);
  } catch {
    throw new EnvelopeError("not-utf8-json", "not UTF-8 JSON");
  }
  const parsed = EnvelopeSchema.safeParse(raw);
  if (!parsed.success) throw new EnvelopeError("bad-envelope", z.prettifyError(parsed.error));
  if (JSON.stringify(parsed.data) !== text) throw new EnvelopeError("non-canonical", "envelope is not canonical JSON");
  return parsed.data;
}

/** Recovers the (lowercase) address that signed the envelope for this topic (throws on a malformed signature). */
export function recoverEnvelopeSigner(chainId: bigint, topic: string, envelope: Envelope): string {
  if (envelope.signature === "0x") throw new EnvelopeError("bad-signature", "the envelope is not signed");
  try {
    return recoverDigestSigner(gossipDigest(chainId, topic, envelope.payload), envelope.signature);
  } catch {
    throw new EnvelopeError("bad-signature", "signature does not recover to an address");
  }
}

/** Parses the signed payload text and validates it against the topic's schema. */
export function parsePayload<T>(envelope: Envelope, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(envelope.payload);
  } catch {
    throw new EnvelopeError("payload-not-json", "payload is not JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new EnvelopeError("payload-schema", z.prettifyError(parsed.error));
  if (JSON.stringify(parsed.data) !== envelope.payload)
    throw new EnvelopeError("non-canonical", "payload is not canonical JSON");
  return parsed.data;
}
