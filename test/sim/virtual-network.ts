// A virtual network for the consensus simulation, modelling partial synchrony:
// before GST (global stabilisation time) messages are delayed arbitrarily (heavy tail),
// dropped, duplicated and held back by partitions; from GST on, every message arrives within
// postGst.maxDelayMs, and what was in flight at GST arrives by GST + postGst.maxDelayMs.
//
// Above the links sits an idealised gossip layer, the one the Tendermint paper assumes: a
// dropped transmission is retransmitted later, a partition holds messages until it heals, and an
// honest node that receives a message for the first time relays it to every node that has not
// had it (deduplicated by message id, as gossipsub does). So a message one honest node has,
// every honest node eventually gets, including what a Byzantine sender gave only to some.
// A crashed node keeps the messages it had received (the keeper's store is durable) but loses
// what was sent to it while down; on restart it replays its log and resyncs with its peers.
// Nodes also gossip decision certificates, as keepers serve certified checkpoints to peers
// that fall behind.
import type { ConsensusMessage, Decision } from "../../keeper/src/consensus/index.js";
import type { Prng } from "./prng.js";
import type { VirtualClock } from "./virtual-clock.js";

export interface Partition {
  readonly fromMs: number;
  readonly untilMs: number;
  /** group of each node; nodes in different groups cannot talk during the partition */
  readonly groups: readonly number[];
}

export interface NetworkConfig {
  readonly gstMs: number;
  readonly preGst: {
    readonly maxDelayMs: number;
    readonly dropProbability: number;
    readonly duplicateProbability: number;
    /** gossip retransmission delay after a drop */
    readonly retryMs: readonly [number, number];
  };
  readonly postGst: { readonly minDelayMs: number; readonly maxDelayMs: number; readonly duplicateProbability: number };
  readonly partitions: readonly Partition[];
  /**
   * The adversary's scheduling before GST (the model lets it delay anything until then):
   * messages matching this (e.g. Byzantine-signed ones) reach other nodes through honest relays
   * only at GST, so what a Byzantine sender gave one node stays with that node until then.
   */
  readonly holdRelayUntilGst?: (msg: SimMessage) => boolean;
  /**
   * Lossy links: a transmission for which this returns true is lost for good, with no gossip
   * retransmission (msg undefined: a vote-set request or its answer). The receiver may still
   * get the message from another relay, or from the hosts' rebroadcast and vote-set sync.
   */
  readonly loss?: (msg: SimMessage | undefined, from: number, to: number, now: number) => boolean;
}

/** what travels: consensus messages, and decision certificates that nodes serve for catch-up */
export type SimMessage = ConsensusMessage | { readonly kind: "certificate"; readonly decision: Decision };

export type Receiver = (msg: SimMessage) => void;

export function heightOf(msg: SimMessage): number {
  if (msg.kind === "vote") return msg.vote.height;
  if (msg.kind === "proposal") return msg.proposal.height;
  return msg.decision.height;
}

const NOT_SENT = 0;
const IN_FLIGHT = 1;
const DELIVERED = 2;

interface Entry {
  readonly msg: SimMessage;
  readonly height: number;
  /** per node: NOT_SENT, IN_FLIGHT or DELIVERED */
  readonly state: Uint8Array;
}

export function messageId(msg: SimMessage): string {
  // one certificate per height is enough: they all certify the same value
  if (msg.kind === "certificate") return `c/${msg.decision.height}`;
  if (msg.kind === "vote") {
    const v = msg.vote;
    return `v/${v.height}/${v.round}/${v.type}/${v.validator}/${v.valueHash ?? "nil"}`;
  }
  const p = msg.proposal;
  return `p/${p.height}/${p.round}/${p.proposer}/${p.value.hash}/${p.validRound}`;
}

