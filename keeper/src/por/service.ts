// PoR in a keeper: every epoch, challenge the operators this keeper is assigned to verify (at
// staggered offsets), sign and gossip the reports, answer the challenges of its own verifiers, and
// hand the report pool to the checkpoint part that certifies the porRoot.
import type { Libp2p } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import type { TypedDataDomain } from "ethers";
import { join } from "node:path";
import type { PorConfig } from "../config/por.js";
import type { PartHost } from "../checkpoint/part.js";
import type { Logger } from "../observability/logger.js";
import type { Bucket } from "../store/bucket.js";
import type { OperatorDirectory } from "../p2p/directory.js";
import type { ReqResp } from "../p2p/reqresp.js";
import type { ValidationVerdict } from "../p2p/topics.js";
import { challengeOffsetMs, targetsOf, verifiersOf } from "./assignment.js";
import { challenge } from "./challenger.js";
import { EpochBook, type PorChain, type PorEpochInfo } from "./epochs.js";
import { measureParams, storageChunksOf, type Claims, type MeasureParams } from "./params.js";
import type { ResourceLeaf } from "./aggregate.js";
import { PorPart } from "./part.js";
import { ReportPool } from "./pool.js";
import { PorProver } from "./prover.js";
import { reportId, signReport, SignedPorReportSchema, type SignedPorReport } from "./report.js";
import { StorageDataset } from "./storage.js";
import { porReportTopic, reportFetchProtocol, type ReportGate } from "./topics.js";

export interface PorServiceModules {
  config: PorConfig;
  /** this keeper's operator and signer key */
  operator: string;
  signerKey: string;
  domain: TypedDataDomain;
  chain: PorChain;
  /** this keeper's claims now (the data set is sized from them) */
  ownClaims: () => Promise<Claims | undefined>;
  dataDir: string;
  /**
   * PoR state kept across restarts (durable, like the signing state): this keeper's own signed
   * reports by `own/epoch/operator`, written before they are published, so a restarted verifier
   * re-publishes what it signed instead of measuring again (a second, different report of the same
   * epoch is equivocation: peers refuse it, and one that kept it first could not validate the
   * certified one); and each recent epoch's leaves (`leaves/epoch`) for the below-claim check.
   */
  store?: Bucket<unknown>;
  logger: Logger;
  /** how often the current epoch is read */
  pollMs?: number;
}

/** epochs of PoR state kept in the store */
const KEEP_EPOCHS = 4;
const leavesKey = (epoch: number) => `leaves/${String(epoch).padStart(12, "0")}`;
const ownKey = (epoch: number, target: string) => `own/${String(epoch).padStart(12, "0")}/${target}`;

export interface PorNet {
  libp2p: Libp2p;
  reqresp: ReqResp;
  directory: OperatorDirectory;
}

export class PorService {
  readonly gate: ReportGate = {};
  readonly pool: ReportPool;
  readonly book: EpochBook;
  readonly part: PorPart;
  readonly params: MeasureParams;
  private net?: PorNet;
  private host?: PartHost;
  private prover?: PorProver;
  private dataset?: StorageDataset;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly abort = new AbortController();
  private epoch = -1;
  private stopped = false;
  /** last outcome of each challenge this keeper ran, for /por */
  private readonly outcomes = new Map<string, { epoch: number; reasons: Record<string, string> }>();

  constructor(private readonly m: PorServiceModules) {
    this.params = measureParams(m.config);
    // the chain's rules win (EvidenceHandler.porRules); config values only where a chain offers none
    this.book = new EpochBook(m.chain, {
      verifiers: m.config.verifiers,
      quorum: m.config.quorum,
      tolerancePct: m.config.faultTolerancePct,
    });
    this.pool = new ReportPool(m.domain, m.config.verifiers, (e) => this.book.load(e));
    const topic = porReportTopic(m.domain, this.gate);
    this.gate.check = (s) => this.check(s);
    this.part = new PorPart({
      pool: this.pool,
      book: this.book,
      topic,
      fetch: (from, ids) => this.fetch(from, ids),
      start: (host) => this.start(host),
      stop: () => this.stop(),
      leavesStore: m.store && {
        save: (epoch, leaves) => this.saveLeaves(epoch, leaves),
        restore: () => this.restoreLeaves(),
      },
    });
  }

  private get me(): string {
    return this.m.operator.toLowerCase();
  }

  /** The p2p side, once the node exists (its topics had to be declared first). */
  attach(net: PorNet): void {
    this.net = net;
  }

