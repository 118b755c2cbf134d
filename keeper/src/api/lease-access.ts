// Who may use a lease's workspace, decided from the chain only (DvmAccess, ERC-721 + ERC-4907).
// Every decision is taken at the chain's latest block: the head is read per request (concurrent
// requests share one read) and per-block answers are cached, so a transfer, setUser or expiry
// takes effect on the first request after the block that carries it.
import { Contract, getAddress, JsonRpcProvider, type JsonRpcApiProvider } from "ethers";
import { ApiError } from "./errors.js";

/** IDvmAccess.LeaseState */
export enum LeaseState {
  None = 0,
  Active = 1,
  Expired = 2,
  Terminated = 3,
  Faulted = 4,
}

export interface Lease {
  leaseId: bigint;
  provider: string;
  offerId: bigint;
  /** unix seconds */
  start: number;
  /** unix seconds, exclusive */
  end: number;
  cpuCores: number;
  memoryMiB: bigint;
  storageGiB: bigint;
  state: LeaseState;
}

/** What an account may do with a lease's workspace at one block. */
export interface LeaseAccess {
  lease: Lease;
  /** read-write while the lease runs; read-only for the owner during the grace period */
  mode: "read-write" | "read-only";
  /** the block the decision was read at */
  blockNumber: number;
  blockTimestamp: number;
  /** unix seconds after which the data is deleted */
  deleteAfter: number;
}

const DVM_ACCESS_ABI = [
  "function lease(uint256 tokenId) view returns (tuple(address provider, uint64 offerId, uint64 start, uint64 end, uint32 cpuCores, uint64 memoryMiB, uint64 storageGiB, uint8 state))",
  "function canAccess(uint256 tokenId, address account) view returns (bool)",
  "function ownerOf(uint256 tokenId) view returns (address)",
];
const MARKET_ABI = ["function dataGraceSeconds() view returns (uint32)"];

interface Head {
  number: number;
  timestamp: number;
}

export interface LeaseAccessOptions {
  /** JSON-RPC: the head is read with a raw eth_getBlockByNumber (ethers caches getBlock for 250 ms) */
  provider: JsonRpcApiProvider;
  /** DvmAccess address */
  dvmAccess: string;
  /** the operator whose workspaces this keeper serves: leases of other providers are refused */
  operator?: string;
  /** read-only period after a lease ends, seconds (used when there is no market to read it from) */
  graceSeconds: number;
  /** ResourceMarket address: its governed dataGraceSeconds, read at the request's block, is the grace period */
  market?: string;
  /**
   * Requests within this many ms share one head read (0: every request reads the head). A change
   * on chain then takes effect at most this much later; per-block answers are cached either way.
   */
  headMaxAgeMs?: number;
}

export class ChainLeaseAccess {
  private readonly contract: Contract;
  private readonly market?: Contract;
  private headInFlight?: Promise<Head>;
  private lastHead?: { head: Head; atMs: number };
  /** leaseId -> lease at the cached block (one block's worth of cache) */
  private leases = new Map<string, Promise<Lease | undefined>>();
  /** `${leaseId}:${account}:${method}` -> answer at the cached block */
  private answers = new Map<string, Promise<unknown>>();
  private cacheBlock = -1;

  private readonly rpc: JsonRpcApiProvider;

  constructor(private readonly opts: LeaseAccessOptions) {
    this.rpc = unbatched(opts.provider);
    this.contract = new Contract(opts.dvmAccess, DVM_ACCESS_ABI, this.rpc);
    if (opts.market) this.market = new Contract(opts.market, MARKET_ABI, this.rpc);
  }

  /** The grace period at `block`: governance's (the market's) when there is a market, else the configured one. */
  async graceSeconds(block: number): Promise<number> {
    if (!this.market) return this.opts.graceSeconds;
    return Number(await this.call<bigint>("dataGraceSeconds", [], block));
  }

  /** The chain's latest block; concurrent callers share one request. */
  head(): Promise<Head> {
    const maxAge = this.opts.headMaxAgeMs ?? 0;
    if (maxAge > 0 && this.lastHead && performance.now() - this.lastHead.atMs < maxAge) {
      return Promise.resolve(this.lastHead.head);
    }
    if (!this.headInFlight) {
      const askedAt = performance.now();
      this.headInFlight = (
        this.rpc.send("eth_getBlockByNumber", ["latest", false]) as Promise<{
          number: string;
          timestamp: string;
        } | null>
      )
        .then((b) => {
          if (!b) throw new Error("no latest block");
          const head = { number: Number(b.number), timestamp: Number(b.timestamp) };
          this.lastHead = { head, atMs: askedAt };
          return head;
        })
        .finally(() => {
          this.headInFlight = undefined;
        });
    }
    return this.headInFlight.catch((err: unknown) => {
      throw new ApiError(503, "chain_unavailable", `cannot read the chain: ${(err as Error).message}`);
    });
  }

