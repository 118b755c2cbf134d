// A lease's attested uptime per epoch, as the ResourceMarket recorded it from certified porRoot leaves (what the
// provider is paid by), and how far its escrow is settled. Read from the chain at request time (lease status only).
import type { ResourceMarket, ValidatorSetManager } from "../../../types/ethers-contracts/index.js";
import type { Lease } from "./lease-access.js";

export interface EpochUptime {
  epoch: string;
  /** basis points of the epoch the provider was up; null until a certified header's PoR leaf is shown */
  uptimeBps: number | null;
  /** the certified header the uptime was proven in */
  height: string | null;
  /** its share of the escrow has been paid out (provider, fee, refund) */
  settled: boolean;
}

export interface LeaseUptime {
  currentEpoch: string;
  /** OPEN wei still in escrow */
  escrowWei: string;
  /** the lease's epochs, newest first (at most `maxEpochs`) */
  epochs: EpochUptime[];
}

/** Reads the epochs that overlap [lease.start, lease.end), from the current one back. */
export function leaseUptimeReader(
  market: ResourceMarket,
  validatorSets: ValidatorSetManager,
  maxEpochs = 16,
): (lease: Lease) => Promise<LeaseUptime> {
  return async (lease) => {
    const [current, account] = await Promise.all([validatorSets.currentEpoch(), market.leaseAccount(lease.leaseId)]);
    const epochs: EpochUptime[] = [];
    let nextStart: bigint | undefined; // start of epoch e + 1 (none for the current epoch)
    for (let e = current; e >= 0n && epochs.length < maxEpochs; e--) {
      if (nextStart !== undefined && nextStart <= BigInt(lease.start)) break; // epoch e ended before the lease began
      const start = (await validatorSets.epochInfo(e)).startTime;
      if (start < BigInt(lease.end)) {
        const [uptimeBps, height] = await market.attestedUptime(lease.provider, e);
        const attested = height !== 0n;
        epochs.push({
          epoch: e.toString(),
          uptimeBps: attested ? Number(uptimeBps) : null,
          height: attested ? height.toString() : null,
          settled: e < account.nextEpoch,
        });
      }
      nextStart = start;
    }
    return { currentEpoch: current.toString(), escrowWei: account.escrow.toString(), epochs };
  };
}