  private async check(s: SignedPorReport): Promise<ValidationVerdict> {
    const r = await this.pool.add(s);
    if (r.ok) return { result: r.fresh ? "accept" : "ignore" };
    if (r.equivocation) return { result: "reject", reason: r.reason };
    // an epoch not loaded yet, or one long gone: not provably wrong
    if (/epoch .* unknown/.test(r.reason)) return { result: "ignore", reason: r.reason };
    return { result: "reject", reason: r.reason };
  }

  private async start(host: PartHost): Promise<void> {
    this.host = host;
    const net = this.net;
    if (!net) throw new Error("PoR started before the p2p node was attached");
    host.subscribe(this.part.topics[0] as ReturnType<typeof porReportTopic>, () => undefined);
    await net.reqresp.handle(reportFetchProtocol, (req) => ({
      reports: req.ids.map((id) => this.pool.get(id)).filter((r): r is SignedPorReport => r !== undefined),
    }));
    if (!this.m.config.enabled) return;
    this.prover = new PorProver({
      libp2p: net.libp2p,
      reqresp: net.reqresp,
      logger: this.m.logger,
      operator: this.me,
      params: this.params,
      claims: () => this.book.get(this.epoch)?.claims.get(this.me),
      authorize: (peer) => this.mayChallengeMe(peer),
      dataset: () => this.dataset,
      epochSeed: (e) => (e === this.epoch || e === this.epoch - 1 ? this.book.get(e)?.seed : undefined),
      verifierCount: (e) => {
        const info = this.book.get(e);
        return info ? verifiersOf(info.seed, this.me, [...info.signers.keys()], info.verifiers).length : 1;
      },
      // from the first verifier's challenge to the last one's last retry, and a margin
      fillHoldMs:
        this.m.config.staggerMs +
        (this.m.config.retries + 1) * this.m.config.retryMs +
        this.m.config.memory.fillDeadlineMs +
        this.m.config.memory.walkDeadlineMs,
    });
    await this.prover.start();
    void this.prepareDataset();
    this.poll();
  }

