// The Keeper: one operator's process. Wires the modules (config -> identity -> store -> chain ->
// p2p -> observability), starts them in dependency order and stops them in reverse.
import { ZeroAddress, type Log } from "ethers";
import { ChainClient, EventWatcher } from "./chain/index.js";
import type { KeeperConfig } from "./config/index.js";
import { KeeperIdentity } from "./identity/index.js";
import {
  createLogger,
  LogSummary,
  createMetrics,
  moduleLogger,
  ObservabilityServer,
  type HealthStatus,
  type KeeperMetrics,
  type Logger,
} from "./observability/index.js";
import {
  HeartbeatService,
  InMemoryOperatorDirectory,
  isActive,
  P2pNode,
  readOperatorsFile,
  type DiscoveryOptions,
  type OperatorDirectory,
  type TopicSpec,
} from "./p2p/index.js";
import { KeeperStore } from "./store/index.js";
import { ChainOperatorDirectory } from "./bft/chain-directory.js";
import { ChainView } from "./bft/chain-view.js";
import { ConsensusService, type ConsensusEvent, type InboundKind } from "./bft/service.js";
import type { CheckpointPart } from "./checkpoint/part.js";
import { checkpointParts, UptimePart } from "./checkpoint/parts/index.js";
import { uptimeNet } from "./checkpoint/parts/uptime-fetch.js";
import { MeshMonitor, type MeshView } from "./observability/mesh-monitor.js";
import { CheckpointSubmitter, type SubmittedCheckpoint } from "./bft/submitter.js";
import { CheckpointRelayer, type RelayRecord, type RelayResult } from "./bridge/relayer.js";
import { RewardPusher, type PushResult } from "./rewards/pusher.js";
import type { Bucket } from "./store/index.js";
import { commitRequestProtocol, consensusTopics, voteRelayPush, type VoteMsg } from "./bft/topics.js";
import { PushChannel } from "./p2p/push.js";
import { voteSetProtocol } from "./bft/vote-set-sync.js";
import { ConsensusGossipGate, STALE_PENALTY } from "./bft/gossip-gate.js";
import { peerIdFromString } from "@libp2p/peer-id";
import { checkpointDomain } from "./checkpoint/header.js";
import { TxSender } from "./chain/index.js";
import { Staking__factory } from "../../types/ethers-contracts/index.js";
import { CheckpointFeed } from "./studio/checkpoint-feed.js";
import { studioHandler } from "./studio/handler.js";
import { PorService } from "./por/service.js";
import { workspaceApiFor } from "./api/attach.js";
import type { WorkspaceApi } from "./api/workspace-api.js";
import { TaskService, type TaskServiceOptions } from "./tasks/task-service.js";

export interface KeeperInit {
  config: KeeperConfig;
  logger?: Logger;
  /** what `logger` wrote, for /logs (the summary createLogger filled); made here when no logger is given */
  logSummary?: LogSummary;
  metrics?: KeeperMetrics;
  /** who counts on the mesh; default: the operators file (if any) plus this keeper */
  directory?: OperatorDirectory;
  /** gossip topics besides the heartbeat (consensus, checkpoints, ...) */
  topics?: Array<TopicSpec<unknown>>;
  /** discovery timing overrides (tests, benches) */
  discovery?: Partial<DiscoveryOptions>;
  /** observers of consensus progress (demo output, benches) */
  onConsensusEvent?: (e: ConsensusEvent) => void;
  onCheckpointSubmitted?: (s: SubmittedCheckpoint) => void;
  onCheckpointRelayed?: (r: RelayResult) => void;
  /** called for each reward leaf the pusher settled or found settled */
  onRewardPushed?: (r: PushResult) => void;
  /** observers and fault injection of the task executor (tests, the demo, benches) */
  tasks?: Pick<TaskServiceOptions, "onStarted" | "onFinalized" | "onAgreed" | "onRefunded" | "tamper">;
  /** fault injection for tests: inbound consensus messages for which this returns true are dropped */
  dropConsensusInbound?: (kind: InboundKind) => boolean;
}

