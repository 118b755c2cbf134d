// The vote-set request protocol over libp2p (the pure part is consensus/vote-sync.ts): a keeper
// whose engine position did not move for a sync interval (or that waits for the polka a
// re-proposal cites) asks a few validators' keepers what it lacks at (height, round), sending
// bitmaps of the votes it holds; each answers with the signed votes missing from them (and the
// round's proposal, as its author's signed envelope, when the asker lacks it), or says it decided
// that height (the asker then fetches the commit). Votes authenticate themselves by
// their own signatures, so an answer from any peer is checked like a gossiped vote.
import type { Logger } from "pino";
import { z } from "zod";
import type { EngineSnapshot } from "../consensus/engine.js";
import type { VoteSetHave } from "../consensus/vote-sync.js";
import type { ProtocolSpec } from "../p2p/reqresp.js";
import { proposalTopic, voteTopic, type VoteMsg } from "./topics.js";

const uint = z.string().regex(/^\d{1,20}$/);

const VoteSetRequestSchema = z.strictObject({
  epoch: uint,
  height: uint,
  round: z.int().nonnegative().max(1_000_000),
  proposal: z.boolean(),
  /** hex bitmaps by validator position in the epoch's set (vote-sync.ts) */
  prevotes: z.string().regex(/^0x[0-9a-f]{1,64}$/),
  precommits: z.string().regex(/^0x[0-9a-f]{1,64}$/),
});
export type VoteSetRequest = z.infer<typeof VoteSetRequestSchema>;

const VoteSetReplySchema = z.strictObject({
  /** the answering keeper decided this height: ask it for the commit */
  decided: z.boolean(),
  votes: z.array(voteTopic.schema).max(400),
  /** the proposal of (height, round) as its author's signed gossip envelope, when the asker lacked it */
  proposal: z.string().max(proposalTopic.maxBytes!).optional(),
});
export type VoteSetReply = z.infer<typeof VoteSetReplySchema>;

export const voteSetProtocol: ProtocolSpec<VoteSetRequest, VoteSetReply> = {
  name: "consensus-vote-set",
  request: VoteSetRequestSchema,
  response: VoteSetReplySchema,
  maxResponseBytes: 400 * voteTopic.maxBytes! + 2 * proposalTopic.maxBytes!,
};

/** How requests reach a validator's keeper (p2p/reqresp in the keeper). */
export interface VoteSetTransport {
  serve(handler: (req: VoteSetRequest, peerId: string) => Promise<VoteSetReply>): Promise<void>;
  /** asks the keeper of `operator`; resolves with its answer and its peer id */
  fetch(operator: string, req: VoteSetRequest): Promise<{ reply: VoteSetReply; peerId: string }>;
}

export interface VoteSetSyncOptions {
  /** a position unchanged for this long asks (default 1 s) */
  intervalMs?: number;
  /** peers asked per tick (default 3) */
  fanout?: number;
}

export interface VoteSetSyncHost {
  /** the engine's position and the round it lacks most (ConsensusEngine.syncRound), or undefined when idle */
  position(): { snapshot: EngineSnapshot; syncRound: number; epoch: bigint } | undefined;
  /** what this keeper holds at (height, round) */
  have(height: number, round: number): VoteSetHave;
  /** operators of the other validators of the epoch */
  peers(): string[];
  onReply(reply: VoteSetReply, peerId: string, asked: VoteSetRequest): void;
}

export class VoteSetSyncer {
  private timer?: NodeJS.Timeout;
  private lastPosition = "";
  private turn = 0;
  /** requests sent, for tests and logs */
  requests = 0;

  constructor(
    private readonly transport: VoteSetTransport,
    private readonly host: VoteSetSyncHost,
    private readonly log: Logger,
    private readonly options: VoteSetSyncOptions = {},
  ) {}

  start(): void {
    this.stop();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs ?? 1_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const at = this.host.position();
    if (at === undefined) return;
    const s = at.snapshot;
    const position = `${at.epoch}/${s.height}/${s.round}/${s.step}/${s.status}`;
    const stuck = position === this.lastPosition || at.syncRound !== s.round;
    this.lastPosition = position;
    if (!stuck || s.status !== "running") return;
    const peers = this.host.peers();
    if (peers.length === 0) return;
    const have = this.host.have(s.height, at.syncRound);
    const req: VoteSetRequest = {
      epoch: at.epoch.toString(),
      height: String(have.height),
      round: have.round,
      proposal: have.proposal,
      prevotes: have.prevotes,
      precommits: have.precommits,
    };
    for (let k = 0; k < Math.min(this.options.fanout ?? 3, peers.length); k++) {
      const operator = peers[this.turn++ % peers.length]!;
      this.requests++;
      this.transport
        .fetch(operator, req)
        .then(({ reply, peerId }) => this.host.onReply(reply, peerId, req))
        .catch((err: unknown) =>
          this.log.debug({ to: operator, height: s.height, err: (err as Error).message }, "vote-set request failed"),
        );
    }
  }
}

/** A vote as it travels (VoteMsg) from the engine's vote and its signatures. */
export function voteMsgOf(
  epoch: bigint,
  vote: { type: VoteMsg["type"]; height: number; round: number; valueHash: string | null },
  sig: { ecdsa: string; bls: string },
): VoteMsg {
  return {
    epoch: epoch.toString(),
    height: String(vote.height),
    round: vote.round,
    type: vote.type,
    valueHash: vote.valueHash,
    ecdsa: sig.ecdsa,
    bls: sig.bls,
  };
}
