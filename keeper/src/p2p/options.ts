// Defaults of the p2p layer that are not operator-facing configuration, with why.

/** The DHT protocol id: a private OpenMesh DHT, not the public IPFS one (/ipfs/kad/1.0.0). */
export const DHT_PROTOCOL = "/openmesh/kad/1.0.0";

/** Discovery retries this fast until the first provide succeeded and a peer is connected. */
export const DISCOVERY_FAST_INTERVAL_MS = 1_000;

/** Provider records live 48 h in kad-dht; re-providing every 6 h keeps them with margin. */
export const PROVIDE_INTERVAL_MS = 6 * 60 * 60 * 1000;

/** One DHT query or dial gives up after this long. */
export const QUERY_TIMEOUT_MS = 10_000;

/**
 * gossipsub refuses one RPC frame larger than this. Topic limits (64 KiB by default) are checked
 * per message by our validator; this bounds what a peer can make us buffer before that.
 */
export const MAX_GOSSIP_RPC_BYTES = 1024 * 1024;

/** Stored peers not seen for this long are forgotten at start-up. */
export const FORGET_PEERS_AFTER_MS = 7 * 24 * 60 * 60 * 1000;

/** Stored peers redialled at start-up (most recently seen first). */
export const MAX_REMEMBERED_PEERS_TO_DIAL = 20;

export const AGENT_NAME = "openmesh-keeper";
export const AGENT_VERSION = "0.1.0";
