// Who counts on the mesh, read from the staking contract: every registered operator with its
// peer id (registered as the UTF-8 bytes of its string form), hot signer and status. Refreshed
// periodically; between refreshes the in-memory snapshot answers gossipsub synchronously.
import { toUtf8String } from "ethers";
import type { Logger } from "pino";
import { InMemoryOperatorDirectory, type OperatorStatus } from "../p2p/directory.js";
import type { Staking } from "../../../types/ethers-contracts/index.js";

// IOperatorRegistryTypes.OperatorStatus
const STATUS: Record<number, OperatorStatus | undefined> = { 1: "active", 2: "jailed", 3: "jailed", 4: "tombstoned" };

export class ChainOperatorDirectory extends InMemoryOperatorDirectory {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly registered = new Set<string>();
  private lastBlock: number;

  constructor(
    private readonly staking: Staking,
    fromBlock: number,
    private readonly logger: Logger,
  ) {
    super();
    this.lastBlock = fromBlock - 1;
  }

  /** Reads new registrations, then every known operator's signer, peer id and status. */
  async refresh(): Promise<void> {
    const to = await this.staking.runner!.provider!.getBlockNumber();
    if (to > this.lastBlock) {
      const logs = await this.staking.queryFilter(this.staking.filters.OperatorRegistered(), this.lastBlock + 1, to);
      for (const l of logs) this.registered.add(l.args.operator);
      this.lastBlock = to;
    }
    for (const operator of this.registered) {
      const [info, network] = await Promise.all([
        this.staking.operatorInfo(operator),
        this.staking.networkOf(operator),
      ]);
      let peerId: string;
      try {
        peerId = toUtf8String(network.peerId);
      } catch {
        continue; // not a peer id we can dial: its messages never count
      }
      const status = STATUS[Number(info.status)];
      if (!status) continue;
      this.set({ peerId, operator, signer: info.signer, status });
    }
  }

  start(intervalMs: number): void {
    const tick = async () => {
      try {
        await this.refresh();
      } catch (err) {
        // a refresh cut short by stop() (provider destroyed) is not worth a warning
        if (!this.stopped) this.logger.warn({ err: (err as Error).message }, "operator directory refresh failed");
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), intervalMs);
    };
    this.timer = setTimeout(() => void tick(), intervalMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
