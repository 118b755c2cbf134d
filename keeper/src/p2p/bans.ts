// Peers banned for a time: disconnected, refused at the connection gater (inbound after the Noise
// handshake names them, and before any dial), and remembered in the keeper's store so a restart
// does not let them back in early. A peer is banned when its gossipsub score (which includes the
// penalty points of penalties.ts) falls below BAN_SCORE; the score watcher in p2p-node.ts checks
// connected peers every second.
import type { ConnectionGater, PeerId } from "@libp2p/interface";
import type { Logger } from "../observability/logger.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import type { Bucket } from "../store/bucket.js";
import type { StoredBan } from "../store/index.js";

export interface BanModules {
  logger: Logger;
  metrics: KeeperMetrics;
  /** where bans outlive the process (the keeper's LevelDB); memory only without it */
  store?: Bucket<StoredBan>;
  now?: () => number;
}

export class PeerBans {
  private readonly banned = new Map<string, StoredBan>();
  private readonly now: () => number;

  constructor(private readonly m: BanModules) {
    this.now = m.now ?? Date.now;
  }

  /** Loads bans still running from the store; forgets expired ones. */
  async load(): Promise<void> {
    if (!this.m.store) return;
    const expired: string[] = [];
    for await (const [peer, ban] of this.m.store.entries()) {
      if (ban.untilMs > this.now()) this.banned.set(peer, ban);
      else expired.push(peer);
    }
    if (expired.length > 0) await this.m.store.batch(expired.map((key) => ({ type: "del", key })));
    this.m.metrics.p2pBannedPeers.set(this.banned.size);
    if (this.banned.size > 0) this.m.logger.info({ banned: this.banned.size }, "bans restored from the store");
  }

  isBanned(peer: string): boolean {
    const ban = this.banned.get(peer);
    if (ban === undefined) return false;
    if (ban.untilMs > this.now()) return true;
    this.banned.delete(peer);
    this.m.metrics.p2pBannedPeers.set(this.banned.size);
    void this.m.store?.del(peer).catch(() => undefined);
    return false;
  }

  /** When the peer's ban ends (ms since the epoch), if it is banned. */
  bannedUntil(peer: string): number | undefined {
    return this.isBanned(peer) ? this.banned.get(peer)!.untilMs : undefined;
  }

  async ban(peer: string, reason: string, durationMs: number, fields: Record<string, unknown> = {}): Promise<void> {
    if (this.isBanned(peer)) return;
    const ban = { untilMs: this.now() + durationMs, reason };
    this.banned.set(peer, ban);
    this.m.metrics.p2pBansTotal.inc({ reason });
    this.m.metrics.p2pBannedPeers.set(this.banned.size);
    this.m.logger.warn({ peer, reason, durationMs, ...fields }, "peer banned");
    try {
      await this.m.store?.put(peer, ban);
    } catch (err) {
      this.m.logger.warn({ peer, err: (err as Error).message }, "could not persist a ban");
    }
  }

  /** libp2p's connection gater: no connection to or from a banned peer. */
  gater(): ConnectionGater {
    const denied = (peerId: PeerId) => this.isBanned(peerId.toString());
    return {
      denyDialPeer: denied,
      denyInboundEncryptedConnection: denied,
      denyOutboundEncryptedConnection: denied,
    };
  }
}