  private async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.prover?.stop();
    await this.dataset?.close();
  }

  private later(ms: number, f: () => Promise<void> | void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped)
        void Promise.resolve(f()).catch((err: unknown) => this.m.logger.warn({ err }, "por task failed"));
    }, ms);
    this.timers.add(t);
  }

  private async prepareDataset(): Promise<void> {
    const claims = await this.m.ownClaims();
    if (!claims) return;
    const gib = this.m.config.storage.keepGiB ?? claims.storageGiB;
    const p = this.params.storage;
    const path = join(this.m.dataDir, "por", `storage-${p.chunkBytes}-${p.chunkWork}-${p.sizeDivisor}.bin`);
    const started = Date.now();
    this.dataset = await StorageDataset.ensure(path, this.me, storageChunksOf(gib, this.params), p);
    this.m.logger.info(
      { gib, chunks: this.dataset.commitment().chunks, ms: Date.now() - started },
      "por storage data set ready",
    );
  }

  /** Reads the epoch; at a new one, schedules this keeper's challenges. */
  private poll(): void {
    this.later(this.m.pollMs ?? 1_000, async () => {
      try {
        const e = Number(await this.m.chain.currentEpoch());
        if (e !== this.epoch) {
          const info = await this.book.load(e);
          if (info) {
            this.epoch = e;
            this.pool.prune(e - 2);
            this.schedule(info);
          }
        }
      } finally {
        this.poll();
      }
    });
  }

  private schedule(info: PorEpochInfo): void {
    const operators = [...info.signers.keys()];
    if (!info.signers.has(this.me)) return; // only members of the epoch's set verify
    for (const target of targetsOf(info.seed, this.me, operators, info.verifiers)) {
      const offset = challengeOffsetMs(info.seed, target, this.me, this.m.config.staggerMs);
      this.later(offset, () => this.challengeOne(info, target));
    }
  }

  private mayChallengeMe(peerId: string): boolean {
    const op = this.net?.directory.byPeerId(peerId)?.operator.toLowerCase();
    if (!op) return false;
    for (const e of [this.epoch, this.epoch - 1]) {
      const info = this.book.get(e);
      if (info && verifiersOf(info.seed, this.me, [...info.signers.keys()], info.verifiers).includes(op)) {
        return true;
      }
    }
    return false;
  }

  private async challengeOne(info: PorEpochInfo, target: string): Promise<void> {
    if (await this.republish(info, target)) return;
    const net = this.net!;
    const record = net.directory.byOperator(target);
    const claims = info.claims.get(target);
    if (!record || !claims) return;
    const run = () =>
      challenge(
        { libp2p: net.libp2p, reqresp: net.reqresp, params: this.params },
        { peerId: peerIdFromString(record.peerId), operator: target, claims },
        { epoch: info.epoch, seed: info.seed, verifier: this.me },
        this.abort.signal,
      );
    let outcome = await run();
    // a measure missed (no answer: the prover starting, busy, a dropped connection) is asked
    // again a few times within the epoch; a wrong answer is final
    for (let retry = 0; retry < this.m.config.retries && outcome.body.missed !== 0 && !this.stopped; retry++) {
      await new Promise((r) => setTimeout(r, this.m.config.retryMs));
      if (this.stopped || this.epoch !== info.epoch) break;
      outcome = await run();
    }
    if (this.stopped) return;
    const signed = signReport(this.m.domain, outcome.body, this.m.signerKey);
    await this.m.store?.put(ownKey(info.epoch, target), signed);
    const added = await this.pool.add(signed);
    if (!added.ok) {
      this.m.logger.warn({ target, reason: added.reason }, "own PoR report refused by the pool");
      return;
    }
    this.outcomes.set(target, { epoch: info.epoch, reasons: outcome.reasons });
    this.m.logger.info(
      { epoch: info.epoch, target, report: outcome.body, reasons: outcome.reasons },
      "por challenge done",
    );
    await this.publishReport(signed);
  }

  private async publishReport(signed: SignedPorReport): Promise<void> {
    await this.host?.publish(this.part.topics[0] as ReturnType<typeof porReportTopic>, signed);
  }

  private async saveLeaves(epoch: number, leaves: ResourceLeaf[]): Promise<void> {
    const store = this.m.store!;
    await store.put(leavesKey(epoch), leaves);
    if (epoch <= KEEP_EPOCHS) return;
    // the below-claim check reads only the previous epoch; own reports matter only in their epoch
    const old = await store.keys({ gte: "leaves/", lt: leavesKey(epoch - KEEP_EPOCHS) });
    const oldOwn = await store.keys({ gte: "own/", lt: ownKey(epoch - KEEP_EPOCHS, "") });
    if (old.length + oldOwn.length > 0) await store.batch([...old, ...oldOwn].map((key) => ({ type: "del", key })));
  }

  private async restoreLeaves(): Promise<Map<number, ResourceLeaf[]>> {
    const out = new Map<number, ResourceLeaf[]>();
    for await (const [key, value] of this.m.store!.entries({ gte: "leaves/", lt: "leaves/~" })) {
      out.set(Number(key.slice("leaves/".length)), value as ResourceLeaf[]);
    }
    return out;
  }

  /** A report this keeper signed for `target` this epoch before a restart: published again as it was. */
  private async republish(info: PorEpochInfo, target: string): Promise<boolean> {
    const stored = SignedPorReportSchema.safeParse(await this.m.store?.get(ownKey(info.epoch, target)));
    if (!stored.success) return false;
    const added = await this.pool.add(stored.data);
    if (!added.ok) this.m.logger.warn({ target, reason: added.reason }, "own stored PoR report refused by the pool");
    else this.m.logger.info({ epoch: info.epoch, target }, "por report signed before a restart published again");
    this.outcomes.set(target, { epoch: info.epoch, reasons: {} });
    await this.publishReport(stored.data);
    return true;
  }

  private async fetch(from: string, ids: string[]): Promise<void> {
    const net = this.net;
    const record = net?.directory.byOperator(from);
    if (!net || !record) return;
    const { reports } = await net.reqresp.request(peerIdFromString(record.peerId), reportFetchProtocol, { ids });
    const asked = new Set(ids);
    for (const r of reports) {
      // named by a proposal: held even beside another version from the same verifier (pool.ts)
      if (asked.has(reportId(this.m.domain, r))) await this.pool.add(r, { named: true });
    }
  }

  /** /por: what the last decided headers certified, and this keeper's own challenges. */
  status(): unknown {
    return {
      enabled: this.m.config.enabled,
      epoch: this.epoch,
      dataset: this.dataset?.commitment() ?? null,
      decided: [...this.part.decided.values()].map((d) => ({
        epoch: d.epoch,
        height: d.height.toString(),
        porRoot: d.porRoot,
        reports: d.reports.length,
        leaves: d.leaves,
      })),
      challenged: Object.fromEntries(this.outcomes),
    };
  }
}
