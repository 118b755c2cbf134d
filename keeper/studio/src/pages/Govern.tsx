// Govern: every governable parameter with its current value, and the proposals with their state
// and votes; vote, queue and execute through the connected wallet.
import { useState } from "preact/hooks";
import { id as keccakText } from "ethers";
import { TxStatusView } from "../components/TxStatus.js";
import { useApp } from "../lib/app.js";
import { contracts, type Contracts } from "../lib/chain.js";
import { duration, int, open, percent, short } from "../lib/format.js";
import { usePoll } from "../lib/poll.js";
import { runSteps, type TxStatus } from "../lib/tx.js";

/** OpenZeppelin Governor's ProposalState, in order. */
const STATES = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"] as const;
const SLASH_REASONS = ["double sign", "downtime", "fault"];
const SLASH_DESTINATIONS = ["Burn (locked forever)", "Treasury"];

type Unit = "OPEN" | "seconds" | "wad%" | "bps" | "count" | "percent";

interface Param {
  name: string;
  contract: string;
  setter: string;
  read: (c: Contracts) => Promise<bigint | string>;
  unit: Unit | "text";
}

const PARAMS: Param[] = [
  {
    name: "Minimum operator stake",
    contract: "Staking",
    setter: "setMinStake",
    unit: "OPEN",
    read: (c) => c.staking.minStake(),
  },
  {
    name: "Unbonding period",
    contract: "Staking",
    setter: "setUnbondingPeriod",
    unit: "seconds",
    read: (c) => c.staking.unbondingPeriod(),
  },
  {
    name: "Jail period",
    contract: "Staking",
    setter: "setJailPeriod",
    unit: "seconds",
    read: (c) => c.staking.jailPeriod(),
  },
  {
    name: "Maximum commission",
    contract: "Staking",
    setter: "setMaxCommission",
    unit: "wad%",
    read: (c) => c.staking.maxCommissionWad(),
  },
  {
    name: "Commission increase delay",
    contract: "Staking",
    setter: "setCommissionIncreaseDelay",
    unit: "seconds",
    read: (c) => c.staking.commissionIncreaseDelay(),
  },
  {
    name: "Maximum validators",
    contract: "Staking",
    setter: "setMaxValidators",
    unit: "count",
    read: (c) => c.staking.maxValidators(),
  },
  ...SLASH_REASONS.map((reason, i): Param => ({
    name: `Slash fraction: ${reason}`,
    contract: "Staking",
    setter: "setSlashFraction",
    unit: "wad%",
    read: (c) => c.staking.slashFractionWad(i),
  })),
  {
    name: "Slashed stake goes to",
    contract: "Staking",
    setter: "setSlashDestination",
    unit: "text",
    read: async (c) => SLASH_DESTINATIONS[Number(await c.staking.slashDestination())] ?? "unknown",
  },
  {
    name: "Epoch length",
    contract: "ValidatorSetManager",
    setter: "setEpochLength",
    unit: "seconds",
    read: (c) => c.validatorSets.epochLength(),
  },
  {
    name: "Checkpoint interval (heights)",
    contract: "CheckpointStore",
    setter: "setCheckpointInterval",
    unit: "count",
    read: (c) => c.checkpoints.checkpointInterval(),
  },
  {
    name: "Emission per epoch (of the free pool)",
    contract: "RewardsDistributor",
    setter: "setEmissionPerEpoch",
    unit: "wad%",
    read: (c) => c.rewards.emissionPerEpochWad(),
  },
  {
    name: "Downtime window (heights)",
    contract: "EvidenceHandler",
    setter: "setDowntimeRule",
    unit: "count",
    read: (c) => c.evidence.downtimeWindow(),
  },
  {
    name: "Minimum signed in the window",
    contract: "EvidenceHandler",
    setter: "setDowntimeRule",
    unit: "percent",
    read: (c) => c.evidence.minSignedPercent(),
  },
  {
    name: "Evidence bounty",
    contract: "EvidenceHandler",
    setter: "setBounty",
    unit: "wad%",
    read: (c) => c.evidence.bountyWad(),
  },
  {
    name: "Task protocol fee",
    contract: "TaskManager",
    setter: "setProtocolFee",
    unit: "bps",
    read: (c) => c.tasks.protocolFeeBps(),
  },
  {
    name: "Task finalize grace period",
    contract: "TaskManager",
    setter: "setFinalizeGracePeriod",
    unit: "seconds",
    read: (c) => c.tasks.finalizeGracePeriod(),
  },
  {
    name: "Task spares (copied into each task when posted)",
    contract: "TaskManager",
    setter: "setDefaultSpares",
    unit: "count",
    read: (c) => c.tasks.defaultSpares(),
  },
  {
    name: "Market protocol fee",
    contract: "ResourceMarket",
    setter: "setProtocolFee",
    unit: "bps",
    read: (c) => (c.market ? c.market.protocolFeeBps() : Promise.resolve("not deployed")),
  },
  {
    name: "Workspace data grace after a lease ends",
    contract: "ResourceMarket",
    setter: "setDataGrace",
    unit: "seconds",
    read: async (c) => (c.market ? BigInt(await c.market.dataGraceSeconds()) : "not deployed"),
  },
  {
    name: "Rewards share for proven service",
    contract: "RewardsDistributor",
    setter: "setServiceRewards",
    unit: "bps",
    read: async (c) => (await c.rewards.serviceRewards()).serviceShareBps,
  },
  {
    name: "Service score weights (cpu / memory / storage / bandwidth / latency)",
    contract: "RewardsDistributor",
    setter: "setServiceRewards",
    unit: "text",
    read: async (c) => {
      const r = await c.rewards.serviceRewards();
      const w = [r.cpuWeightBps, r.memoryWeightBps, r.storageWeightBps, r.bandwidthWeightBps, r.latencyWeightBps];
      return w.map((x) => `${Number(x) / 100}%`).join(" / ");
    },
  },
  {
    name: "Service reference node",
    contract: "RewardsDistributor",
    setter: "setServiceRewards",
    unit: "text",
    read: async (c) => {
      const r = await c.rewards.serviceRewards();
      return `${r.refCpuCores} cores, ${r.refMemoryMiB} MiB, ${r.refStorageGiB} GiB, ${r.refBandwidthMbps} Mbit/s, ${Number(r.refLatencyUs) / 1000} ms`;
    },
  },
  {
    name: "PoR verifiers per operator",
    contract: "EvidenceHandler",
    setter: "setPorRules",
    unit: "count",
    read: async (c) => (await c.evidence.porRules())[0],
  },
  {
    name: "PoR report quorum",
    contract: "EvidenceHandler",
    setter: "setPorRules",
    unit: "count",
    read: async (c) => (await c.evidence.porRules())[1],
  },
  {
    name: "PoR fault tolerance",
    contract: "EvidenceHandler",
    setter: "setPorRules",
    unit: "percent",
    read: async (c) => (await c.evidence.porRules())[2],
  },
  {
    name: "Voting delay",
    contract: "OpenGovernor",
    setter: "setVotingDelay",
    unit: "seconds",
    read: (c) => c.governor.votingDelay(),
  },
  {
    name: "Voting period",
    contract: "OpenGovernor",
    setter: "setVotingPeriod",
    unit: "seconds",
    read: (c) => c.governor.votingPeriod(),
  },
  {
    name: "Proposal threshold",
    contract: "OpenGovernor",
    setter: "setProposalThreshold",
    unit: "OPEN",
    read: (c) => c.governor.proposalThreshold(),
  },
  {
    name: "Quorum (of supply)",
    contract: "OpenGovernor",
    setter: "updateQuorumNumerator",
    unit: "percent",
    read: (c) => c.governor["quorumNumerator()"](),
  },
  {
    name: "Timelock delay",
    contract: "OpenTimelock",
    setter: "updateDelay",
    unit: "seconds",
    read: (c) => c.timelock.getMinDelay(),
  },
];

