import type { GossipSub } from "@libp2p/gossipsub";
import { expect } from "chai";
import { z } from "zod";
import {
  defineTopic,
  encodeEnvelope,
  heartbeatTopic,
  InMemoryOperatorDirectory,
  topicId,
  type GossipMessage,
  type TopicSpec,
} from "../../../keeper/src/p2p/index.js";
import { keccak256, toUtf8Bytes, type Wallet } from "ethers";
import { recoverDigestSigner } from "../../../keeper/src/crypto/ecdsa.js";
import { capturingLogger, type CapturedLogs } from "../helpers/logs.js";
import { createTestPeer, stopAll, waitFor, type TestPeer } from "../helpers/p2p.js";

const noteTopic = defineTopic({
  name: "note",
  maxBytes: 512,
  schema: z.strictObject({ text: z.string().max(200) }),
  validate: (msg) => (msg.payload.text === "spam" ? { result: "reject", reason: "spam" } : "accept"),
});

/** A topic whose payload carries its author's own signature: the envelope goes unsigned. */
const selfSignedTopic = defineTopic({
  name: "self-signed",
  maxBytes: 1024,
  schema: z.strictObject({ text: z.string().max(200), sig: z.string() }),
  signerOf: (p) => recoverDigestSigner(keccak256(toUtf8Bytes(p.text)), p.sig),
});
const selfSigned = (wallet: Wallet, text: string) => ({
  text,
  sig: wallet.signingKey.sign(keccak256(toUtf8Bytes(text))).serialized,
});

/** Rejected inbound gossip of one kind, as counted by a node's metrics. */
const rejectedCount = async (p: TestPeer, kind: string) =>
  (await p.metrics.p2pRejectedInputTotal.get()).values.find((v) => v.labels.kind === kind)?.value ?? 0;

/** gossipsub computes scores but its public type does not expose them. */
const scoreOf = (pubsub: GossipSub, peer: string) =>
  (pubsub as unknown as { getScore(p: string): number }).getScore(peer);

