import { expect } from "chai";
import { createHash } from "node:crypto";
import { TypedDataEncoder, Wallet } from "ethers";
import {
  encodeEnvelope,
  EnvelopeError,
  gossipDigest,
  gossipDomain,
  parseEnvelope,
  recoverEnvelopeSigner,
  type EnvelopeSigner,
} from "../../../keeper/src/p2p/index.js";

describe("p2p gossip envelope codec", () => {
  const wallet = new Wallet(Wallet.createRandom().privateKey);
  const signer: EnvelopeSigner = { operator: wallet.address, signingKey: wallet.signingKey, chainId: 31337n };
  const topic = "/openmesh/heartbeat/1";
  const encode = (payload: unknown, max = 4096) => encodeEnvelope(signer, topic, payload, max);
  const failure = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(err).to.be.instanceOf(EnvelopeError);
      return (err as EnvelopeError).reason;
    }
    throw new Error("expected an EnvelopeError");
  };

  it("round-trips: the signature recovers to the signer for the same topic and chain", () => {
    const env = parseEnvelope(encode({ seq: 1 }), 4096);
    expect(env.from).to.equal(wallet.address);
    expect(JSON.parse(env.payload)).to.deep.equal({ seq: 1 });
    expect(recoverEnvelopeSigner(31337n, topic, env)).to.equal(wallet.address.toLowerCase());
  });

  it("computes the EIP-712 digest exactly as ethers' TypedDataEncoder does", () => {
    for (const [chainId, t, payload] of [
      [31337n, topic, '{"seq":1}'],
      [1n, "/openmesh/votes/1", "{}"],
      [8453n, "/openmesh/x/2", JSON.stringify({ text: "ünïcødé ✓" })],
    ] as const) {
      const reference = TypedDataEncoder.hash(
        gossipDomain(chainId),
        {
          GossipMessage: [
            { name: "topic", type: "string" },
            { name: "payloadHash", type: "bytes32" },
          ],
        },
        { topic: t, payloadHash: "0x" + createHash("sha256").update(payload).digest("hex") },
      );
      expect(gossipDigest(chainId, t, payload)).to.equal(reference);
    }
  });

  it("binds the signature to the topic, the chain id and the exact payload text", () => {
    const env = parseEnvelope(encode({ seq: 1 }), 4096);
    expect(recoverEnvelopeSigner(31337n, "/openmesh/votes/1", env)).to.not.equal(wallet.address.toLowerCase());
    expect(recoverEnvelopeSigner(1n, topic, env)).to.not.equal(wallet.address.toLowerCase());
    expect(recoverEnvelopeSigner(31337n, topic, { ...env, payload: '{"seq":2}' })).to.not.equal(
      wallet.address.toLowerCase(),
    );
  });

  it("refuses to encode, and rejects on decode, a message above the size limit", () => {
    expect(failure(() => encode({ blob: "x".repeat(200) }, 100))).to.equal("oversized");
    const bytes = encode({ blob: "x".repeat(200) });
    expect(failure(() => parseEnvelope(bytes, bytes.length - 1))).to.equal("oversized");
  });

  it("classifies malformed input without throwing anything but EnvelopeError", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(failure(() => parseEnvelope(new Uint8Array([0xff, 0xfe, 0x00]), 4096))).to.equal("not-utf8-json");
    expect(failure(() => parseEnvelope(enc("{nope"), 4096))).to.equal("not-utf8-json");
    expect(failure(() => parseEnvelope(enc("[]"), 4096))).to.equal("bad-envelope");
    expect(failure(() => parseEnvelope(enc('{"from":"0x1","payload":"{}","signature":"0x"}'), 4096))).to.equal(
      "bad-envelope",
    );
    const good = JSON.parse(new TextDecoder().decode(encode({ a: 1 }))) as Record<string, unknown>;
    expect(failure(() => parseEnvelope(enc(JSON.stringify({ ...good, extra: 1 })), 4096))).to.equal("bad-envelope");
    const badSig = { ...good, signature: "0x" + "00".repeat(65) };
    expect(
      failure(() => recoverEnvelopeSigner(31337n, topic, parseEnvelope(enc(JSON.stringify(badSig)), 4096))),
    ).to.equal("bad-signature");
  });
});