  /** The lease at the latest block, or undefined when no such lease exists. */
  async lease(leaseId: bigint, head?: Head): Promise<{ lease: Lease | undefined; head: Head }> {
    const h = head ?? (await this.head());
    this.atBlock(h.number);
    const key = String(leaseId);
    let p = this.leases.get(key);
    if (!p) {
      p = this.readLease(leaseId, h.number);
      this.leases.set(key, p);
      p.catch(() => this.leases.delete(key));
    }
    try {
      return { lease: await p, head: h };
    } catch (err) {
      throw new ApiError(503, "chain_unavailable", `cannot read lease ${leaseId}: ${(err as Error).message}`);
    }
  }

  /** Drops the per-block caches when the head moved. */
  private atBlock(block: number): void {
    if (block === this.cacheBlock) return;
    this.cacheBlock = block;
    this.leases = new Map();
    this.answers = new Map();
  }

  /** A view call at `block`, answered once per block for the same arguments. */
  private call<T>(method: "canAccess" | "ownerOf" | "dataGraceSeconds", args: unknown[], block: number): Promise<T> {
    this.atBlock(block);
    const key = `${method}:${args.map(String).join(":")}`;
    let p = this.answers.get(key);
    if (!p) {
      const target = method === "dataGraceSeconds" ? this.market! : this.contract;
      p = (target.getFunction(method)(...args, { blockTag: block }) as Promise<unknown>).catch((err: unknown) => {
        throw new ApiError(503, "chain_unavailable", `cannot read ${method} from the chain: ${(err as Error).message}`);
      });
      this.answers.set(key, p);
      p.catch(() => this.answers.delete(key));
    }
    return p as Promise<T>;
  }

  /**
   * What `account` may do with the lease now; throws 404/403 with the reason when nothing.
   * `write` asks for read-write access (refused in the grace period).
   */
  async check(leaseId: bigint, account: string, write: boolean): Promise<LeaseAccess> {
    const { lease, head } = await this.lease(leaseId);
    if (!lease) throw new ApiError(404, "lease_unknown", `no lease ${leaseId} on this chain`);
    if (this.opts.operator && getAddress(lease.provider) !== getAddress(this.opts.operator)) {
      throw new ApiError(
        404,
        "lease_unknown",
        `lease ${leaseId} is served by provider ${lease.provider}, not this keeper`,
      );
    }
    const deleteAfter = lease.end + (await this.graceSeconds(head.number));
    const base = { lease, blockNumber: head.number, blockTimestamp: head.timestamp, deleteAfter };
    const live = lease.state === LeaseState.Active && head.timestamp < lease.end;
    if (live) {
      const ok = await this.call<boolean>("canAccess", [leaseId, account], head.number);
      if (!ok) throw notHolder(leaseId, account, head.number);
      return { ...base, mode: "read-write" };
    }
    // Ended: the owner (not a borrower) may read until the grace period is over.
    if (head.timestamp >= deleteAfter) {
      throw new ApiError(
        403,
        "lease_ended",
        `lease ${leaseId} ended at ${iso(lease.end)}; its data was deleted after the grace period`,
      );
    }
    const owner = await this.call<string>("ownerOf", [leaseId], head.number);
    if (getAddress(owner) !== getAddress(account)) throw notHolder(leaseId, account, head.number);
    if (write) {
      throw new ApiError(
        403,
        "lease_ended",
        `lease ${leaseId} ended at ${iso(lease.end)}: read-only until ${iso(deleteAfter)}`,
      );
    }
    return { ...base, mode: "read-only" };
  }

  private async readLease(leaseId: bigint, blockTag: number): Promise<Lease | undefined> {
    let raw: Record<string, unknown> & unknown[];
    try {
      raw = (await this.contract.getFunction("lease")(leaseId, { blockTag })) as Record<string, unknown> & unknown[];
    } catch (err) {
      // DvmUnknownLease(tokenId) or an empty struct: no such lease
      if ((err as { code?: string }).code === "CALL_EXCEPTION") return undefined;
      throw err;
    }
    const state = Number(raw[7]) as LeaseState;
    if (state === LeaseState.None) return undefined;
    return {
      leaseId,
      provider: String(raw[0]),
      offerId: BigInt(raw[1] as bigint),
      start: Number(raw[2]),
      end: Number(raw[3]),
      cpuCores: Number(raw[4]),
      memoryMiB: BigInt(raw[5] as bigint),
      storageGiB: BigInt(raw[6] as bigint),
      state,
    };
  }
}

/**
 * The same endpoint without request batching. A JsonRpcProvider holds each request up to 10 ms
 * (batchStallTime) to batch it with others; the head read is on every request's path, and that
 * stall was half of its latency (17.4 -> 9.0 ms per read under load; S3 GET 1 MiB paid it each time).
 */
function unbatched(p: JsonRpcApiProvider): JsonRpcApiProvider {
  if (!(p instanceof JsonRpcProvider)) return p;
  let network;
  try {
    network = p._network;
  } catch {
    return p; // network not known yet: keep the caller's provider
  }
  return new JsonRpcProvider(p._getConnection(), network, { staticNetwork: network, batchMaxCount: 1 });
}

function notHolder(leaseId: bigint, account: string, block: number): ApiError {
  return new ApiError(
    403,
    "not_lease_holder",
    `${account} is neither the owner nor the unexpired user of lease ${leaseId} at block ${block}`,
  );
}

function iso(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString();
}
