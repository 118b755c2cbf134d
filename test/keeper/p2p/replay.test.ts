// Issue 16, item 1: a real signed consensus message replayed in other bytes, or replayed late, is
// not a new message. Four real libp2p nodes: an attacker X (not registered) and a validator V
// both connected to B only; C hears only B, so what C receives is what B forwarded.
import type { GossipSub } from "@libp2p/gossipsub";
import { expect } from "chai";
import { Wallet } from "ethers";
import { checkpointDomain } from "../../../keeper/src/checkpoint/header.js";
import { generateSecretKey } from "../../../keeper/src/crypto/bls.js";
import { ConsensusGossipGate } from "../../../keeper/src/bft/gossip-gate.js";
import { consensusTopics, voteTopic, type VoteMsg } from "../../../keeper/src/bft/topics.js";
import { signVote } from "../../../keeper/src/bft/votes.js";
import { InMemoryOperatorDirectory, topicId, type GossipMessage } from "../../../keeper/src/p2p/index.js";
import { gossipMessageId } from "../../../keeper/src/p2p/gossip.js";
import { capturingLogger, type CapturedLogs } from "../helpers/logs.js";
import { createTestPeer, stopAll, TEST_CHAIN_ID, waitFor, type TestPeer } from "../helpers/p2p.js";

const rejectedCount = async (p: TestPeer, kind: string) =>
  (await p.metrics.p2pRejectedInputTotal.get()).values.find((v) => v.labels.kind === kind)?.value ?? 0;
const scoreOf = (pubsub: GossipSub, peer: string) =>
  (pubsub as unknown as { getScore(p: string): number }).getScore(peer);