/** The validator side: BFT over the mesh and certified submission on chain. */
interface ConsensusParts {
  directory?: ChainOperatorDirectory;
  sender?: TxSender;
  submitter?: CheckpointSubmitter;
  /** relays certified headers over CCIP (when the deployment has a CheckpointSender) */
  relayer?: CheckpointRelayer;
  /** claims and pushes each epoch's rewards into the operators' pools */
  pusher?: RewardPusher;
  service?: ConsensusService;
  /** votes pushed to a round's proposer */
  votePush?: PushChannel<VoteMsg>;
  /** what the consensus topics let through (one message per slot, nothing stale) */
  gate: ConsensusGossipGate;
  /** what each header certifies (checkpoint/parts/index.ts); their topics join the mesh's */
  parts: CheckpointPart[];
  /** Proof-of-Resource: challenges, reports and the porRoot part (docs/por.md) */
  por?: PorService;
  /** executes and finalizes TaskManager rounds (when the deployment has a TaskManager) */
  tasks?: TaskService;
}

/** Hooks later modules fill in so /health and `status` can report them. */
export interface StatusSources {
  epoch?: () => number | null;
  lastCheckpointAtMs?: () => number | null;
}

export type ProtocolLogHandler = (logs: Log[], range: { fromBlock: number; toBlock: number }) => Promise<void> | void;

type State = "created" | "starting" | "started" | "stopping" | "stopped";

export class Keeper {
  readonly statusSources: StatusSources = {};
  /** the renters' API (SIWE, lease keys, S3) under /api and /s3, when the deployment has DvmAccess */
  workspace?: WorkspaceApi;
  /** /metrics and /health */
  readonly server: ObservabilityServer;
  private state: State = "created";
  private readonly logHandlers: Set<ProtocolLogHandler>;
  /** the latest certified checkpoints, for /checkpoints (when the deployment has a CheckpointStore) */
  readonly checkpointFeed?: CheckpointFeed;

  private constructor(
    readonly config: KeeperConfig,
    readonly logger: Logger,
    readonly metrics: KeeperMetrics,
    readonly identity: KeeperIdentity,
    readonly store: KeeperStore,
    readonly chain: ChainClient | undefined,
    readonly p2p: P2pNode,
    readonly heartbeats: HeartbeatService,
    /** heartbeats, failure detection, latencies and uptime receipts of the mesh (/mesh) */
    readonly mesh: MeshMonitor,
    /** confirmed logs of every deployed contract, from the deployment block */
    readonly protocolEvents: EventWatcher | undefined,
    /** the operator address this keeper signs for */
    readonly operator: string,
    logHandlers: Set<ProtocolLogHandler>,
    private readonly consensusParts: ConsensusParts,
    private readonly init: KeeperInit,
  ) {
    this.logHandlers = logHandlers;
    const contracts = chain?.deployment.contracts;
    if (chain && contracts?.has("CheckpointStore") && contracts.has("ValidatorSetManager")) {
      const feed = new CheckpointFeed({
        provider: chain.provider,
        checkpointStore: chain.info("CheckpointStore").address,
        validatorSets: chain.info("ValidatorSetManager").address,
      });
      this.checkpointFeed = feed;
      logHandlers.add((logs) => feed.onLogs(logs));
    }
    const feed = this.checkpointFeed;
    this.server = new ObservabilityServer({
      config,
      logger: moduleLogger(logger, "observability"),
      metrics,
      health: () => this.health(),
      routes: new Map<string, () => unknown>([
        ["/consensus", () => this.consensusParts.service?.status()],
        ["/rewards", () => this.consensusParts.service?.rewards()],
        ["/checkpoints", async () => (feed ? { checkpoints: await feed.recent() } : undefined)],
        ["/logs", () => init.logSummary?.toJSON()],
        ["/por", () => this.consensusParts.por?.status()],
        ["/mesh", () => this.meshView()],
      ]),
      handlers: config.studio.enabled
        ? [
            studioHandler({
              rpcUrl: chain ? config.rpcUrl : undefined,
              info: () => ({
                chainId: chain ? chain.chainId.toString() : null,
                operator: this.operator,
                peerId: identity.peerId.toString(),
                contracts: Object.fromEntries([...(contracts ?? new Map())].map(([name, c]) => [name, c.address])),
                deploymentBlock: chain?.deployment.deploymentBlock ?? 0,
                rpc: chain !== undefined,
              }),
            }),
          ]
        : [],
    });
  }