export class VirtualNetwork {
  private readonly receivers: (Receiver | undefined)[];
  private readonly up: boolean[];
  private readonly relays: boolean[];
  private readonly log = new Map<string, Entry>();
  private readonly ids = new WeakMap<SimMessage, string>();
  deliveries = 0;
  drops = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly rng: Prng,
    private readonly config: NetworkConfig,
    readonly size: number,
  ) {
    this.receivers = new Array<Receiver | undefined>(size).fill(undefined);
    this.up = new Array<boolean>(size).fill(true);
    this.relays = new Array<boolean>(size).fill(false);
  }

  /** `relays`: an honest node forwards what it receives first; a Byzantine one does not */
  attach(node: number, receiver: Receiver, relays: boolean): void {
    this.receivers[node] = receiver;
    this.relays[node] = relays;
  }

  setUp(node: number, up: boolean): void {
    this.up[node] = up;
  }

  /** an honest broadcast: every node that does not have msg yet gets it */
  broadcast(from: number, msg: SimMessage): void {
    const entry = this.entry(msg);
    entry.state[from] = DELIVERED;
    this.spread(from, entry);
  }

  /** a Byzantine send to one node, whatever it already has */
  sendTo(from: number, to: number, msg: SimMessage): void {
    const entry = this.entry(msg);
    entry.state[from] = DELIVERED;
    if (entry.state[to] !== NOT_SENT || to === from) return;
    entry.state[to] = IN_FLIGHT;
    this.transmit(from, to, entry, this.clock.now);
  }

  /**
   * A node back from a crash reconnects: it replays its own log of received messages (the
   * keeper's consensus WAL) of heights >= minHeight, pulls from up peers what it never got,
   * and pushes to up peers what they lack (they may have crashed meanwhile too).
   */
  reconnect(node: number, minHeight: number): void {
    for (const entry of this.log.values()) {
      const state = entry.state;
      if (state[node] === DELIVERED) {
        if (entry.height >= minHeight) this.clock.after(0, () => this.up[node] && this.receivers[node]?.(entry.msg));
        for (let peer = 0; peer < this.size; peer++) {
          if (state[peer] !== NOT_SENT || !this.up[peer]) continue;
          state[peer] = IN_FLIGHT;
          this.transmit(node, peer, entry, this.clock.now);
        }
      } else if (state[node] === NOT_SENT && entry.height >= minHeight) {
        const source = this.holder(entry, node);
        if (source === undefined) continue;
        state[node] = IN_FLIGHT;
        this.transmit(source, node, entry, this.clock.now);
      }
    }
  }

  private spread(from: number, entry: Entry): void {
    for (let to = 0; to < this.size; to++) {
      if (entry.state[to] !== NOT_SENT) continue;
      entry.state[to] = IN_FLIGHT;
      this.transmit(from, to, entry, this.clock.now);
    }
  }

  /** an up node that has the message, preferring honest relays */
  private holder(entry: Entry, except: number): number | undefined {
    let fallback: number | undefined;
    for (let i = 0; i < this.size; i++) {
      if (i === except || entry.state[i] !== DELIVERED || !this.up[i]) continue;
      if (this.relays[i]) return i;
      fallback ??= i;
    }
    return fallback;
  }

  /** A point-to-point exchange that is not a consensus message (vote-set sync): lossy, delayed like one. */
  direct(from: number, to: number, run: () => void): void {
    const now = this.clock.now;
    if (!this.up[to] || this.config.loss?.(undefined, from, to, now) === true) return;
    const { gstMs, postGst } = this.config;
    const delay =
      now >= gstMs
        ? this.rng.int(postGst.minDelayMs, postGst.maxDelayMs)
        : Math.min(this.preGstDelay(), gstMs + postGst.maxDelayMs - now);
    this.clock.after(delay, () => {
      if (this.up[to]) run();
    });
  }

  private transmit(from: number, to: number, entry: Entry, now: number): void {
    const { gstMs, preGst, postGst } = this.config;
    if (this.config.loss?.(entry.msg, from, to, now) === true) {
      this.drops++;
      entry.state[to] = NOT_SENT; // lost for good: only a new send (relay, rebroadcast, sync) brings it
      return;
    }
    if (now >= gstMs) {
      this.deliverAt(now + this.rng.int(postGst.minDelayMs, postGst.maxDelayMs), to, entry);
      if (this.rng.chance(postGst.duplicateProbability)) {
        this.deliverAt(now + this.rng.int(postGst.minDelayMs, postGst.maxDelayMs), to, entry);
      }
      return;
    }
    const healsAt = this.partitionedUntil(from, to, now);
    if (healsAt !== undefined) {
      this.clock.at(healsAt + this.rng.int(preGst.retryMs[0], preGst.retryMs[1]), () =>
        this.transmit(from, to, entry, this.clock.now),
      );
      return;
    }
    if (this.rng.chance(preGst.dropProbability)) {
      this.drops++;
      this.clock.after(this.rng.int(preGst.retryMs[0], preGst.retryMs[1]), () =>
        this.transmit(from, to, entry, this.clock.now),
      );
      return;
    }
    const latest = gstMs + postGst.maxDelayMs; // in flight at GST: arrives within the bound
    const held = this.relays[from] && this.config.holdRelayUntilGst?.(entry.msg) === true;
    this.deliverAt(held ? latest : Math.min(now + this.preGstDelay(), latest), to, entry);
    if (this.rng.chance(preGst.duplicateProbability)) {
      this.deliverAt(Math.min(now + this.preGstDelay(), latest), to, entry);
    }
  }

  /** mostly fast, sometimes very slow */
  private preGstDelay(): number {
    const max = this.config.preGst.maxDelayMs;
    return this.rng.chance(0.7) ? this.rng.int(1, Math.min(50, max)) : this.rng.int(1, max);
  }

  private partitionedUntil(from: number, to: number, now: number): number | undefined {
    let until: number | undefined;
    for (const p of this.config.partitions) {
      if (now < p.fromMs || now >= p.untilMs || p.groups[from] === p.groups[to]) continue;
      until = Math.max(until ?? 0, p.untilMs);
    }
    return until;
  }

  private deliverAt(time: number, to: number, entry: Entry): void {
    this.clock.at(time, () => this.deliver(to, entry));
  }

  private deliver(to: number, entry: Entry): void {
    if (!this.up[to]) {
      entry.state[to] = NOT_SENT; // lost with the crash; resync sends it again
      return;
    }
    const first = entry.state[to] !== DELIVERED;
    entry.state[to] = DELIVERED;
    this.deliveries++;
    if (first && this.relays[to]) this.spread(to, entry);
    this.receivers[to]?.(entry.msg);
  }

  private entry(msg: SimMessage): Entry {
    let id = this.ids.get(msg);
    if (id === undefined) {
      id = messageId(msg);
      this.ids.set(msg, id);
    }
    let entry = this.log.get(id);
    if (entry === undefined) {
      entry = { msg, height: heightOf(msg), state: new Uint8Array(this.size) };
      this.log.set(id, entry);
    }
    return entry;
  }
}
