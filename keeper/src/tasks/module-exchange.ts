// Wasm modules from peers, by hash (/openmesh/wasm-module/1): a keeper that holds a module (it
// fetched it for an earlier task) serves its bytes to any peer that asks for the hash; a keeper
// that cannot get a module from the spec's URL (none given, or down) asks its connected peers in
// turn. A reply is kept only if its bytes hash (keccak256) to the hash asked for: a module is
// never trusted by name, nor by who sent it.
import type { Libp2p, PeerId } from "@libp2p/interface";
import { keccak256 } from "ethers";
import type { Logger } from "pino";
import { z } from "zod";
import type { ProtocolSpec, ReqResp } from "../p2p/reqresp.js";
import type { ModuleStore } from "../wasm/module-store.js";

/** Largest module served or accepted (the module store's default cap) */
export const MAX_MODULE_BYTES = 4 << 20;

const Hash = z.string().regex(/^0x[0-9a-fA-F]{64}$/);

export const moduleProtocol: ProtocolSpec<{ hash: string }, { bytes: string } | null> = {
  name: "wasm-module",
  request: z.strictObject({ hash: Hash }),
  // base64 of at most MAX_MODULE_BYTES; null: not held here
  response: z.strictObject({ bytes: z.base64().max(Math.ceil(MAX_MODULE_BYTES / 3) * 4) }).nullable(),
  maxRequestBytes: 256,
  maxResponseBytes: Math.ceil(MAX_MODULE_BYTES / 3) * 4 + 64,
};

export interface ModuleExchangeDeps {
  libp2p: Libp2p;
  reqresp: ReqResp;
  store: ModuleStore;
  logger: Logger;
  /** peers asked per module, at most (default 4) */
  maxPeers?: number;
  timeoutMs?: number;
}

export class ModuleExchange {
  constructor(private readonly d: ModuleExchangeDeps) {}

  /** Serves the store's modules to peers. */
  serve(): Promise<void> {
    return this.d.reqresp.handle(moduleProtocol, async ({ hash }) => {
      if (!this.d.store.has(hash)) return null;
      const m = await this.d.store.get(hash, []); // held: no fetch
      return { bytes: Buffer.from(m.bytes).toString("base64") };
    });
  }

  /** The bytes of module `hash` from the first connected peer that serves exactly them; undefined if none does. */
  async fetch(hash: string, peers: readonly PeerId[] = this.d.libp2p.getPeers()): Promise<Uint8Array | undefined> {
    const want = hash.toLowerCase();
    for (const peer of peers.slice(0, this.d.maxPeers ?? 4)) {
      try {
        const reply = await this.d.reqresp.request(
          peer,
          moduleProtocol,
          { hash: want },
          { timeoutMs: this.d.timeoutMs },
        );
        if (!reply) continue;
        const bytes = new Uint8Array(Buffer.from(reply.bytes, "base64"));
        if (keccak256(bytes).toLowerCase() === want) return bytes;
        this.d.logger.warn(
          { peer: peer.toString(), hash: want },
          "a peer served a module that does not hash to the hash asked for",
        );
      } catch (err) {
        this.d.logger.debug(
          { peer: peer.toString(), hash: want, err: (err as Error).message },
          "module request failed",
        );
      }
    }
    return undefined;
  }
}
