// The JSON shape of /checkpoints, shared by the keeper (checkpoint-feed.ts) and the Studio page:
// no imports, so the browser bundle can import it as a type.

/** One certified checkpoint, JSON-ready (big numbers as decimal strings). */
export interface CheckpointRecord {
  epoch: string;
  height: string;
  headerHash: string;
  kind: "ECDSA" | "BLS";
  round: number;
  /** stake that signed (wei of OPEN) */
  signedStake: string;
  submitter: string;
  blockNumber: number;
  txHash: string;
  /** seconds since the Unix epoch, from the block; null until fetched or when the block is gone */
  timestamp: number | null;
  /** gas used by the certifying transaction; null when its receipt could not be read */
  gasUsed: string | null;
  /** validators whose signature the certificate carries; null when the calldata is not a direct submit */
  signers: number | null;
  /** the epoch's validator count */
  validators: number | null;
}