describe("p2p gossip: signed envelopes, validation and scoring (3 real nodes)", function () {
  this.timeout(30_000);
  const directory = new InMemoryOperatorDirectory();
  let a: TestPeer;
  let b: TestPeer;
  let u: TestPeer; // not registered
  let bLogs: CapturedLogs;
  const received: Array<GossipMessage<{ text: string }>> = [];
  const topics = [noteTopic as TopicSpec<unknown>, selfSignedTopic as TopicSpec<unknown>];

  before(async () => {
    bLogs = capturingLogger("debug");
    a = await createTestPeer({ directory, topics });
    b = await createTestPeer({ directory, topics, logger: bLogs.logger });
    u = await createTestPeer({ directory, topics, register: false });
    await Promise.all([a.node.start(), b.node.start(), u.node.start()]);
    await a.node.dial(b.node.multiaddrs[0]!);
    await u.node.dial(b.node.multiaddrs[0]!);
    await u.node.dial(a.node.multiaddrs[0]!);
    for (const p of [a, b, u]) p.node.gossip.subscribe(noteTopic, () => {});
    b.node.gossip.subscribe(noteTopic, (m) => void received.push(m));
    await waitFor(
      () =>
        a.node.gossip.subscribers(noteTopic).includes(b.peerId) &&
        u.node.gossip.subscribers(noteTopic).includes(b.peerId),
      "subscriptions to propagate",
    );
  });
  after(() => stopAll([a, b, u]));

  const rejections = (reason: string, peer: string) =>
    bLogs.find(/gossip message rejected/).filter((l) => l.reason === reason && l.peer === peer);

  it("delivers a registered operator's message with its operator address and the relaying peer", async () => {
    await a.node.gossip.publish(noteTopic, { text: "hello" });
    await waitFor(() => received.some((m) => m.payload.text === "hello"), "delivery to b");
    const msg = received.find((m) => m.payload.text === "hello")!;
    expect(msg.from).to.equal(a.operator);
    expect(msg.sender.peerId).to.equal(a.peerId);
    expect(msg.propagationSource).to.equal(a.peerId);
    expect(msg.topic).to.equal("/openmesh/note/1");
  });

  it("rejects a non-registered peer's message, logging its peer id, and never delivers it", async () => {
    await u.node.gossip.publish(noteTopic, { text: "from outsider" });
    await waitFor(() => rejections("unknown-sender", u.peerId).length > 0, "rejection at b");
    expect(received.some((m) => m.payload.text === "from outsider")).to.equal(false);
    expect(await b.metrics.registry.getSingleMetricAsString("keeper_gossip_messages_total")).to.include(
      'keeper_gossip_messages_total{topic="/openmesh/note/1",direction="in",result="reject"}',
    );
  });

  it("never sends a registered node's publishes to a non-registered peer (score below the publish threshold)", async () => {
    const recipients = await a.node.gossip.publish(noteTopic, { text: "members only" });
    expect(recipients).to.equal(1); // b only, u is connected and subscribed but excluded
    expect(a.node.gossip.subscribers(noteTopic)).to.include(u.peerId);
    expect(scoreOf(a.node.libp2p.services.pubsub, u.peerId)).to.be.lessThan(-50);
  });

  it("rejects a message the topic validator calls invalid and scores the sending peer down", async () => {
    const before = scoreOf(b.node.libp2p.services.pubsub, a.peerId);
    await a.node.gossip.publish(noteTopic, { text: "spam" });
    await waitFor(() => rejections("spam", a.peerId).length > 0, "spam rejection");
    await waitFor(() => scoreOf(b.node.libp2p.services.pubsub, a.peerId) < before - 10, "score drop");
  });

  /** A new registered peer connected to b and subscribed to the note topic. */
  async function freshPeerOnB(): Promise<TestPeer> {
    const fresh = await createTestPeer({ directory, topics });
    await fresh.node.start();
    fresh.node.gossip.subscribe(noteTopic, () => {});
    await fresh.node.dial(b.node.multiaddrs[0]!);
    await waitFor(() => fresh.node.gossip.subscribers(noteTopic).includes(b.peerId), "fresh subscription");
    return fresh;
  }

  it("ignores (no penalty) a validly signed message from a jailed operator", async () => {
    const fresh = await freshPeerOnB();
    try {
      directory.setStatus(fresh.operator, "jailed");
      await fresh.node.gossip.publish(noteTopic, { text: "jailed speaking" });
      await waitFor(
        () => bLogs.find(/gossip message ignored/).some((l) => l.reason === "sender jailed" && l.peer === fresh.peerId),
        "ignore at b",
      );
      expect(received.some((m) => m.payload.text === "jailed speaking")).to.equal(false);
    } finally {
      await fresh.node.stop();
    }
  });

  it("rejects malformed, oversized, unsigned and forged raw messages and keeps running", async () => {
    const fresh = await freshPeerOnB();
    try {
      const raw = fresh.node.libp2p.services.pubsub;
      const id = topicId(noteTopic);
      const enc = (s: string) => new TextEncoder().encode(s);
      const signed = JSON.parse(
        new TextDecoder().decode(
          encodeEnvelope(
            { operator: fresh.operator, signingKey: fresh.wallet.signingKey, chainId: 31337n },
            id,
            { text: "ok" },
            512,
          ),
        ),
      ) as Record<string, string>;
      const bad = [
        { data: new Uint8Array([0xde, 0xad, 0xbe, 0xef]), reason: "not-utf8-json" },
        { data: enc("x".repeat(600)), reason: "oversized" },
        { data: enc(JSON.stringify({ from: fresh.operator, payload: '{"text":"no sig"}' })), reason: "bad-envelope" },
        { data: enc(JSON.stringify({ ...signed, payload: '{"text":"tampered"}' })), reason: "wrong-signer" },
        { data: enc(JSON.stringify({ ...signed, from: a.operator })), reason: "wrong-signer" },
      ];
      for (const m of bad) await raw.publish(id, m.data);
      for (const m of bad) await waitFor(() => rejections(m.reason, fresh.peerId).length > 0, `rejection ${m.reason}`);
      // b is still up and still delivers good messages from others.
      await a.node.gossip.publish(noteTopic, { text: "still alive" });
      await waitFor(() => received.some((m) => m.payload.text === "still alive"), "delivery after the garbage");
    } finally {
      await fresh.node.stop();
    }
  });

  it("a payload that carries its author's signature travels in an unsigned envelope; a forged or unsigned one is rejected", async () => {
    const fresh = await freshPeerOnB();
    const got: string[] = [];
    const off = b.node.gossip.subscribe(selfSignedTopic, (m) => void got.push(m.payload.text));
    try {
      fresh.node.gossip.subscribe(selfSignedTopic, () => {});
      await waitFor(() => fresh.node.gossip.subscribers(selfSignedTopic).includes(b.peerId), "subscription");
      await fresh.node.gossip.publish(selfSignedTopic, selfSigned(fresh.wallet, "mine"));
      await waitFor(() => got.includes("mine"), "delivery of a self-signed payload");
      const raw = fresh.node.libp2p.services.pubsub;
      const send = (topic: string, payload: unknown, signature = "0x") =>
        raw.publish(
          topic,
          new TextEncoder().encode(
            JSON.stringify({ from: fresh.operator, payload: JSON.stringify(payload), signature }),
          ),
        );
      // the envelope is unsigned, as gossip.publish sends it for this topic
      await send(topicId(selfSignedTopic), selfSigned(fresh.wallet, "raw and unsigned"));
      await waitFor(() => got.includes("raw and unsigned"), "delivery of a raw unsigned envelope");
      // signed by someone else while claiming to be from `fresh`
      await send(topicId(selfSignedTopic), selfSigned(a.wallet, "forged"));
      await waitFor(() => rejections("wrong-signer", fresh.peerId).length > 0, "forged payload rejected");
      await send(topicId(selfSignedTopic), { text: "garbled", sig: "0x1234" });
      await waitFor(() => rejections("bad-signature", fresh.peerId).length > 0, "malformed payload signature");
      // a topic without signerOf still needs the envelope signature (from a peer with no rejects
      // yet: three rejects leave a peer graylisted, its messages dropped unread)
      const second = await freshPeerOnB();
      await second.node.libp2p.services.pubsub.publish(
        topicId(noteTopic),
        new TextEncoder().encode(
          JSON.stringify({
            from: second.operator,
            payload: JSON.stringify({ text: "unsigned note" }),
            signature: "0x",
          }),
        ),
      );
      // a second rejection of one kind from one peer is counted, not logged again (reject-log.ts)
      await waitFor(
        async () => (await rejectedCount(b, "gossip/bad-signature")) >= 2,
        "unsigned envelope on a signed topic rejected",
      );
      await second.node.stop();
      expect(got).to.not.include("forged");
      expect(received.some((m) => m.payload.text === "unsigned note")).to.equal(false);
    } finally {
      off();
      await fresh.node.stop();
    }
  });

  it("rejects a heartbeat whose peer id is not the signer's registered peer id", async () => {
    for (const p of [a, b]) p.node.gossip.subscribe(heartbeatTopic, () => {});
    await waitFor(() => a.node.gossip.subscribers(heartbeatTopic).includes(b.peerId), "heartbeat subscription");
    await a.node.gossip.publish(heartbeatTopic, { peerId: u.peerId, seq: 1, sentAtMs: Date.now() });
    await waitFor(
      () => bLogs.find(/gossip message rejected/).some((l) => l.reason === "peer id not the operator's"),
      "heartbeat rejection",
    );
  });
});
