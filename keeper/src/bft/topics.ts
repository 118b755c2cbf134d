// The consensus topics of the DSMP mesh. Envelopes are signed by the sender's operator signer
// (p2p/envelope.ts); votes also carry their own EIP-712 ECDSA and BLS signatures, which become
// quorum certificates and double-sign evidence.
import { z } from "zod";
import type { TypedDataDomain } from "ethers";
import { defineTopic, type GossipMessage, type TopicSpec } from "../p2p/topics.js";
import { recoverVoteSigner } from "./votes.js";
import type { ProtocolSpec } from "../p2p/reqresp.js";
import type { PushSpec } from "../p2p/push.js";
import { CommitJsonSchema, PayloadJson } from "./codec.js";
import type { ConsensusGossipGate } from "./gossip-gate.js";

const hash = z.string().regex(/^0x[0-9a-f]{64}$/);
const uint = z.string().regex(/^\d{1,20}$/);
/** The step a vote belongs to. */
const voteStep = {
  epoch: uint,
  height: uint,
  round: z.int().nonnegative().max(1_000_000),
  type: z.enum(["prevote", "precommit"]),
};
/** A vote's value and signatures (a bundle carries these per vote under one step). */
const signedVote = {
  valueHash: hash.nullable(),
  ecdsa: z.string().regex(/^0x[0-9a-f]{130}$/),
  /** BLS share, precommits for a value only */
  bls: z.string().regex(/^0x([0-9a-f]{256})?$/),
};

export const proposalTopic = defineTopic({
  name: "proposal",
  maxBytes: 512 * 1024,
  schema: z.strictObject({
    epoch: uint,
    height: uint,
    round: z.int().nonnegative().max(1_000_000),
    validRound: z.int().min(-1).max(1_000_000),
    valueHash: hash,
    payload: PayloadJson,
  }),
});
export type ProposalMsg = z.infer<typeof proposalTopic.schema>;

export const voteTopic = defineTopic({
  name: "vote",
  maxBytes: 2 * 1024,
  schema: z.strictObject({ ...voteStep, ...signedVote }),
});
export type VoteMsg = z.infer<typeof voteTopic.schema>;

/**
 * Votes a round's proposer collected (vote-relay.ts), gossiped as one message once they carry more
 * than 2/3 of the stake. Each vote is checked on its own signature; the envelope is the relay's.
 */
export const voteBundleTopic = defineTopic({
  name: "vote-bundle",
  maxBytes: 512 * 1024,
  schema: z.strictObject({ ...voteStep, votes: z.array(z.strictObject(signedVote)).min(1).max(1024) }),
});
export type VoteBundleMsg = z.infer<typeof voteBundleTopic.schema>;

/**
 * A decided height: the precommits proving it, and its value. The deciding proposer announces it
 * without the value (payload null): every validator that voted holds the proposal already, and
 * the payload was most of the message. A keeper without it asks the sender (commitRequestProtocol);
 * a commit sent to a peer that fell behind carries the payload.
 */
export const commitTopic = defineTopic({
  name: "commit",
  maxBytes: 1024 * 1024,
  schema: z.strictObject({ payload: PayloadJson.nullable(), commit: CommitJsonSchema }),
});
export type CommitMsg = z.infer<typeof commitTopic.schema>;
const FullCommitSchema = z.strictObject({ payload: PayloadJson, commit: CommitJsonSchema });
/** A commit with its value (catch-up replies). */
export type FullCommitMsg = z.infer<typeof FullCommitSchema>;

/**
 * The consensus topics of one deployment. A vote authenticates its author by its own EIP-712
 * signature (the one that goes into certificates and evidence), so its envelope goes unsigned and
 * each vote costs one signature recovery, not two. `gate`: one message per slot, nothing stale
 * (gossip-gate.ts); without it every valid message is accepted.
 */
export function consensusTopics(domain: TypedDataDomain, gate?: ConsensusGossipGate): Array<TopicSpec<unknown>> {
  const votes: TopicSpec<VoteMsg> = {
    ...voteTopic,
    ...(gate && { validate: (msg: GossipMessage<VoteMsg>) => gate.vote(msg) }),
    signerOf: (v) =>
      recoverVoteSigner(
        domain,
        BigInt(v.epoch),
        { type: v.type, height: Number(v.height), round: v.round, valueHash: v.valueHash, validator: "" },
        v.ecdsa,
      ),
  };
  if (!gate) return [proposalTopic, votes, voteBundleTopic, commitTopic] as Array<TopicSpec<unknown>>;
  const proposals: TopicSpec<ProposalMsg> = { ...proposalTopic, validate: (msg) => gate.proposal(msg) };
  const bundles: TopicSpec<VoteBundleMsg> = { ...voteBundleTopic, validate: (msg) => gate.bundle(msg) };
  const commits: TopicSpec<CommitMsg> = { ...commitTopic, validate: (msg) => gate.commit(msg) };
  return [proposals, votes, bundles, commits] as Array<TopicSpec<unknown>>;
}

const CommitRequestSchema = z.strictObject({ epoch: uint, height: uint });
const CommitReplySchema = FullCommitSchema.nullable();

/**
 * Catch-up by request: a keeper that sees peers voting past a height it has not decided asks one
 * of them for that height's commit (null when the peer does not have it).
 */
export const commitRequestProtocol: ProtocolSpec<
  z.infer<typeof CommitRequestSchema>,
  z.infer<typeof CommitReplySchema>
> = {
  name: "consensus-commit",
  request: CommitRequestSchema,
  response: CommitReplySchema,
  maxResponseBytes: commitTopic.maxBytes,
};

/** A vote sent straight to the round's proposer, which relays it in a bundle (vote-relay.ts). */
export const voteRelayPush: PushSpec<VoteMsg> = {
  name: "consensus-vote",
  schema: voteTopic.schema,
  maxBytes: voteTopic.maxBytes!,
};
