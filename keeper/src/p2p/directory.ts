// Who counts on the mesh. A peer id maps to an operator (the staking account), the hot signer
// key the keeper signs with, and a status. Only `active` operators' messages count; everyone
// else may connect but is scored below the publish threshold (no mesh, no gossip, no publishes
// sent to it) and its messages are rejected.
//
// The interface is synchronous on purpose: gossipsub asks for application scores synchronously
// on every heartbeat. A chain-backed directory keeps an in-memory snapshot refreshed from the
// staking contract at epoch boundaries and implements the same interface.
import { getAddress } from "ethers";

export type OperatorStatus = "active" | "jailed" | "tombstoned";

export interface OperatorRecord {
  /** libp2p peer id (base58btc / CIDv1 string form) */
  peerId: string;
  /** the operator's staking account (checksummed) */
  operator: string;
  /** the key the keeper signs gossip with (checksummed); may equal `operator` */
  signer: string;
  status: OperatorStatus;
}

export interface OperatorDirectory {
  byPeerId(peerId: string): OperatorRecord | undefined;
  byOperator(operator: string): OperatorRecord | undefined;
  /** peer ids of the active operators, when the directory can list them (discovery stops early) */
  activePeerIds?(): string[];
}

export function isActive(record: OperatorRecord | undefined): boolean {
  return record?.status === "active";
}

/** A directory held in memory: tests, the demo, and the cache under a chain-backed directory. */
export class InMemoryOperatorDirectory implements OperatorDirectory {
  private readonly peers = new Map<string, OperatorRecord>();
  /** by lowercase operator address: lookups on every gossip message skip the EIP-55 checksum */
  private readonly operators = new Map<string, OperatorRecord>();

  constructor(records: OperatorRecord[] = []) {
    for (const r of records) this.set(r);
  }

  set(record: OperatorRecord): void {
    const normalised: OperatorRecord = {
      ...record,
      operator: getAddress(record.operator),
      signer: getAddress(record.signer),
    };
    const previous = this.operators.get(normalised.operator.toLowerCase());
    if (previous) this.peers.delete(previous.peerId);
    this.peers.set(normalised.peerId, normalised);
    this.operators.set(normalised.operator.toLowerCase(), normalised);
  }

  setStatus(operator: string, status: OperatorStatus): void {
    const record = this.operators.get(operator.toLowerCase());
    if (!record) throw new Error(`unknown operator ${operator}`);
    this.set({ ...record, status });
  }

  remove(operator: string): void {
    const record = this.operators.get(operator.toLowerCase());
    if (!record) return;
    this.operators.delete(record.operator.toLowerCase());
    this.peers.delete(record.peerId);
  }

  byPeerId(peerId: string): OperatorRecord | undefined {
    return this.peers.get(peerId);
  }

  activePeerIds(): string[] {
    return [...this.peers.values()].filter(isActive).map((r) => r.peerId);
  }

  byOperator(operator: string): OperatorRecord | undefined {
    return this.operators.get(operator.toLowerCase()); // not an address at all: undefined
  }

  get size(): number {
    return this.operators.size;
  }
}
