// Stake: how to run an operator (the keeper CLI), delegate to one, undelegate and withdraw after
// unbonding, claim an epoch's reward by proof and push it into the operator's pool. Every action
// goes through the connected wallet and reports its status (components/TxStatus.tsx).
import { useState } from "preact/hooks";
import { parseUnits } from "ethers";
import { ConnectFirst } from "../components/ConnectFirst.js";
import { TxStatusView } from "../components/TxStatus.js";
import { useApp } from "../lib/app.js";
import { contracts } from "../lib/chain.js";
import { duration, open, short } from "../lib/format.js";
import { keeperJson, type RewardsReport } from "../lib/keeper.js";
import { usePoll } from "../lib/poll.js";
import { runSteps, type TxStatus, type TxStep } from "../lib/tx.js";

interface Position {
  operator: string;
  shares: bigint;
  stake: bigint;
}

interface Unbonding {
  id: bigint;
  operator: string;
  releaseTime: bigint;
  amount: bigint;
}

interface RewardRow {
  epoch: bigint;
  index: number;
  operator: string;
  amount: bigint;
  proof: string[];
  claimed: boolean;
  credited: bigint;
}

export function Stake() {
  const { c, read, info, wallet } = useApp();
  const [status, setStatus] = useState<TxStatus | null>(null);
  const [operator, setOperator] = useState("");
  const [amount, setAmount] = useState("1000");
  const me = wallet.account;

  const operators = usePoll(
    async () => (c ? (await c.staking.validatorCandidates()).map((v) => v.operator) : []),
    10_000,
    [c],
  );
  const mine = usePoll(
    async () => {
      if (!c || !read || !me) return null;
      const ops = await c.staking.validatorCandidates();
      const [balance, block, positions, logs] = await Promise.all([
        c.token.balanceOf(me),
        read.getBlock("latest"),
        Promise.all(ops.map((v) => c.staking.positionOf(v.operator, me))),
        c.staking.queryFilter(c.staking.filters.UnbondingRequested(undefined, undefined, me)),
      ]);
      const requests = await Promise.all(logs.map((l) => c.staking.unbondingRequest(l.args.requestId)));
      return {
        balance,
        now: BigInt(block?.timestamp ?? 0),
        positions: ops
          .map((v, i): Position => ({ operator: v.operator, shares: positions[i]!.shares, stake: positions[i]!.stake }))
          .filter((p) => p.shares > 0n),
        unbonding: logs
          .map((l, i): Unbonding => ({
            id: l.args.requestId,
            operator: requests[i]![0].operator,
            releaseTime: requests[i]![0].releaseTime,
            amount: requests[i]![1],
          }))
          .filter((u, i) => requests[i]![0].account !== "0x0000000000000000000000000000000000000000" && u.amount >= 0n),
      };
    },
    3000,
    [me, c],
  );
  const rewards = usePoll(
    async () => {
      if (!c) return [];
      const report = (await keeperJson<RewardsReport>("/rewards")) ?? {};
      const rows: RewardRow[] = [];
      for (const [epoch, r] of Object.entries(report)) {
        for (const leaf of r.leaves) {
          const e = BigInt(epoch);
          const [claimed, credited] = await Promise.all([
            c.rewards.isClaimed(e, leaf.operator),
            c.rewards.credited(leaf.operator, e, e),
          ]);
          rows.push({
            epoch: e,
            index: leaf.index,
            operator: leaf.operator,
            amount: BigInt(leaf.amount),
            proof: leaf.proof,
            claimed,
            credited,
          });
        }
      }
      return rows.sort((a, b) => Number(b.epoch - a.epoch));
    },
    5000,
    [c],
  );

  async function act(action: string, steps: (w: ReturnType<typeof contracts>) => Promise<TxStep[]>) {
    if (!read) return;
    try {
      const w = contracts(info, await wallet.signer());
      await runSteps(action, await steps(w), read, setStatus);
    } catch (err) {
      setStatus({ action, phase: "failed", detail: (err as Error).message });
    }
    mine.refresh();
    rewards.refresh();
  }

  // the first operator until the user picks one (a select bound to "" would show no option)
  const selected = operator || operators.value?.[0] || "";

  function delegate(e: Event) {
    e.preventDefault();
    const target = selected;
    if (!target || !c) return;
    let wei: bigint;
    try {
      wei = parseUnits(amount.trim() || "0", 18);
    } catch {
      setStatus({ action: "Delegate", phase: "failed", detail: `"${amount}" is not an amount of OPEN.` });
      return;
    }
    void act(`Delegate ${amount} OPEN to ${short(target)}`, async (w) => {
      const steps: TxStep[] = [];
      const staking = await c.staking.getAddress();
      if ((await c.token.allowance(me!, staking)) < wei) {
        steps.push({ label: "Approve OPEN", send: () => w.token.approve(staking, wei) });
      }
      // 1% slippage guard: the share price may move between the preview and the transaction
      const minShares = wei === 0n ? 0n : ((await c.staking.previewDelegate(target, wei)) * 99n) / 100n;
      steps.push({ label: "Delegate", send: () => w.staking.delegate(target, wei, minShares) });
      return steps;
    });
  }

  const m = mine.value;
  return (
    <section aria-labelledby="stake-title">
      <h1 id="stake-title">Stake</h1>

      <details class="card">
        <summary>Run an operator: register guidance</summary>
        <p>
          An operator runs a keeper and stakes at least the minimum stake. The keeper CLI does the registration; the
          owner account that sends it holds the stake and may be a cold key:
        </p>
        <pre tabIndex={0}>
          <code>{`npx openmesh-keeper init --config keeper.json
OPENMESH_OWNER_KEY=0x… npx openmesh-keeper register --config keeper.json --stake 20000 [--commission 10]
npx openmesh-keeper start --config keeper.json`}</code>
        </pre>
        <ul>
          <li>
            <code>init</code> makes the keeper's keys: an ECDSA signer (signs votes, holds no funds), a BLS12-381 key
            and a libp2p peer key, in <code>keyDir</code> (0700).
          </li>
          <li>
            <code>register</code> sends, from the owner account, the stake, the signer, the BLS key with its proof of
            possession (checked on chain), the peer id, the endpoint and the claimed resources.
          </li>
          <li>The operator joins the validator set at the next epoch boundary; delegators add to its stake below.</li>
        </ul>
      </details>

      {mine.error && (
        <p class="error" role="alert">
          Could not read your positions: {mine.error}
        </p>
      )}
      <ConnectFirst what="delegate, undelegate, withdraw and claim">
        <form class="card form" onSubmit={delegate} aria-labelledby="delegate-title">
          <h2 id="delegate-title">Delegate</h2>
          <p>
            Your balance: <strong data-testid="balance">{m ? open(m.balance) : "…"}</strong> OPEN. A delegation earns
            from the second epoch boundary after it.
          </p>
          <label for="delegate-operator">Operator</label>
          <select
            id="delegate-operator"
            value={selected}
            onChange={(e) => setOperator((e.target as HTMLSelectElement).value)}
          >
            {(operators.value ?? []).map((o) => (
              <option key={o} value={o}>
                {o}
                {o.toLowerCase() === info.operator.toLowerCase() ? " (this keeper)" : ""}
              </option>
            ))}
          </select>
          <label for="delegate-amount">Amount (OPEN)</label>
          <input
            id="delegate-amount"
            inputMode="decimal"
            autoComplete="off"
            value={amount}
            onInput={(e) => setAmount((e.target as HTMLInputElement).value)}
          />
          <button type="submit" disabled={status?.phase === "wallet" || status?.phase === "pending"}>
            Delegate
          </button>
        </form>

        <TxStatusView status={status} />

        <h2>Your positions</h2>
        {m && m.positions.length === 0 && <p>No delegation yet.</p>}
        {m && m.positions.length > 0 && (
          <div class="table-wrap">
            <table data-testid="positions">
              <thead>
                <tr>
                  <th scope="col">Operator</th>
                  <th scope="col">Worth (OPEN)</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {m.positions.map((p) => (
                  <tr key={p.operator}>
                    <td class="mono" title={p.operator}>
                      {short(p.operator)}
                    </td>
                    <td>{open(p.stake)}</td>
                    <td>
                      <button
                        type="button"
                        onClick={() =>
                          void act(`Undelegate all from ${short(p.operator)}`, async (w) => [
                            { label: "Undelegate", send: () => w.staking.undelegate(p.operator, p.shares) },
                          ])
                        }
                      >
                        Undelegate all
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}

        <h2>Unbonding</h2>
        {m && m.unbonding.length === 0 && <p>Nothing unbonding.</p>}
        {m && m.unbonding.length > 0 && (
          <div class="table-wrap">
            <table data-testid="unbonding">
              <thead>
                <tr>
                  <th scope="col">Request</th>
                  <th scope="col">Operator</th>
                  <th scope="col">Amount (OPEN)</th>
                  <th scope="col">Withdrawable</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {m.unbonding.map((u) => {
                  const wait = u.releaseTime - m.now;
                  return (
                    <tr key={u.id.toString()}>
                      <td>#{u.id.toString()}</td>
                      <td class="mono">{short(u.operator)}</td>
                      <td>{open(u.amount)}</td>
                      <td>{wait > 0n ? `in ${duration(wait)}` : "now"}</td>
                      <td>
                        <button
                          type="button"
                          disabled={wait > 0n}
                          onClick={() =>
                            void act(`Withdraw request #${u.id}`, async (w) => [
                              { label: "Withdraw", send: () => w.staking.withdraw(u.id) },
                            ])
                          }
                        >
                          Withdraw
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}

        <h2>Operators' rewards</h2>
        <p>
          Anyone may claim an operator's certified reward by its Merkle proof (it is credited to the operator) and push
          it into the operator's pool during the epoch after the rewarded one, where it raises the share price.
        </p>
        {(rewards.value ?? []).length === 0 ? (
          <p>No certified rewards yet.</p>
        ) : (
          <div class="table-wrap">
            <table data-testid="reward-claims">
              <thead>
                <tr>
                  <th scope="col">Epoch</th>
                  <th scope="col">Operator</th>
                  <th scope="col">Reward (OPEN)</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {(rewards.value ?? []).map((r) => (
                  <tr key={`${r.epoch}-${r.operator}`} data-reward={`${r.epoch}-${r.operator.toLowerCase()}`}>
                    <td>{r.epoch.toString()}</td>
                    <td class="mono">{short(r.operator)}</td>
                    <td>{open(r.amount, 6)}</td>
                    <td class="actions">
                      <button
                        type="button"
                        disabled={r.claimed}
                        onClick={() =>
                          void act(`Claim epoch ${r.epoch} for ${short(r.operator)}`, async (w) => [
                            {
                              label: "Claim",
                              send: () => w.rewards.claim(r.epoch, r.index, r.operator, r.amount, r.proof),
                            },
                          ])
                        }
                      >
                        {r.claimed ? "Claimed" : "Claim"}
                      </button>{" "}
                      <button
                        type="button"
                        disabled={!r.claimed || r.credited === 0n}
                        onClick={() =>
                          void act(`Push epoch ${r.epoch} rewards of ${short(r.operator)}`, async (w) => [
                            { label: "Push", send: () => w.rewards.pushRewards(r.operator, r.epoch, r.epoch) },
                          ])
                        }
                      >
                        Push to pool
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </ConnectFirst>
    </section>
  );
}