  static async init(init: KeeperInit): Promise<Keeper> {
    const { config } = init;
    // a logger of its own counts its lines for /logs; a given one does so when given its summary too
    const logSummary = init.logSummary ?? (init.logger ? undefined : new LogSummary());
    const logger = init.logger ?? createLogger({ level: config.logLevel, summary: logSummary });
    const metrics = init.metrics ?? createMetrics();
    const identity = await KeeperIdentity.init({ config, logger: moduleLogger(logger, "identity") });
    let operator = config.operator ?? identity.signerAddress;
    const store = await KeeperStore.init({ config, logger: moduleLogger(logger, "store"), metrics });
    let chain: ChainClient | undefined;
    try {
      if (config.chain.enabled) {
        chain = await ChainClient.init({
          config: { rpcUrl: config.rpcUrl as string, deploymentFile: config.deploymentFile },
          logger: moduleLogger(logger, "chain"),
          metrics,
        });
      }
      const consensusParts: ConsensusParts = { gate: new ConsensusGossipGate(), parts: [] };
      const hasStaking = chain?.deployment.contracts.has("Staking") ?? false;
      if (chain && config.consensus.enabled && !hasStaking) {
        logger.warn({ deployment: chain.deployment.path }, "deployment has no staking contracts: consensus stays off");
      }
      const runConsensus = chain !== undefined && config.consensus.enabled && hasStaking;
      if (runConsensus && chain && !config.operator) {
        // the operator this keeper signs for is whoever registered its signer
        const registered = await chain
          .typed("Staking", Staking__factory)
          .operatorOf(identity.signerAddress)
          .catch(() => ZeroAddress);
        if (registered !== ZeroAddress) operator = registered;
        else logger.warn({ signer: identity.signerAddress }, "this keeper's signer is not registered: run register");
      }
      if (runConsensus && chain && !init.directory) {
        // who counts on the mesh comes from the staking contract
        const staking = chain.typed("Staking", Staking__factory);
        consensusParts.directory = new ChainOperatorDirectory(
          staking,
          chain.deployment.deploymentBlock,
          moduleLogger(logger, "directory"),
        );
        await consensusParts.directory.refresh();
      }
      if (runConsensus && chain && config.por.enabled) {
        // a part every validator must run alike: with PoR off no keeper carries a por slice (a
        // keeper that restarted or adopted heights mid-epoch holds no PoR state to check one with)
        consensusParts.por = porService(chain, config, identity, operator, logger, store);
        consensusParts.parts.push(consensusParts.por.part);
      }
      const directory = init.directory ?? consensusParts.directory ?? defaultDirectory(config, identity, operator);
      const mesh = new MeshMonitor({
        self: operator,
        intervalMs: config.p2p.heartbeatIntervalMs,
        metrics,
        logger: moduleLogger(logger, "mesh"),
        detector: { threshold: config.p2p.phiThreshold },
      });
      // the monitor needs the final operator; parts registered above (if any) stay after these
      // tasks: spares start when the mesh's failure detector suspects an executor ahead of them
      const tasks =
        chain?.deployment.contracts.has("TaskManager") === true
          ? new TaskService({
              ...config.tasks,
              ...init.tasks,
              domain: { chainId: chain.chainId, taskManager: chain.info("TaskManager").address },
              logger,
              detector: mesh.detector,
            })
          : undefined;
      consensusParts.tasks = tasks;
      consensusParts.parts.unshift(
        ...checkpointParts({
          mesh,
          tasks,
          proven: consensusParts.por && ((h) => consensusParts.por!.part.provenAt(h)),
        }),
      );
      const p2p = await P2pNode.init({
        config: config.p2p,
        privateKey: identity.libp2pKey,
        signer: {
          operator,
          signingKey: identity.signer.signingKey,
          chainId: chain?.chainId ?? BigInt(config.chain.chainId),
        },
        directory,
        logger: moduleLogger(logger, "p2p"),
        metrics,
        store,
        topics:
          runConsensus && chain
            ? [
                ...(init.topics ?? []),
                ...consensusTopics(
                  checkpointDomain(chain.chainId, chain.info("CheckpointStore").address),
                  consensusParts.gate,
                ),
                ...consensusParts.parts.flatMap((part) => part.topics ?? []),
              ]
            : init.topics,
        discovery: init.discovery,
      });
      consensusParts.por?.attach({ libp2p: p2p.libp2p, reqresp: p2p.reqresp, directory });
      consensusParts.parts
        .find((part): part is UptimePart => part instanceof UptimePart)
        ?.attach(
          uptimeNet({ libp2p: p2p.libp2p, reqresp: p2p.reqresp, directory, logger: moduleLogger(logger, "uptime") }),
        );
      await tasks?.attachNet({ libp2p: p2p.libp2p, reqresp: p2p.reqresp });
      const heartbeats = new HeartbeatService({
        gossip: p2p.gossip,
        peerId: identity.peerId.toString(),
        intervalMs: config.p2p.heartbeatIntervalMs,
        logger: moduleLogger(logger, "heartbeat"),
        onHeartbeat: (from, hb) => mesh.onHeartbeat(from, hb.rttMs),
        rttRow: () => mesh.rttRow(),
      });
      const logHandlers = new Set<ProtocolLogHandler>();
      if (tasks) logHandlers.add((logs) => tasks.ingest(logs));
      const protocolEvents = chain && protocolWatcher(chain, config, logger, metrics, store, logHandlers);
      const keeper = new Keeper(
        config,
        logger,
        metrics,
        identity,
        store,
        chain,
        p2p,
        heartbeats,
        mesh,
        protocolEvents,
        operator,
        logHandlers,
        consensusParts,
        { ...init, logSummary },
      );
      keeper.workspace = await workspaceApiFor({
        config,
        chain: chain && {
          provider: chain.provider,
          chainId: chain.chainId,
          dvmAccess: chain.deployment.contracts.get("DvmAccess")?.address,
          market: chain.deployment.contracts.get("ResourceMarket")?.address,
          validatorSets: chain.deployment.contracts.get("ValidatorSetManager")?.address,
        },
        operator,
        port: () => keeper.server.port,
        logger: moduleLogger(logger, "workspace"),
      });
      if (keeper.workspace) keeper.server.addHandler(keeper.workspace.handler);
      return keeper;
    } catch (err) {
      await chain?.stop();
      await store.stop();
      throw err;
    }
  }

