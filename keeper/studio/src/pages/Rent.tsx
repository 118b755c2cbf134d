// Rent: the market's open offers (from OfferListed logs, read back with offer()), renting a DVM
// with an ERC-2612 permit (one wallet signature, one transaction, no approve), the leases the
// connected account owns or uses (DvmAccess Transfer / UpdateUser logs), and lending one with
// ERC-4907 setUser until the lease ends.
import { useState } from "preact/hooks";
import { decodeBytes32String, getAddress, isAddress, Signature } from "ethers";
import { ConnectFirst } from "../components/ConnectFirst.js";
import { TxStatusView } from "../components/TxStatus.js";
import { Workspace } from "../components/Workspace.js";
import { useApp } from "../lib/app.js";
import { contracts } from "../lib/chain.js";
import { int, open, short } from "../lib/format.js";
import { usePoll } from "../lib/poll.js";
import { runSteps, type TxStatus, type TxStep } from "../lib/tx.js";

/** IDvmAccess.LeaseState, in order. */
const LEASE_STATES = ["None", "Active", "Expired", "Terminated", "Faulted"] as const;
const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};
/** how long a rent's permit stays valid (the wallet signs, then sends at once) */
const PERMIT_SECONDS = 3600n;

interface OfferRow {
  id: bigint;
  provider: string;
  cpuCores: bigint;
  memoryMiB: bigint;
  storageGiB: bigint;
  bandwidthMbps: bigint;
  region: string;
  pricePerHour: bigint;
  liveLeases: bigint;
  maxLeases: bigint;
}

interface LeaseRow {
  tokenId: bigint;
  owner: string;
  provider: string;
  offerId: bigint;
  end: bigint;
  cpuCores: bigint;
  memoryMiB: bigint;
  storageGiB: bigint;
  state: string;
  user: string;
  userExpires: bigint;
}

const ZERO = "0x0000000000000000000000000000000000000000";

function region(b: string): string {
  try {
    return decodeBytes32String(b) || "any";
  } catch {
    return b.slice(0, 10);
  }
}

