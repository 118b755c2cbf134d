// The attackers of the flood harness (flood.ts), in a process of their own so the keepers' process
// RSS and CPU are the keepers' alone. Forked by flood.ts; one command per attack:
//   { cmd: "attack", attack, keepers: multiaddrs, ... }  ->  { kind: "done", sent, disconnectedAfterSeconds }
// Attackers are written from scratch: plain libp2p (no gossipsub of their own: gossip is written as
// raw RPC frames), none of the keeper's checks, fresh peer ids for every attack (the previous ones
// end banned).
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { RPC } from "@libp2p/gossipsub/message";
import { identify } from "@libp2p/identify";
import type { Libp2p, PeerId, Stream } from "@libp2p/interface";
import { tcp } from "@libp2p/tcp";
import { lpStream, type LengthPrefixedStream } from "@libp2p/utils";
import { multiaddr } from "@multiformats/multiaddr";
import { createLibp2p } from "libp2p";
import { commitRequestProtocol, voteRelayPush, voteTopic, type VoteMsg } from "../../keeper/src/bft/topics.js";
import { createLogger, createMetrics } from "../../keeper/src/observability/index.js";
import { pushProtocolId } from "../../keeper/src/p2p/push.js";
import { ReqResp } from "../../keeper/src/p2p/reqresp.js";
import { topicId } from "../../keeper/src/p2p/topics.js";

export type AttackName = "replay" | "frames" | "requests";

export interface AttackCommand {
  cmd: "attack";
  attack: AttackName;
  /** one listen address per keeper */
  keepers: string[];
  epoch: string;
  /** the keepers' current height when the attack starts */
  height: number;
  /** lowercase signer -> operator, to name the author of a replayed vote */
  operators: Array<[string, string]>;
  attackers: number;
  seconds: number;
  votesPerSecond: number;
  requestConcurrency: number;
}

export interface AttackDone {
  kind: "done";
  sent: number;
  /** how long the attackers sent (s): while connected for a replay, the whole attack otherwise */
  seconds: number;
  disconnectedAfterSeconds: Array<number | null>;
  /** set when the attack could not run */
  error?: string;
}

type Node = Libp2p<{ identify: unknown }>;