function show(unit: Param["unit"], v: bigint | string): string {
  if (typeof v === "string") return v;
  switch (unit) {
    case "OPEN":
      return `${open(v)} OPEN`;
    case "seconds":
      return v < 120n ? `${int(v)} s` : `${int(v)} s (${duration(v)})`;
    case "wad%":
      return percent(v, 10n ** 18n, 3);
    case "bps":
      return percent(v, 10_000n, 2);
    case "percent":
      return `${v}%`;
    default:
      return int(v);
  }
}

interface Proposal {
  id: bigint;
  description: string;
  proposer: string;
  targets: string[];
  values: bigint[];
  calldatas: string[];
  state: (typeof STATES)[number];
  against: bigint;
  for: bigint;
  abstain: bigint;
  deadline: bigint;
  eta: bigint;
  hasVoted: boolean;
  myVotes: bigint | null;
}

export function Govern() {
  const { c, read, info, wallet } = useApp();
  const [status, setStatus] = useState<TxStatus | null>(null);
  const me = wallet.account;

  const params = usePoll(
    async () => (c ? Promise.all(PARAMS.map((p) => p.read(c).catch(() => "unreadable"))) : []),
    10_000,
    [c],
  );
  const proposals = usePoll(
    async () => {
      if (!c || !read) return { now: 0n, list: [] as Proposal[] };
      const [logs, block] = await Promise.all([
        c.governor.queryFilter(c.governor.filters.ProposalCreated(), info.deploymentBlock ?? 0),
        read.getBlock("latest"),
      ]);
      const now = BigInt(block?.timestamp ?? 0);
      const list = await Promise.all(
        logs.map(async (l): Promise<Proposal> => {
          const a = l.args;
          const [state, votes, eta, voted, snapshot] = await Promise.all([
            c.governor.state(a.proposalId),
            c.governor.proposalVotes(a.proposalId),
            c.governor.proposalEta(a.proposalId),
            me ? c.governor.hasVoted(a.proposalId, me) : Promise.resolve(false),
            c.governor.proposalSnapshot(a.proposalId),
          ]);
          const myVotes = me && snapshot < now ? await c.governor.getVotes(me, snapshot) : null;
          return {
            id: a.proposalId,
            description: a.description,
            proposer: a.proposer,
            // positional: an ethers Result's own values() method shadows the argument named "values"
            targets: [...(a[2] as string[])],
            values: [...(a[3] as bigint[])],
            calldatas: [...(a[5] as string[])],
            state: STATES[Number(state)] ?? "Pending",
            against: votes[0],
            for: votes[1],
            abstain: votes[2],
            deadline: a.voteEnd,
            eta,
            hasVoted: voted,
            myVotes,
          };
        }),
      );
      return { now, list: list.reverse() };
    },
    3000,
    [me, c],
  );

  async function act(action: string, send: (w: Contracts) => Promise<{ hash: string }>) {
    if (!read) return;
    try {
      const w = contracts(info, await wallet.signer());
      await runSteps(action, [{ label: action, send: () => send(w) }], read, setStatus);
    } catch (err) {
      setStatus({ action, phase: "failed", detail: (err as Error).message });
    }
    proposals.refresh();
    params.refresh();
  }

  const canAct = wallet.account !== null && wallet.onRightChain;
  const now = proposals.value?.now ?? 0n;
  return (
    <section aria-labelledby="govern-title">
      <h1 id="govern-title">Govern</h1>
      <p>
        Every parameter changes only through a passed proposal: the governor (votes: liquid and staked OPEN) queues it
        in the timelock, which executes it through the access manager.
      </p>
      {!canAct && <p class="note">Connect a wallet on this network to vote, queue or execute.</p>}
      <TxStatusView status={status} />

      <h2>Proposals</h2>
      {proposals.error && (
        <p class="error" role="alert">
          Could not read the proposals: {proposals.error}
        </p>
      )}
      {proposals.value?.list.length === 0 && <p>No proposal yet.</p>}
      <ul class="proposals" data-testid="proposals">
        {(proposals.value?.list ?? []).map((p) => {
          const total = p.for + p.against + p.abstain;
          const descriptionHash = keccakText(p.description);
          return (
            <li key={p.id.toString()} class="card proposal" data-state={p.state}>
              <h3>{p.description.split("\n")[0]}</h3>
              <p class="meta">
                <span class={`badge state-${p.state.toLowerCase()}`} data-testid="proposal-state">
                  {p.state}
                </span>{" "}
                by <span class="mono">{short(p.proposer)}</span>
                {p.state === "Active" && <> · voting ends in {duration(p.deadline > now ? p.deadline - now : 0n)}</>}
                {p.state === "Queued" && <> · executable {p.eta > now ? `in ${duration(p.eta - now)}` : "now"}</>}
              </p>
              <dl class="votes" data-testid="proposal-votes">
                <div>
                  <dt>For</dt>
                  <dd>
                    {open(p.for, 0)} <span class="sub">{percent(p.for, total)}</span>
                  </dd>
                </div>
                <div>
                  <dt>Against</dt>
                  <dd>
                    {open(p.against, 0)} <span class="sub">{percent(p.against, total)}</span>
                  </dd>
                </div>
                <div>
                  <dt>Abstain</dt>
                  <dd>{open(p.abstain, 0)}</dd>
                </div>
              </dl>
              {p.state === "Active" && canAct && (
                <div class="actions" role="group" aria-label={`vote on proposal ${p.description.split("\n")[0]}`}>
                  {p.hasVoted ? (
                    <p>You voted on this proposal.</p>
                  ) : (
                    <>
                      <span>Your votes: {p.myVotes === null ? "…" : open(p.myVotes, 0)} </span>
                      {(["Against", "For", "Abstain"] as const).map((label, support) => (
                        <button
                          type="button"
                          key={label}
                          onClick={() =>
                            void act(`Vote ${label.toLowerCase()}`, (w) => w.governor.castVote(p.id, support))
                          }
                        >
                          Vote {label.toLowerCase()}
                        </button>
                      ))}
                    </>
                  )}
                </div>
              )}
              {p.state === "Succeeded" && canAct && (
                <button
                  type="button"
                  onClick={() =>
                    void act("Queue", (w) => w.governor.queue(p.targets, p.values, p.calldatas, descriptionHash))
                  }
                >
                  Queue in the timelock
                </button>
              )}
              {p.state === "Queued" && canAct && (
                <button
                  type="button"
                  disabled={p.eta > now}
                  onClick={() =>
                    void act("Execute", (w) => w.governor.execute(p.targets, p.values, p.calldatas, descriptionHash))
                  }
                >
                  Execute
                </button>
              )}
            </li>
          );
        })}
      </ul>

      <h2>Governable parameters</h2>
      <div class="table-wrap" tabIndex={0} aria-label="parameters table (scrolls)">
        <table data-testid="parameters">
          <thead>
            <tr>
              <th scope="col">Parameter</th>
              <th scope="col">Current value</th>
              <th scope="col">Changed by</th>
            </tr>
          </thead>
          <tbody>
            {PARAMS.map((p, i) => (
              <tr key={p.name}>
                <td>{p.name}</td>
                <td>{params.value ? show(p.unit, params.value[i]!) : "…"}</td>
                <td class="mono">
                  {p.contract}.{p.setter}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
