// Every Prometheus metric of the keeper, in one place: a reader sees the whole surface here.
// Names: keeper_<subsystem>_<name>[_total|_seconds]. One registry per keeper, so several keepers
// in one process (tests, bench) never collide.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export function createMetrics(opts: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  // Process metrics (RSS, event-loop lag, GC) are global to the process: enable them once.
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "keeper_" });
  const registers = [registry];
  /** read on each scrape: seconds since the last decided height (the consensus module sets it) */
  let secondsSinceDecision: () => number | null = () => null;

  return {
    registry,

    // p2p
    p2pPeers: new Gauge({ name: "keeper_p2p_peers", help: "Connected libp2p peers", registers }),
    p2pConnectionsTotal: new Counter({
      name: "keeper_p2p_connections_total",
      help: "Connections opened and closed",
      labelNames: ["event"] as const,
      registers,
    }),
    gossipMessagesTotal: new Counter({
      name: "keeper_gossip_messages_total",
      help: "Gossip messages by topic, direction (in/out) and validation result",
      labelNames: ["topic", "direction", "result"] as const,
      registers,
    }),
    gossipValidationSeconds: new Histogram({
      name: "keeper_gossip_validation_seconds",
      help: "Time to decode, verify and validate one inbound gossip message",
      labelNames: ["topic"] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 0.5],
      registers,
    }),
    dhtOperationsTotal: new Counter({
      name: "keeper_p2p_dht_operations_total",
      help: "DHT provide / find-providers operations by result",
      labelNames: ["op", "result"] as const,
      registers,
    }),
    reqRespTotal: new Counter({
      name: "keeper_reqresp_requests_total",
      help: "Direct request/response exchanges by protocol, direction and result",
      labelNames: ["protocol", "direction", "result"] as const,
      registers,
    }),
    p2pRateLimitedTotal: new Counter({
      name: "keeper_p2p_rate_limited_total",
      help: "Inbound messages, frames and requests over a peer's rate limit, by protocol (dropped)",
      labelNames: ["protocol"] as const,
      registers,
    }),
    p2pRejectedInputTotal: new Counter({
      name: "keeper_p2p_rejected_input_total",
      help: "Rejected or dropped inbound input by kind (gossip/<reason>, push/<reason>, reqresp/<reason>)",
      labelNames: ["kind"] as const,
      registers,
    }),
    p2pBansTotal: new Counter({
      name: "keeper_p2p_bans_total",
      help: "Peers banned (disconnected and refused for a time), by reason",
      labelNames: ["reason"] as const,
      registers,
    }),
    p2pBannedPeers: new Gauge({ name: "keeper_p2p_banned_peers", help: "Peers banned now", registers }),
    consensusInboundDroppedTotal: new Counter({
      name: "keeper_consensus_inbound_dropped_total",
      help: "Inbound consensus messages dropped because the consensus queue was full",
      registers,
    }),
    pushMessagesTotal: new Counter({
      name: "keeper_push_messages_total",
      help: "One-way messages pushed to or from a peer over a long-lived stream, by protocol, direction and result",
      labelNames: ["protocol", "direction", "result"] as const,
      registers,
    }),

    // chain
    chainTxTotal: new Counter({
      name: "keeper_chain_tx_total",
      help: "Transactions by outcome (sent, mined, reverted, replaced, failed, retried)",
      labelNames: ["result"] as const,
      registers,
    }),
    chainRpcErrorsTotal: new Counter({
      name: "keeper_chain_rpc_errors_total",
      help: "JSON-RPC calls that failed (each retry counts)",
      labelNames: ["component"] as const,
      registers,
    }),
    chainHeadBlock: new Gauge({ name: "keeper_chain_head_block", help: "Latest block number seen", registers }),
    chainEventsTotal: new Counter({
      name: "keeper_chain_events_total",
      help: "Confirmed logs delivered by the event watcher",
      registers,
    }),
    chainReorgsTotal: new Counter({
      name: "keeper_chain_reorgs_total",
      help: "Reorgs detected below the confirmation depth (each one rewinds the watcher)",
      registers,
    }),

    // store
    storeOpsTotal: new Counter({
      name: "keeper_store_ops_total",
      help: "LevelDB operations by bucket and op",
      labelNames: ["bucket", "op"] as const,
      registers,
    }),
    consensusHeight: new Gauge({ name: "keeper_consensus_height", help: "Last decided BFT height", registers }),
    consensusDecisionsTotal: new Counter({
      name: "keeper_consensus_decisions_total",
      help: "BFT heights decided, by round (0 = first round)",
      labelNames: ["round"] as const,
      registers,
    }),
    consensusSecondsSinceDecision: new Gauge({
      name: "keeper_consensus_seconds_since_decision",
      help: "Seconds since this keeper last decided (or adopted) a height; since consensus started before the first",
      registers,
      collect() {
        const s = secondsSinceDecision();
        if (s !== null) this.set(s);
      },
    }),
    /** where keeper_consensus_seconds_since_decision reads from */
    setSecondsSinceDecisionSource(source: () => number | null): void {
      secondsSinceDecision = source;
    },
    consensusCommitSeconds: new Histogram({
      name: "keeper_consensus_commit_seconds",
      help: "Time from a height's start to its decision",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    checkpointsSubmittedTotal: new Counter({
      name: "keeper_checkpoints_submitted_total",
      help: "Checkpoints this keeper certified on chain, by certificate kind",
      labelNames: ["kind"] as const,
      registers,
    }),

    // rewards
    rewardsPushedTotal: new Counter({
      name: "keeper_rewards_pushed_total",
      help: "Epoch rewards this keeper claimed and pushed into a staking pool, by role (own operator / fallback)",
      labelNames: ["role"] as const,
      registers,
    }),
    rewardsPushFailedTotal: new Counter({
      name: "keeper_rewards_push_failed_total",
      help: "Reward claims or pushes this keeper attempted that failed, by role",
      labelNames: ["role"] as const,
      registers,
    }),

    // bridge (CCIP)
    bridgeRelayedTotal: new Counter({
      name: "keeper_bridge_relayed_total",
      help: "Certified headers this keeper relayed over CCIP, by destination chain selector",
      labelNames: ["lane"] as const,
      registers,
    }),
    bridgeFailedTotal: new Counter({
      name: "keeper_bridge_failed_total",
      help: "Relays this keeper attempted that failed (not counting a lane someone else already served)",
      labelNames: ["lane"] as const,
      registers,
    }),
    bridgeFeePaidTotal: new Counter({
      name: "keeper_bridge_fee_paid_total",
      help: "CCIP fees this keeper paid, in whole tokens (fee token address; 0x0 = the native coin)",
      labelNames: ["token"] as const,
      registers,
    }),

    // mesh health (observability/mesh-monitor.ts); `peer` = operator address, lowercase
    meshHeartbeatsTotal: new Counter({
      name: "keeper_mesh_heartbeats_total",
      help: "Heartbeats received, by peer",
      labelNames: ["peer"] as const,
      registers,
    }),
    meshPhi: new Gauge({
      name: "keeper_mesh_phi",
      help: "Phi-accrual suspicion level of each peer (suspected at >= the threshold, default 8)",
      labelNames: ["peer"] as const,
      registers,
    }),
    meshSuspectedPeers: new Gauge({ name: "keeper_mesh_suspected_peers", help: "Peers suspected now", registers }),
    meshSuspicionsTotal: new Counter({
      name: "keeper_mesh_suspicions_total",
      help: "Times a peer became suspected (phi crossed the threshold)",
      labelNames: ["peer"] as const,
      registers,
    }),
    meshRttSeconds: new Histogram({
      name: "keeper_mesh_rtt_seconds",
      help: "Round-trip time to each peer (libp2p ping)",
      labelNames: ["peer"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    meshPingsTotal: new Counter({
      name: "keeper_mesh_pings_total",
      help: "Pings to each peer by result (ok / failed): the peer's failure rate",
      labelNames: ["peer", "result"] as const,
      registers,
    }),
  };
}

export type KeeperMetrics = ReturnType<typeof createMetrics>;