/** gossipsub's protocol id (v1.2) */
const GOSSIPSUB_PROTOCOL = "/meshsub/1.2.0";
interface Attacker {
  node: Node;
  keepers: PeerId[];
  reqresp: ReqResp;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function attacker(keepers: string[]): Promise<Attacker> {
  const node: Node = await createLibp2p({
    addresses: { listen: ["/ip4/127.0.0.1/tcp/0"] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
  });
  const ids: PeerId[] = [];
  for (const addr of keepers) ids.push((await node.dial(multiaddr(addr))).remotePeer);
  const reqresp = new ReqResp({
    libp2p: node,
    logger: createLogger({ level: "silent" }),
    metrics: createMetrics({ processMetrics: false }),
    timeoutMs: 2_000,
  });
  return { node, keepers: ids, reqresp };
}

/** Real signed precommits of recent heights, fetched the way anyone can: the commit protocol. */
async function collectPrecommits(a: Attacker, c: AttackCommand): Promise<Array<{ from: string; vote: VoteMsg }>> {
  const operators = new Map(c.operators);
  const out: Array<{ from: string; vote: VoteMsg }> = [];
  for (let h = c.height - 1; h >= Math.max(1, c.height - 8); h--) {
    const reply = await a.reqresp
      .request(a.keepers[0]!, commitRequestProtocol, { epoch: c.epoch, height: String(h) })
      .catch(() => null);
    if (!reply) continue;
    for (const s of reply.commit.signatures) {
      const from = operators.get(s.signer.toLowerCase());
      if (from === undefined) continue;
      const { epoch, height, round, valueHash } = reply.commit;
      out.push({ from, vote: { epoch, height, round, type: "precommit", valueHash, ecdsa: s.ecdsa, bls: s.bls } });
    }
  }
  return out;
}

/**
 * Replayed precommits on the vote topic, written as raw gossipsub RPC frames on a /meshsub stream
 * to every keeper (as a from-scratch attacker would: no publishing machinery of its own): the
 * originals byte for byte, then re-serialized without end, `perSecond` messages per keeper. A
 * keeper that closes the stream or refuses the connection is retried every 500 ms. Returns the
 * messages sent to one keeper (each goes to every keeper) and over how long streams were open.
 */
async function replay(
  a: Attacker,
  precommits: Array<{ from: string; vote: VoteMsg }>,
  perSecond: number,
  untilMs: number,
): Promise<{ sent: number; activeMs: number }> {
  const topic = topicId(voteTopic);
  const enc = new TextEncoder();
  const tickMs = 20;
  let next = 0;
  const texts = (n: number) =>
    Array.from({ length: n }, () => {
      const i = next++;
      const p = precommits[i % precommits.length]!;
      const payload = JSON.stringify(p.vote);
      const text =
        i < precommits.length
          ? JSON.stringify({ from: p.from, payload, signature: "0x" })
          : `{"from":"${p.from}",${" ".repeat(1 + (i % 2048))}"payload":${JSON.stringify(payload)},"signature":"0x"}`;
      return { topic, data: enc.encode(text) };
    });
  const streams = new Map<string, LengthPrefixedStream<Stream>>();
  let sent = 0;
  let activeMs = 0;
  let retryAt = 0;
  while (Date.now() < untilMs && precommits.length > 0) {
    const tickStart = Date.now();
    if (tickStart >= retryAt && streams.size < a.keepers.length) {
      retryAt = tickStart + 500;
      await Promise.all(
        a.keepers
          .filter((k) => !streams.has(k.toString()))
          .map(async (k) => {
            try {
              const stream = await a.node.dialProtocol(k, GOSSIPSUB_PROTOCOL, { signal: AbortSignal.timeout(500) });
              streams.set(k.toString(), lpStream(stream, { maxDataLength: 4 * 1024 * 1024 }));
            } catch {
              // refused (banned): retried in 500 ms
            }
          }),
      );
    }
    // what is due by now at the rate (ticks run late on busy cores: the batch grows instead)
    const due = Math.floor(((activeMs + tickMs) / 1000) * perSecond) - sent;
    if (streams.size > 0 && due > 0) {
      const frame = RPC.encode({ subscriptions: [], messages: texts(due) });
      await Promise.all(
        [...streams].map(async ([key, lp]) => {
          try {
            await lp.write(frame, { signal: AbortSignal.timeout(1_000) });
          } catch {
            streams.delete(key);
          }
        }),
      );
      sent += due;
    }
    await sleep(Math.max(0, tickMs - (Date.now() - tickStart)));
    if (streams.size > 0) activeMs += Date.now() - tickStart;
  }
  return { sent, activeMs };
}

/** Frames on the vote push protocol as fast as they go (garbage and stale votes); a closed stream is reopened. */
async function frames(a: Attacker, precommits: Array<{ vote: VoteMsg }>, untilMs: number): Promise<number> {
  const protocol = pushProtocolId(voteRelayPush);
  const garbage = new TextEncoder().encode("{not a vote");
  const stale = precommits.map((p) => new TextEncoder().encode(JSON.stringify(p.vote)));
  let sent = 0;
  await Promise.all(
    a.keepers.map(async (keeper) => {
      while (Date.now() < untilMs) {
        let stream: Stream;
        try {
          stream = await a.node.dialProtocol(keeper, protocol, { signal: AbortSignal.timeout(1_000) });
        } catch {
          await sleep(500); // refused (banned): try again a little later
          continue;
        }
        const lp = lpStream(stream);
        try {
          for (let i = 0; Date.now() < untilMs && stream.status === "open"; i++) {
            await lp.write(i % 2 === 0 || stale.length === 0 ? garbage : stale[i % stale.length]!);
            sent++;
            // a few frames, then a moment for the keeper's reset to arrive: frames written into a
            // stream the keeper closed are only buffered here, never read there
            if (i % 8 === 7) await sleep(5);
          }
        } catch {
          // closed by the keeper: open another
        }
        stream.abort(new Error("attacker: next stream"));
      }
    }),
  );
  return sent;
}

/** Commit requests for recent heights to every keeper, `concurrency` in flight per keeper. */
async function requests(a: Attacker, c: AttackCommand, untilMs: number): Promise<number> {
  let sent = 0;
  await Promise.all(
    a.keepers.flatMap((keeper) =>
      Array.from({ length: c.requestConcurrency }, async () => {
        while (Date.now() < untilMs) {
          const height = String(Math.max(1, c.height - 1 - (sent % 4)));
          sent++;
          const ok = await a.reqresp.request(keeper, commitRequestProtocol, { epoch: c.epoch, height }).then(
            () => true,
            () => false,
          );
          // refused: a moment before the next (a reconnect flood is the connection limiter's
          // business, p2p/flood.test.ts; here the request path is measured)
          if (!ok) await sleep(500);
        }
      }),
    ),
  );
  return sent;
}

/** Seconds from `startMs` until the attacker has no connection to any keeper, polled until `untilMs`. */
async function disconnectedAfter(a: Attacker, startMs: number, untilMs: number): Promise<number | null> {
  const keepers = new Set(a.keepers.map((p) => p.toString()));
  while (Date.now() < untilMs) {
    if (!a.node.getPeers().some((p) => keepers.has(p.toString()))) return (Date.now() - startMs) / 1000;
    await sleep(100);
  }
  return null;
}

async function attack(c: AttackCommand): Promise<AttackDone> {
  const attackers = await Promise.all(Array.from({ length: c.attackers }, () => attacker(c.keepers)));
  try {
    const precommits = c.attack === "requests" ? [] : await collectPrecommits(attackers[0]!, c);
    process.send?.({ kind: "started" }); // the measured window starts now, after the attackers' set-up
    const startMs = Date.now();
    const untilMs = startMs + c.seconds * 1000;
    const watch = attackers.map((a) => disconnectedAfter(a, startMs, untilMs + 2_000));
    const results = await Promise.all(
      attackers.map(async (a) =>
        c.attack === "replay"
          ? replay(a, precommits, c.votesPerSecond, untilMs)
          : { sent: await (c.attack === "frames" ? frames(a, precommits, untilMs) : requests(a, c, untilMs)) },
      ),
    );
    // a replay's rate counts the time its attackers were connected; the others' the whole attack
    const activeMs = Math.max(...results.map((r) => ("activeMs" in r ? r.activeMs : Date.now() - startMs)));
    return {
      kind: "done",
      sent: results.reduce((x, r) => x + r.sent, 0),
      seconds: activeMs / 1000,
      disconnectedAfterSeconds: await Promise.all(watch),
    };
  } finally {
    await Promise.all(attackers.map((a) => a.node.stop()));
  }
}

if (process.send && process.argv.includes("--flood-attacker")) {
  process.send({ kind: "ready" });
  process.on("message", (m: AttackCommand | { cmd: "exit" }) => {
    if (m.cmd === "exit") process.exit(0);
    attack(m).then(
      (done) => process.send!(done),
      (err: unknown) =>
        process.send!({
          kind: "done",
          sent: 0,
          seconds: 0,
          disconnectedAfterSeconds: [],
          error: String((err as Error)?.stack ?? err),
        }),
    );
  });
}