  /**
   * Receives confirmed logs of every deployed contract, in block order; the watcher's cursor
   * advances once all handlers resolved. Register before start() to see history from the
   * deployment block.
   */
  onProtocolLogs(handler: ProtocolLogHandler): () => void {
    this.logHandlers.add(handler);
    return () => this.logHandlers.delete(handler);
  }

  get isRunning(): boolean {
    return this.state === "started";
  }

  async start(): Promise<void> {
    if (this.state !== "created") throw new Error(`keeper cannot start from state ${this.state}`);
    this.state = "starting";
    try {
      await this.p2p.start();
      this.heartbeats.start();
      this.mesh.start({
        ping: async (operator) => {
          const record = this.p2p.directory.byOperator(operator);
          if (!record) throw new Error(`no peer id known for operator ${operator}`);
          return this.p2p.ping(record.peerId, AbortSignal.timeout(this.config.p2p.heartbeatIntervalMs * 5));
        },
        peers: () => this.operatorsOf(this.p2p.directory.activePeerIds?.() ?? []),
        connected: () => this.operatorsOf(this.p2p.libp2p.getPeers().map((p) => p.toString())),
      });
      await this.server.start();
      this.workspace?.start();
      await this.protocolEvents?.start();
      if (this.chain && this.config.consensus.enabled && this.chain.deployment.contracts.has("Staking")) {
        await this.startConsensus(this.chain);
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.state = "started";
    this.logger.info(
      {
        peerId: this.identity.peerId.toString(),
        operator: this.operator,
        addrs: this.p2p.multiaddrs,
        metricsPort: this.server.port,
      },
      "keeper started",
    );
  }

  /** Stops everything that was started, in reverse order; safe to call twice. */
  async stop(): Promise<void> {
    if (this.state === "stopping" || this.state === "stopped") return;
    this.state = "stopping";
    const c = this.consensusParts;
    const steps: Array<[string, () => Promise<void> | void]> = [
      ["consensus", () => c.service?.stop()],
      ["vote relay streams", () => c.votePush?.stop()],
      ["checkpoint submitter", () => c.submitter?.stop()],
      ["checkpoint relayer", () => c.relayer?.stop()],
      ["reward pusher", () => c.pusher?.stop()],
      ["transaction sender", () => c.sender?.stop()],
      ["operator directory", () => c.directory?.stop()],
      ["workspace sweeper", () => this.workspace?.stop()],
      ["observability server", () => this.server.stop()],
      ["protocol event watcher", () => this.protocolEvents?.stop()],
      ["mesh monitor", () => this.mesh.stop()],
      ["heartbeats", () => this.heartbeats.stop()],
      ["p2p", () => this.p2p.stop()],
      ["chain client", () => this.chain?.stop()],
      ["store", () => this.store.stop()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        this.logger.error({ err, step: name }, "error while stopping (continuing)");
      }
    }
    this.state = "stopped";
    this.logger.info("keeper stopped");
  }

  /** The CCIP relayer, when this keeper runs as a validator of a deployment with a CheckpointSender. */
  get relayer(): CheckpointRelayer | undefined {
    return this.consensusParts.relayer;
  }

  /** The task executor, when the deployment has a TaskManager. */
  get tasks(): TaskService | undefined {
    return this.consensusParts.tasks;
  }

  /** The consensus host, when this keeper runs as a validator. */
  /** Proof-of-Resource, when this keeper runs as a validator. */
  get por(): PorService | undefined {
    return this.consensusParts.por;
  }

  get consensus(): ConsensusService | undefined {
    return this.consensusParts.service;
  }

  /** Active operators of the given peer ids, lowercase (unknown or inactive peers left out). */
  private operatorsOf(peerIds: readonly string[]): string[] {
    return peerIds
      .map((peerId) => this.p2p.directory.byPeerId(peerId))
      .filter((r) => r !== undefined && r.status === "active")
      .map((r) => r!.operator.toLowerCase());
  }

  /** /mesh: the monitor's view, with each operator's latest certified PoR leaf when PoR runs here. */
  private meshView(): MeshView {
    const view = this.mesh.view();
    const decided = this.consensusParts.por?.part.decided;
    if (!decided || decided.size === 0) return view;
    const latest = decided.get(Math.max(...decided.keys()))!;
    const por = Object.fromEntries(latest.leaves.map((l) => [l.operator, { epoch: latest.epoch, ...l }]));
    return { ...view, por: { ...view.por, ...por } };
  }

  /** The uptime part: certified uptime per operator and epoch (heartbeats answered, heights signed). */
  get uptime(): UptimePart | undefined {
    return this.consensusParts.parts.find((p): p is UptimePart => p instanceof UptimePart);
  }

  private async startConsensus(chain: ChainClient): Promise<void> {
    const c = this.consensusParts;
    const cfg = this.config.consensus;
    c.directory?.start(cfg.directoryRefreshMs);
    const view = new ChainView(
      chain.provider,
      {
        validatorSets: chain.info("ValidatorSetManager").address,
        checkpoints: chain.info("CheckpointStore").address,
        rewards: chain.info("RewardsDistributor").address,
        evidence: chain.info("EvidenceHandler").address,
      },
      chain.deployment.deploymentBlock,
    );
    c.sender = await TxSender.init({
      signer: this.identity.signer.connect(chain.provider),
      provider: chain.provider,
      logger: moduleLogger(this.logger, "tx"),
      metrics: this.metrics,
      decoder: chain.decoder,
      pending: this.store.pendingTxs,
      chainId: chain.chainId,
    });
    const sender = c.sender;
    let lastCheckpointAtMs: number | null = null;
    c.submitter = new CheckpointSubmitter({
      chain: view,
      send: (request) => sender.send(request),
      logger: this.logger,
      kind: cfg.certificate,
      fallbackDelayMs: cfg.fallbackDelayMs,
      collectMs: Math.min(500, Math.floor(cfg.heightIntervalMs / 2)),
      onSubmitted: (s) => {
        lastCheckpointAtMs = Date.now();
        this.metrics.checkpointsSubmittedTotal.inc({ kind: s.kind });
        this.init.onCheckpointSubmitted?.(s);
      },
    });
    const bridge = this.config.bridge;
    if (bridge.enabled && chain.deployment.contracts.has("CheckpointSender")) {
      c.relayer = new CheckpointRelayer({
        provider: chain.provider,
        senderAddress: chain.info("CheckpointSender").address,
        checkpointsAddress: chain.info("CheckpointStore").address,
        self: this.identity.signerAddress,
        send: (request) => sender.send(request),
        store: this.store.bridge as Bucket<RelayRecord>,
        logger: this.logger,
        metrics: this.metrics,
        fallbackDelayMs: bridge.fallbackDelayMs,
        certifiedTimeoutMs: bridge.certifiedTimeoutMs,
        pollMs: bridge.pollMs,
        onRelayed: (r) => this.init.onCheckpointRelayed?.(r),
      });
    }
    const rewardsCfg = this.config.rewards;
    if (rewardsCfg.autoPush) {
      c.pusher = new RewardPusher({
        provider: chain.provider,
        rewardsAddress: chain.info("RewardsDistributor").address,
        checkpointsAddress: chain.info("CheckpointStore").address,
        send: (request) => sender.send(request),
        logger: this.logger,
        metrics: this.metrics,
        fallbackDelayMs: rewardsCfg.fallbackDelayMs,
        certifiedTimeoutMs: rewardsCfg.certifiedTimeoutMs,
        pollMs: rewardsCfg.pollMs,
        onPushed: (r) => this.init.onRewardPushed?.(r),
      });
    }
    const { submitter, relayer, pusher } = c;
    const t = cfg.timeouts;
    const votePush = (c.votePush = new PushChannel(
      {
        libp2p: this.p2p.libp2p,
        logger: moduleLogger(this.logger, "push"),
        metrics: this.metrics,
        openTimeoutMs: cfg.relayFallbackMs,
        guard: this.p2p.guard,
      },
      voteRelayPush,
    ));
    c.service = new ConsensusService({
      gossip: this.p2p.gossip,
      chain: view,
      keys: { signer: this.identity.signer, blsSecret: this.identity.bls.secretKey },
      domain: checkpointDomain(chain.chainId, chain.info("CheckpointStore").address),
      chainId: chain.chainId,
      parts: c.parts,
      decidedStore: this.store.headers,
      signingStore: this.store.signingState,
      sink: {
        onDecided: (decided, ctx) => {
          submitter.onDecided(decided, ctx);
          c.tasks?.onDecided(decided, ctx);
          relayer?.onDecided(decided, ctx);
          pusher?.onDecided(decided, ctx);
        },
        onEvidence: (evidence, ctx) => submitter.onEvidence(evidence, ctx),
        // a keeper that keeps adopting heights from peers still knows which task rounds are due
        onAdopted: (decided, ctx) => c.tasks?.onDecided(decided, ctx),
      },
      logger: this.logger,
      heightIntervalMs: cfg.heightIntervalMs,
      epochPollMs: cfg.epochPollMs,
      timeouts: {
        propose: { baseMs: t.proposeMs, perRoundMs: t.perRoundMs },
        prevote: { baseMs: t.prevoteMs, perRoundMs: t.perRoundMs },
        precommit: { baseMs: t.precommitMs, perRoundMs: t.perRoundMs },
      },
      onEvent: (e) => {
        if (e.type === "decided") {
          this.metrics.consensusHeight.set(Number(e.height));
          this.metrics.consensusDecisionsTotal.inc({ round: String(e.round) });
          this.metrics.consensusCommitSeconds.observe(e.latencyMs / 1000);
        }
        this.init.onConsensusEvent?.(e);
      },
      relayVotes: cfg.relayVotes,
      relayFallbackMs: cfg.relayFallbackMs,
      onInboundDropped: () => this.metrics.consensusInboundDroppedTotal.inc(),
      voteRelay: {
        // only active operators' keepers may push (as on the gossip topics); others are dropped
        serve: (handler) =>
          votePush.handle((vote, peer) => {
            if (!isActive(this.p2p.directory.byPeerId(peer))) return false;
            if (c.gate.isStale(BigInt(vote.epoch), Number(vote.height))) {
              // dropped, not refused: a lagging keeper re-sends its own votes (rebroadcast), and a
              // refusal would close its stream and cost it 25 points each time; a point per stale
              // vote still adds up for a peer replaying old ones (docs/mesh.md)
              this.p2p.penalties.add(peer, STALE_PENALTY);
              return true;
            }
            handler(vote, peer);
            return true;
          }),
        send: async (operator, vote) => {
          const record = this.p2p.directory.byOperator(operator);
          if (!record) throw new Error(`no peer id known for operator ${operator}`);
          await votePush.send(peerIdFromString(record.peerId), vote);
        },
      },
      dropInbound: this.init.dropConsensusInbound,
      voteSetSync: {
        serve: (handler) => this.p2p.reqresp.handle(voteSetProtocol, (req, ctx) => handler(req, ctx.peer)),
        fetch: async (operator, req) => {
          const record = this.p2p.directory.byOperator(operator);
          if (!record) throw new Error(`no peer id known for operator ${operator}`);
          const reply = await this.p2p.reqresp.request(peerIdFromString(record.peerId), voteSetProtocol, req);
          return { reply, peerId: record.peerId };
        },
      },
      catchUp: {
        serve: (handler) =>
          this.p2p.reqresp.handle(commitRequestProtocol, (req) => handler(BigInt(req.epoch), BigInt(req.height))),
        fetch: (peerId, epoch, height) =>
          this.p2p.reqresp.request(peerIdFromString(peerId), commitRequestProtocol, {
            epoch: epoch.toString(),
            height: height.toString(),
          }),
      },
    });
    c.tasks?.attach({
      provider: chain.provider,
      send: (request) => sender.send(request),
      checkpointsAddress: chain.info("CheckpointStore").address,
      epochStart: (epoch) => view.epochStart(epoch),
    });
    const service = c.service;
    c.gate.position = () => ({ epoch: service.currentEpoch, height: service.height });
    this.statusSources.epoch = () => {
      const e = c.service?.currentEpoch;
      return e === undefined ? null : Number(e);
    };
    this.statusSources.lastCheckpointAtMs = () => lastCheckpointAtMs;
    this.metrics.setSecondsSinceDecisionSource(() => service.progress().secondsSinceDecision);
    await c.service.start();
  }

  health(): HealthStatus {
    const lastCheckpointAtMs = this.statusSources.lastCheckpointAtMs?.() ?? null;
    const consensus = this.consensusParts.service?.progress() ?? null;
    const up = this.state === "started" && this.store.isOpen;
    const stalled = consensus !== null && !consensus.live;
    return {
      ready: up && !stalled,
      consensus,
      notReadyReason: !up
        ? `keeper ${this.state}${this.store.isOpen ? "" : ", store closed"}`
        : stalled
          ? `no height decided for ${consensus.secondsSinceDecision} s; waiting at ${consensus.waitingFor}`
          : null,
      peers: this.p2p.peerCount,
      synced: this.protocolEvents ? this.protocolEvents.synced : !this.config.chain.enabled,
      epoch: this.statusSources.epoch?.() ?? null,
      lastCheckpointAgeSeconds:
        lastCheckpointAtMs === null ? null : Math.max(0, Math.round((Date.now() - lastCheckpointAtMs) / 1000)),
    };
  }
}

/** PoR reads epochs from the ValidatorSetManager and claims from Staking at each epoch's start block. */
function porService(
  chain: ChainClient,
  config: KeeperConfig,
  identity: KeeperIdentity,
  operator: string,
  logger: Logger,
  store: KeeperStore,
): PorService {
  const view = new ChainView(
    chain.provider,
    {
      validatorSets: chain.info("ValidatorSetManager").address,
      checkpoints: chain.info("CheckpointStore").address,
      rewards: chain.info("RewardsDistributor").address,
      evidence: chain.info("EvidenceHandler").address,
    },
    chain.deployment.deploymentBlock,
  );
  const staking = chain.typed("Staking", Staking__factory);
  const claims = async (op: string, blockTag?: number) => {
    const r = await staking.resourcesOf(op, { blockTag });
    return {
      cpuCores: Number(r.cpuCores),
      memoryMiB: Number(r.memoryMiB),
      storageGiB: Number(r.storageGiB),
      bandwidthMbps: Number(r.bandwidthMbps),
    };
  };
  return new PorService({
    config: config.por,
    operator,
    signerKey: identity.signer.privateKey,
    domain: checkpointDomain(chain.chainId, chain.info("CheckpointStore").address),
    chain: {
      currentEpoch: () => view.currentEpoch(),
      epochStart: (e) => view.epochStart(e),
      claimsAt: (op, block) => claims(op, block),
      porRulesAt: async (blockTag) => {
        const [verifiers, quorum, tolerancePct] = await view.evidence.porRules({ blockTag });
        return { verifiers: Number(verifiers), quorum: Number(quorum), tolerancePct: Number(tolerancePct) };
      },
    },
    ownClaims: () => claims(operator).catch(() => undefined),
    dataDir: config.dataDir,
    store: store.por,
    logger: moduleLogger(logger, "por"),
  });
}

function defaultDirectory(config: KeeperConfig, identity: KeeperIdentity, operator: string): OperatorDirectory {
  const directory = new InMemoryOperatorDirectory(
    config.p2p.operatorsFile ? readOperatorsFile(config.p2p.operatorsFile) : [],
  );
  if (!directory.byOperator(operator)) {
    directory.set({ peerId: identity.peerId.toString(), operator, signer: identity.signerAddress, status: "active" });
  }
  return directory;
}

function protocolWatcher(
  chain: ChainClient,
  config: KeeperConfig,
  logger: Logger,
  metrics: KeeperMetrics,
  store: KeeperStore,
  handlers: Set<ProtocolLogHandler>,
): EventWatcher {
  return new EventWatcher(
    { provider: chain.provider, logger: moduleLogger(logger, "chain-events"), metrics, cursorStore: store.chainState },
    {
      name: "protocol",
      address: [...chain.deployment.contracts.values()].map((c) => c.address),
      fromBlock: chain.deployment.deploymentBlock,
      confirmations: config.chain.confirmations,
      pollIntervalMs: config.chain.pollIntervalMs,
      onLogs: async (logs, range) => {
        for (const handler of handlers) await handler(logs, range);
      },
    },
  );
}
