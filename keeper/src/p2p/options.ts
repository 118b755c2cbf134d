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

/**
 * gossipsub mesh for a validator mesh. Publishers flood their own messages to every connected peer
 * (gossipsub's floodPublish), and keepers dial the keepers they discover up to `targetPeers` (50),
 * so in sets up to that size a message arrives in one hop and the mesh is the repair path: a small mesh
 * (default D = 6) cuts the duplicate copies each keeper decrypts and decodes. IDONTWANT from 2 KiB:
 * proposals, vote bundles and commits (kilobytes each) are not forwarded to a mesh peer that
 * already has them; for a sub-kilobyte vote the control message costs about what it saves.
 * Measured with 16 keepers on 2 cores: 105 -> 68 ms of CPU per keeper per height
 * (scripts/bench/bft.ts). No mesh at all (D = 0), or D = 1, was ~40% / ~20% cheaper still at 32
 * keepers, but heights stalled in most runs (a lost message, a keeper left with one peer):
 * docs/benchmarks.md, session 3. The mesh stays the repair path.
 */
export const GOSSIP_MESH = { D: 3, Dlo: 2, Dhi: 5, Dlazy: 3, idontwantMinDataSize: 2 * 1024 };

/**
 * libp2p's connection monitor pings every connection (default every 10 s) and aborts one whose ping
 * takes longer than an adaptive timeout (5 s at least). A keeper busy for a few seconds (start-up,
 * a burst of consensus work on shared cores) then lost healthy connections, and redialling them
 * cost more work: 32 keepers on 2 cores saw 190-390 disconnections per run. Here a connection is
 * aborted only after 30 s without a ping answer; a closed socket is still noticed at once.
 */
export const CONNECTION_MONITOR = { pingInterval: 30_000, pingTimeout: { minTimeout: 30_000, maxTimeout: 60_000 } };

/** Stored peers not seen for this long are forgotten at start-up. */
export const FORGET_PEERS_AFTER_MS = 7 * 24 * 60 * 60 * 1000;

/** Stored peers redialled at start-up (most recently seen first). */
export const MAX_REMEMBERED_PEERS_TO_DIAL = 20;

export const AGENT_NAME = "openmesh-keeper";
export const AGENT_VERSION = "0.1.0";

// ---- limits per peer (issue 16; the table in docs/mesh.md) ----

/** All gossip one peer sends us, every topic together (CometBFT's default send/recv rate is 5 MB/s). */
export const GOSSIP_PEER_LIMIT = { perSecond: 1_000, burst: 2_000, bytesPerSecond: 5 * 1024 * 1024 };

/** Frames one peer pushes on one push protocol (a vote to the round's proposer is one frame). */
export const PUSH_PEER_LIMIT = { perSecond: 200, burst: 400, bytesPerSecond: 1024 * 1024 };

/** Requests one peer makes on one request/response protocol. */
export const REQUEST_PEER_LIMIT = { perSecond: 5, burst: 10, bytesPerSecond: 256 * 1024 };

/** Inbound streams of one push protocol on one connection (one is used; a spare for a reopened one). */
export const PUSH_STREAMS_PER_CONNECTION = 2;

/** Inbound request streams of one protocol open at once on one connection. */
export const REQUEST_STREAMS_PER_CONNECTION = 16;

/** Penalty points (penalties.ts) for input over a rate limit, and for a refused push frame. */
export const RATE_LIMIT_PENALTY = 10;
export const REFUSED_FRAME_PENALTY = 25;

/**
 * Penalty points for a gossip message a validator rejected, on top of gossipsub's P4: gossipsub
 * caches scores for a heartbeat (1 s), in which a flooding peer's messages would all still be
 * parsed; with these, its fifth reject puts it at ban level and the rest is dropped unread.
 */
export const REJECT_PENALTY = 20;

/** A peer whose gossipsub score (penalties included) falls below this is disconnected and banned. */
export const BAN_SCORE = -100;

/** Penalty points that ban a peer by themselves (a peer that never joins gossipsub has no score). */
export const BAN_PENALTY_POINTS = 100;

/** How long a ban lasts, and how often connected peers' scores are checked against BAN_SCORE. */
export const BAN_DURATION_MS = 10 * 60 * 1000;
export const BAN_CHECK_INTERVAL_MS = 500;

/** Rejected-input log lines: the first of each kind per peer at once, then one summary per interval. */
export const REJECT_LOG_INTERVAL_MS = 10_000;