describe("gossip replay: one message per signed content and slot (4 real nodes)", function () {
  this.timeout(30_000);
  const domain = checkpointDomain(TEST_CHAIN_ID, "0x" + "11".repeat(20));
  const directory = new InMemoryOperatorDirectory();
  const gates = { b: new ConsensusGossipGate(), c: new ConsensusGossipGate() };
  let v: TestPeer;
  let b: TestPeer;
  let c: TestPeer;
  /** the attacker of the current test (each test a fresh one: a rejected peer ends graylisted) */
  let x: TestPeer;
  const attackers: TestPeer[] = [];
  let bLogs: CapturedLogs;
  const atB: VoteMsg[] = [];
  const atC: VoteMsg[] = [];
  const blsSecret = generateSecretKey();
  const id = topicId(voteTopic);

  /** V's real precommit for a value at (epoch 1, height, round 0). */
  function precommit(height: number): VoteMsg {
    const vote = { type: "precommit" as const, height, round: 0, valueHash: "0x" + "ab".repeat(32), validator: "" };
    const signer = new Wallet(v.wallet.privateKey);
    const parts = signVote(domain, 1n, vote, { signer, blsSecret });
    return { epoch: "1", height: String(height), round: 0, type: "precommit", valueHash: vote.valueHash, ...parts };
  }
  /** The envelope gossip.publish would send for it, as text: unsigned, the author's operator as `from`. */
  const envelope = (vote: VoteMsg) =>
    JSON.stringify({ from: v.operator, payload: JSON.stringify(vote), signature: "0x" });
  const send = (text: string) => x.node.libp2p.services.pubsub.publish(id, new TextEncoder().encode(text));
  const rejected = (reason: string) =>
    bLogs.find(/gossip message rejected/).filter((l) => l.reason === reason && l.peer === x.peerId).length;

  before(async () => {
    bLogs = capturingLogger("debug");
    v = await createTestPeer({ directory, topics: consensusTopics(domain) });
    b = await createTestPeer({ directory, topics: consensusTopics(domain, gates.b), logger: bLogs.logger });
    c = await createTestPeer({ directory, topics: consensusTopics(domain, gates.c) });
    await Promise.all([v, b, c].map((p) => p.node.start()));
    for (const p of [v, c]) await p.node.dial(b.node.multiaddrs[0]!);
    b.node.gossip.subscribe(voteTopic, (m: GossipMessage<VoteMsg>) => void atB.push(m.payload));
    c.node.gossip.subscribe(voteTopic, (m: GossipMessage<VoteMsg>) => void atC.push(m.payload));
    v.node.gossip.subscribe(voteTopic, () => {});
    await waitFor(() => b.node.gossip.subscribers(voteTopic).includes(c.peerId), "subscriptions");
  });
  beforeEach(async () => {
    x = await createTestPeer({ directory, topics: consensusTopics(domain), register: false });
    attackers.push(x);
    await x.node.start();
    await x.node.dial(b.node.multiaddrs[0]!);
    x.node.gossip.subscribe(voteTopic, () => {});
    await waitFor(() => x.node.gossip.subscribers(voteTopic).includes(b.peerId), "attacker subscribed");
  });
  after(() => stopAll([v, b, c, ...attackers]));

  it("takes a real precommit once, forwards it once, and rejects it re-serialized, not forwarding it, scoring the replayer down", async () => {
    const vote = precommit(5);
    await send(envelope(vote));
    await waitFor(() => atC.length === 1, "the precommit forwarded to C");
    const before = scoreOf(b.node.libp2p.services.pubsub, x.peerId);

    // the same signed content in other bytes: whitespace, reordered keys, an escaped character
    const variants = [
      envelope(vote).replace('","', '", "'),
      JSON.stringify({ payload: JSON.stringify(vote), from: v.operator, signature: "0x" }),
      JSON.stringify({ from: v.operator, payload: JSON.stringify(vote, null, 1), signature: "0x" }),
      JSON.stringify({
        from: v.operator,
        payload: JSON.stringify(vote).replace('"epoch"', '"\\u0065poch"'),
        signature: "0x",
      }),
    ];
    for (const text of variants) await send(text);
    await waitFor(
      async () => (await rejectedCount(b, "gossip/non-canonical")) >= variants.length,
      "every re-serialization rejected",
    );
    expect(rejected("non-canonical")).to.equal(1); // the rest counted, not logged one by one
    await new Promise((r) => setTimeout(r, 300));
    expect(atB).to.have.length(1);
    expect(atC).to.have.length(1);
    // gossipsub caches scores for a heartbeat
    await waitFor(() => scoreOf(b.node.libp2p.services.pubsub, x.peerId) < before - 50, "the replayer's score down");
  });

  it("rejects the precommit with its BLS share swapped (the ECDSA signature does not cover it) and does not forward it", async () => {
    const vote = precommit(6);
    await send(envelope(vote));
    await waitFor(() => atC.some((m) => m.height === "6"), "the precommit of height 6 at C");
    const swapped = { ...vote, bls: "0x" + "cd".repeat(128) };
    await send(envelope(swapped));
    await waitFor(() => rejected("seen in other bytes") >= 1, "the swapped share rejected by the seen cache");
    await new Promise((r) => setTimeout(r, 300));
    expect(atC.filter((m) => m.height === "6")).to.have.length(1);
    expect(atB.filter((m) => m.height === "6")).to.have.length(1);
  });

  it("ignores old precommits replayed byte for byte (stale), forwarding none, and penalises the replaying peer", async () => {
    gates.b.position = () => ({ epoch: 1n, height: 20 });
    gates.c.position = () => ({ epoch: 1n, height: 20 });
    const b0 = b.node.penalties.points(x.peerId);
    for (let h = 7; h < 17; h++) await send(envelope(precommit(h)));
    await waitFor(() => (gates.b.dropped.get("vote/stale") ?? 0) >= 10, "ten stale precommits dropped");
    expect(b.node.penalties.points(x.peerId)).to.be.greaterThan(b0 + 9);
    expect(atB.some((m) => Number(m.height) >= 7)).to.equal(false);
    expect(atC.some((m) => Number(m.height) >= 7)).to.equal(false);
    // a current one from the same peer still goes through: stale input is dropped, not the peer (yet)
    gates.b.position = () => ({ epoch: 1n, height: 7 });
    gates.c.position = () => ({ epoch: 1n, height: 7 });
    await v.node.gossip.publish(voteTopic, precommit(21));
    await waitFor(() => atC.some((m) => m.height === "21"), "a current precommit from the validator itself");
  });
});

describe("gossip message id", () => {
  const msg = (topic: string, text: string) =>
    ({ type: "unsigned", topic, data: new TextEncoder().encode(text) }) as const;
  const payload = JSON.stringify({ a: 1 });
  const from = "0x" + "Ab".repeat(20);

  it("is the signed content's (topic, author, payload text), whatever the envelope's framing or signature bytes", () => {
    const id = (m: ReturnType<typeof msg>) => Buffer.from(gossipMessageId(m)).toString("hex");
    const base = id(msg("/t/1", JSON.stringify({ from, payload, signature: "0x" })));
    expect(id(msg("/t/1", JSON.stringify({ from: from.toLowerCase(), payload, signature: "0x" })))).to.equal(base);
    expect(id(msg("/t/1", JSON.stringify({ from, payload, signature: "0x" + "1".repeat(130) })))).to.equal(base);
    expect(id(msg("/t/2", JSON.stringify({ from, payload, signature: "0x" })))).to.not.equal(base);
    expect(id(msg("/t/1", JSON.stringify({ from, payload: JSON.stringify({ a: 2 }), signature: "0x" })))).to.not.equal(
      base,
    );
    // unparseable bytes get an id of their own (the validator rejects them)
    expect(id(msg("/t/1", "garbage"))).to.not.equal(id(msg("/t/1", "garbage!")));
  });
});