const when = (unix: bigint) => new Date(Number(unix) * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";

export function Rent() {
  const { info, read, c, wallet } = useApp();
  const [status, setStatus] = useState<TxStatus | null>(null);
  const [hours, setHours] = useState("2");
  const [lendToken, setLendToken] = useState("");
  const [lendUser, setLendUser] = useState("");
  const me = wallet.account;
  const market = c?.market ?? null;
  const dvm = c?.dvm ?? null;

  const offers = usePoll(
    async (): Promise<OfferRow[]> => {
      if (!market) return [];
      const listed = await market.queryFilter(market.filters.OfferListed(), info.deploymentBlock);
      const rows = await Promise.all(
        listed.map(async (e): Promise<OfferRow | null> => {
          const o = await market.offer(e.args.offerId);
          if (!o.open || o.liveLeases >= o.maxLeases) return null;
          return {
            id: e.args.offerId,
            provider: o.provider,
            cpuCores: o.spec.cpuCores,
            memoryMiB: o.spec.memoryMiB,
            storageGiB: o.spec.storageGiB,
            bandwidthMbps: o.spec.bandwidthMbps,
            region: region(o.region),
            pricePerHour: o.pricePerHour,
            liveLeases: o.liveLeases,
            maxLeases: o.maxLeases,
          };
        }),
      );
      return rows.filter((r): r is OfferRow => r !== null).sort((a, b) => (a.pricePerHour < b.pricePerHour ? -1 : 1));
    },
    5000,
    [market],
  );

  const leases = usePoll(
    async (): Promise<LeaseRow[]> => {
      if (!dvm || !me) return [];
      const [received, lent] = await Promise.all([
        dvm.queryFilter(dvm.filters.Transfer(undefined, me), info.deploymentBlock),
        dvm.queryFilter(dvm.filters.UpdateUser(undefined, me), info.deploymentBlock),
      ]);
      const ids = [...new Set([...received, ...lent].map((e) => e.args.tokenId))];
      const rows = await Promise.all(
        ids.map(async (tokenId): Promise<LeaseRow | null> => {
          const [owner, l, user, userExpires] = await Promise.all([
            dvm.ownerOf(tokenId),
            dvm.lease(tokenId),
            dvm.userOf(tokenId),
            dvm.userExpires(tokenId),
          ]);
          const mine = owner.toLowerCase() === me.toLowerCase() || user.toLowerCase() === me.toLowerCase();
          if (!mine) return null;
          return {
            tokenId,
            owner,
            provider: l.provider,
            offerId: l.offerId,
            end: l.end,
            cpuCores: l.cpuCores,
            memoryMiB: l.memoryMiB,
            storageGiB: l.storageGiB,
            state: LEASE_STATES[Number(l.state)] ?? "unknown",
            user,
            userExpires,
          };
        }),
      );
      return rows.filter((r): r is LeaseRow => r !== null).sort((a, b) => Number(b.tokenId - a.tokenId));
    },
    5000,
    [dvm, me],
  );

  async function act(action: string, steps: (w: ReturnType<typeof contracts>) => Promise<TxStep[]>) {
    if (!read) return;
    try {
      const w = contracts(info, await wallet.signer());
      await runSteps(action, await steps(w), read, setStatus);
    } catch (err) {
      setStatus({ action, phase: "failed", detail: (err as Error).message });
    }
    offers.refresh();
    leases.refresh();
  }

  function rent(o: OfferRow) {
    const h = Number(hours);
    if (!Number.isInteger(h) || h <= 0 || h > 0xffffffff) {
      setStatus({ action: `Rent offer #${o.id}`, phase: "failed", detail: "Hours must be a whole number above 0." });
      return;
    }
    const value = o.pricePerHour * BigInt(h);
    void act(`Rent offer #${o.id} for ${h} h (${open(value)} OPEN)`, async (w) => [
      {
        // the permit is signed first (no transaction), then rentWithPermit pulls the escrow in the same call
        label: "Sign the permit, then rent",
        send: async () => {
          if (!c || !read || !me || !w.market) throw new Error("the market is not deployed here");
          const spender = await w.market.getAddress();
          const [domain, nonce, block] = await Promise.all([
            c.token.eip712Domain(),
            c.token.nonces(me),
            read.getBlock("latest"),
          ]);
          const deadline = BigInt(block!.timestamp) + PERMIT_SECONDS;
          const signer = await wallet.signer();
          const sig = Signature.from(
            await signer.signTypedData(
              {
                name: domain.name,
                version: domain.version,
                chainId: domain.chainId,
                verifyingContract: domain.verifyingContract,
              },
              PERMIT_TYPES,
              { owner: me, spender, value, nonce, deadline },
            ),
          );
          return w.market.rentWithPermit(o.id, h, deadline, sig.v, sig.r, sig.s);
        },
      },
    ]);
  }

  function lend(e: Event) {
    e.preventDefault();
    const lease = (leases.value ?? []).find(
      (l) => l.tokenId.toString() === (lendToken || ownedActive[0]?.tokenId.toString()),
    );
    if (!lease) return;
    if (!isAddress(lendUser)) {
      setStatus({
        action: `Lend lease #${lease.tokenId}`,
        phase: "failed",
        detail: "Enter the borrower's address (0x…).",
      });
      return;
    }
    const user = getAddress(lendUser);
    void act(`Lend lease #${lease.tokenId} to ${short(user)} until it ends`, async (w) => [
      { label: "Set user", send: () => w.dvm!.setUser(lease.tokenId, user, lease.end) },
    ]);
  }

  const ownedActive = (leases.value ?? []).filter(
    (l) => me && l.owner.toLowerCase() === me.toLowerCase() && l.state === "Active",
  );
  const busy = status?.phase === "wallet" || status?.phase === "pending";

  if (c && !market) {
    return (
      <>
        <h1>Rent</h1>
        <p class="note">This keeper's deployment has no ResourceMarket: nothing to rent here.</p>
      </>
    );
  }
  return (
    <>
      <h1>Rent</h1>
      <section aria-labelledby="offers-title">
        <h2 id="offers-title">Offers</h2>
        <p>
          Every offer is bounded by capacity its provider proved to the validators (Proof of Resource). Rent escrows
          price × hours in OPEN; the provider is paid per epoch for its attested uptime, the rest comes back.
        </p>
        {offers.error && (
          <p class="error" role="alert">
            Could not read the offers: {offers.error}
          </p>
        )}
        <div class="form hours">
          <label for="rent-hours">Hours to rent</label>
          <input
            id="rent-hours"
            inputMode="numeric"
            autoComplete="off"
            value={hours}
            onInput={(e) => setHours((e.target as HTMLInputElement).value)}
          />
        </div>
        {offers.value && offers.value.length === 0 && <p>No open offers yet.</p>}
        {offers.value && offers.value.length > 0 && (
          <div class="table-wrap">
            <table data-testid="offers">
              <thead>
                <tr>
                  <th scope="col">Offer</th>
                  <th scope="col">Provider</th>
                  <th scope="col">Machine</th>
                  <th scope="col">Region</th>
                  <th scope="col">OPEN / hour</th>
                  <th scope="col">Leases</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {offers.value.map((o) => (
                  <tr key={o.id.toString()} data-offer={o.id.toString()}>
                    <td>#{o.id.toString()}</td>
                    <td class="mono" title={o.provider}>
                      {short(o.provider)}
                      {o.provider.toLowerCase() === info.operator.toLowerCase() ? " (this keeper)" : ""}
                    </td>
                    <td>
                      {int(o.cpuCores)} cores · {int(o.memoryMiB)} MiB · {int(o.storageGiB)} GiB ·{" "}
                      {int(o.bandwidthMbps)} Mbps
                    </td>
                    <td>{o.region}</td>
                    <td>{open(o.pricePerHour)}</td>
                    <td>
                      {int(o.liveLeases)} of {int(o.maxLeases)}
                    </td>
                    <td>
                      <button
                        type="button"
                        disabled={!me || busy}
                        aria-label={`Rent offer #${o.id}`}
                        onClick={() => rent(o)}
                      >
                        Rent
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <ConnectFirst what="rent, see your leases and lend one">
        <TxStatusView status={status} />
        <section aria-labelledby="leases-title">
          <h2 id="leases-title">Your leases</h2>
          {leases.error && (
            <p class="error" role="alert">
              Could not read your leases: {leases.error}
            </p>
          )}
          {leases.value && leases.value.length === 0 && <p>No leases yet.</p>}
          {leases.value && leases.value.length > 0 && (
            <div class="table-wrap">
              <table data-testid="leases">
                <thead>
                  <tr>
                    <th scope="col">Lease</th>
                    <th scope="col">Provider</th>
                    <th scope="col">Machine</th>
                    <th scope="col">State</th>
                    <th scope="col">Ends</th>
                    <th scope="col">You are</th>
                    <th scope="col">User</th>
                  </tr>
                </thead>
                <tbody>
                  {leases.value.map((l) => (
                    <tr key={l.tokenId.toString()} data-lease={l.tokenId.toString()}>
                      <td>#{l.tokenId.toString()}</td>
                      <td class="mono" title={l.provider}>
                        {short(l.provider)}
                      </td>
                      <td>
                        {int(l.cpuCores)} cores · {int(l.memoryMiB)} MiB · {int(l.storageGiB)} GiB
                      </td>
                      <td>{l.state}</td>
                      <td>{when(l.end)}</td>
                      <td>{me && l.owner.toLowerCase() === me.toLowerCase() ? "owner" : "user"}</td>
                      <td class="mono" title={l.user}>
                        {l.user === ZERO ? "none" : `${short(l.user)} until ${when(l.userExpires)}`}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        {(leases.value ?? []).some((l) => l.provider.toLowerCase() === info.operator.toLowerCase()) && (
          <Workspace
            leaseIds={(leases.value ?? [])
              .filter((l) => l.provider.toLowerCase() === info.operator.toLowerCase())
              .map((l) => l.tokenId)}
          />
        )}
        {ownedActive.length > 0 && (
          <form class="card form" onSubmit={lend} aria-labelledby="lend-title">
            <h2 id="lend-title">Lend a lease</h2>
            <p>
              The borrower may use the machine (ERC-4907 user) until the lease ends; you stay its owner. A transfer of
              the lease clears the user.
            </p>
            <label for="lend-lease">Lease</label>
            <select
              id="lend-lease"
              value={lendToken || ownedActive[0]!.tokenId.toString()}
              onChange={(e) => setLendToken((e.target as HTMLSelectElement).value)}
            >
              {ownedActive.map((l) => (
                <option key={l.tokenId.toString()} value={l.tokenId.toString()}>
                  #{l.tokenId.toString()} · {int(l.cpuCores)} cores until {when(l.end)}
                </option>
              ))}
            </select>
            <label for="lend-user">Borrower's address</label>
            <input
              id="lend-user"
              autoComplete="off"
              spellcheck={false}
              value={lendUser}
              onInput={(e) => setLendUser((e.target as HTMLInputElement).value)}
            />
            <button type="submit" disabled={busy}>
              Lend
            </button>
          </form>
        )}
      </ConnectFirst>
    </>
  );
}
