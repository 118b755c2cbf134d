// Rotating the libp2p key (the peer id the registration binds), in two steps around the on-chain
// `updateNetwork`, so an interrupted rotation loses nothing: the next key waits in its own file
// until the chain names its peer id; only then does it replace the current key, which is kept
// under a retired name (never deleted). Rerunning after a crash resumes with the same next key.
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { PeerId } from "@libp2p/interface";
import { readLibp2pKey, writeNewLibp2pKey } from "./identity.js";
import { IdentityError, KEY_FILES } from "./keyfiles.js";

export const NEXT_LIBP2P_KEY_FILE = "libp2p.next.json";

/** The pending key of a rotation not yet completed, if any. */
export function pendingPeerKey(keyDir: string): PeerId | undefined {
  if (!existsSync(join(keyDir, NEXT_LIBP2P_KEY_FILE))) return undefined;
  return readLibp2pKey(keyDir, NEXT_LIBP2P_KEY_FILE).peerId;
}

/** The key to rotate to: the pending one from an interrupted rotation, or a new one. */
export async function nextPeerKey(keyDir: string): Promise<PeerId> {
  return pendingPeerKey(keyDir) ?? writeNewLibp2pKey(keyDir, NEXT_LIBP2P_KEY_FILE);
}

/**
 * Makes the pending key current once the chain has it: the current key moves to
 * `libp2p.retired-<peer id>.json`. Returns the retired file's name.
 */
export function completePeerKeyRotation(keyDir: string): string {
  const next = join(keyDir, NEXT_LIBP2P_KEY_FILE);
  if (!existsSync(next))
    throw new IdentityError("missing", `no pending peer key (${NEXT_LIBP2P_KEY_FILE}) in ${keyDir}`);
  const { peerId: current } = readLibp2pKey(keyDir, KEY_FILES.libp2p);
  const retired = `libp2p.retired-${current.toString()}.json`;
  renameSync(join(keyDir, KEY_FILES.libp2p), join(keyDir, retired));
  renameSync(next, join(keyDir, KEY_FILES.libp2p));
  return retired;
}
