// The checkpoint submitter's optimistic BLS path against a real chain (hardhat node over
// JSON-RPC): it aggregates every share unchecked and lets the TxSender's gas estimate run the
// chain's pairing check; only a refused aggregate (or a share that does not decode locally) costs
// the share-by-share check, after which it retries with the good shares, or with ECDSA when they
// no longer hold > 2/3 of the stake. Four operators registered with real keys and proofs of
// possession, stakes 40k / 30k / 20k / 10k OPEN (total 100k, quorum > 66.67k).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  JsonRpcProvider,
  Network,
  Wallet,
  getBytes,
  hexlify,
  keccak256,
  parseEther,
  toUtf8Bytes,
  type JsonRpcSigner,
} from "ethers";
import { ChainView, type EpochStart } from "../../keeper/src/bft/chain-view.js";
import type { DecidedHeight } from "../../keeper/src/bft/service.js";
import { CheckpointSubmitter, type SubmittedCheckpoint } from "../../keeper/src/bft/submitter.js";
import { ChainClient, TxRevertedError, TxSender } from "../../keeper/src/chain/index.js";
import { ZERO_HASH, type Header } from "../../keeper/src/checkpoint/header.js";
import type { Commit } from "../../keeper/src/checkpoint/payload.js";
import { aggregateSignatures, negateG1, proofOfPossession } from "../../keeper/src/crypto/bls.js";
import { decodeG1, Eip2537DecodeError } from "../../keeper/src/crypto/eip2537.js";
import { createMetrics } from "../../keeper/src/observability/index.js";
import { deployProtocol, type Deployed } from "../../scripts/lib/deploy.js";
import { REPO_ROOT, writeDeployment } from "../../scripts/lib/deployment-file.js";
import { loadGenesisConfig } from "../../scripts/lib/genesis-config.js";
import { LocalChain } from "../../scripts/lib/local-chain.js";
import { headerHash, makeHeader, precommitDigest } from "../helpers/checkpoints.js";
import { blsSign, ecdsaSign, makeValidators, type TestValidator } from "../helpers/validators.js";
import { capturingLogger, silentLogger, type CapturedLogs } from "../keeper/helpers/logs.js";

const OPEN = 10n ** 18n;
const STAKES = [40_000n, 30_000n, 20_000n, 10_000n].map((x) => x * OPEN);
const TOTAL_STAKE = STAKES.reduce((a, b) => a + b, 0n);
/** CertificateKind in ICheckpointStore */
const KIND = { ecdsa: 0n, bls: 1n } as const;
const REFUSED_LOG = /aggregate refused/;

/** How a validator's BLS share is made from its key and the precommit digest it should sign. */
type ShareMaker = (v: TestValidator, digest: string) => Uint8Array;
const honest: ShareMaker = (v, digest) => blsSign(v, digest);

/** One call of the submitter's `send`, as the real TxSender answered it. */
interface Attempt {
  outcome: "mined" | "refused";
  /** the chain's custom error when refused at the gas estimate */
  error?: string;
}

describe("e2e: the checkpoint submitter falls back from a refused BLS aggregate on a real chain", function () {
  this.timeout(120_000);
  let root: string;
  let chain: LocalChain;
  let provider: JsonRpcProvider;
  let client: ChainClient;
  let deployed: Deployed;
  let view: ChainView;
  let start: EpochStart;
  let sender: TxSender;
  let submitter: CheckpointSubmitter;
  let logs: CapturedLogs;
  let submitterWallet: Wallet;
  const attempts: Attempt[] = [];
  /** by lowercase signer address */
  const validators = new Map<string, TestValidator>();

  /** The validator holding `stake` (the set's leaf order is the chain's, by descending stake). */
  function withStake(stake: bigint): TestValidator {
    const v = [...validators.values()].find((x) => x.stake === stake * OPEN);
    if (!v) throw new Error(`no validator with stake ${stake}`);
    return v;
  }

  async function registerOperators(owners: JsonRpcSigner[]): Promise<void> {
    const made = makeValidators(owners.length, (i) => STAKES[i]!, "fallback");
    const stakingAddress = await deployed.staking.getAddress();
    for (const [i, owner] of owners.entries()) {
      const v = made[i]!;
      await (await deployed.token.connect(owner).approve(stakingAddress, v.stake)).wait();
      await (
        await deployed.staking.connect(owner).register({
          signer: v.signer,
          blsPubkey: hexlify(v.blsPubkey),
          blsProofOfPossession: hexlify(proofOfPossession(v.blsSecret, await owner.getAddress())),
          peerId: hexlify(toUtf8Bytes(`fallback-peer-${i}`)),
          endpoint: `/ip4/127.0.0.1/tcp/${41000 + i}`,
          resources: { cpuCores: 4n, bandwidthMbps: 100n, memoryMiB: 8192n, storageGiB: 100n },
          commissionWad: 10n ** 17n,
          stake: v.stake,
        })
      ).wait();
      validators.set(v.signer.toLowerCase(), v);
    }
  }

  /** The next header the chain accepts: one height above its latest, linked to the latest certified hash. */
  async function nextHeader(): Promise<Header> {
    const latest = await deployed.checkpoints.latestHeight();
    const parentHash =
      latest < start.startHeight ? start.parentHash : await deployed.checkpoints.checkpointHash(latest);
    return makeHeader({ epoch: 1n, height: latest + 1n, parentHash });
  }

  /** A decided height: every validator precommits `header` by ECDSA, with the BLS share `shares` makes for it. */
  async function decide(
    header: Header,
    shares: (v: TestValidator) => ShareMaker = () => honest,
  ): Promise<DecidedHeight> {
    const digest = await precommitDigest(deployed, header);
    const commit: Commit = {
      epoch: header.epoch,
      height: header.height,
      round: 0,
      valueHash: headerHash(header),
      signatures: start.tree.members.map((m) => {
        const v = validators.get(m.signer.toLowerCase())!;
        return { signer: m.signer.toLowerCase(), ecdsa: ecdsaSign(v, digest), bls: hexlify(shares(v)(v, digest)) };
      }),
    };
    return { payload: { header, lastCommit: null, slices: {} }, commit };
  }

  /** The CheckpointCertified event of the submission's transaction. */
  async function certifiedEvent(s: SubmittedCheckpoint) {
    const receipt = await provider.getTransactionReceipt(s.txHash);
    const events = (receipt?.logs ?? [])
      .map((l) => deployed.checkpoints.interface.parseLog(l))
      .filter((e) => e?.name === "CheckpointCertified");
    expect(events, "one CheckpointCertified in the submission").to.have.length(1);
    return events[0]!.args;
  }

  /** Submits, then checks the chain certified exactly this header with this kind and signed stake. */
  async function submitAndCheck(
    decided: DecidedHeight,
    want: { kind: "bls" | "ecdsa"; signers: number; signedStake: bigint; attempts: Attempt[]; dropped?: number },
  ): Promise<void> {
    attempts.length = 0;
    logs.lines.length = 0;
    const header = decided.payload.header;
    expect(await deployed.checkpoints.checkpointHash(header.height), "not certified yet").to.equal(ZERO_HASH);
    const s = await submitter.submit(decided, start);
    expect(s, "a submission").to.not.equal(undefined);
    expect(s!.height).to.equal(header.height);
    expect(s!.round).to.equal(0);
    expect(s!.kind).to.equal(want.kind);
    expect(s!.signers).to.equal(want.signers);
    expect(s!.gasUsed > 0n).to.equal(true);
    expect(attempts).to.deep.equal(want.attempts);
    const refused = logs.find(REFUSED_LOG);
    if (want.dropped === undefined) expect(refused, "no share-by-share check").to.have.length(0);
    else {
      // the log names the dropped shares' signers, so operators see who sent a bad share
      expect(refused).to.have.length(1);
      const named = refused[0]!.dropped as string[];
      expect(named).to.have.length(want.dropped);
      const validators = start.set.validators.map((v) => v.signer.toLowerCase());
      for (const signer of named) expect(validators).to.include(signer.toLowerCase());
    }

    const ev = await certifiedEvent(s!);
    expect(ev.epoch).to.equal(1n);
    expect(ev.height).to.equal(header.height);
    expect(ev.headerHash).to.equal(headerHash(header));
    expect(ev.kind).to.equal(KIND[want.kind]);
    expect(ev.round).to.equal(0n);
    expect(ev.signedStake).to.equal(want.signedStake);
    expect(ev.submitter).to.equal(submitterWallet.address);
    expect(await deployed.checkpoints.checkpointHash(header.height)).to.equal(headerHash(header));
    expect(await deployed.checkpoints.latestHeight()).to.equal(header.height);
  }

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "openmesh-submitter-"));
    chain = await LocalChain.start();
    const network = Network.from(31337n);
    provider = new JsonRpcProvider(chain.url, network, { staticNetwork: network });
    const cfg = loadGenesisConfig(join(REPO_ROOT, "deployments", "config", "localhost.json"));
    const accounts = (await provider.listAccounts()).map((a) => a.address);
    const funder = await provider.getSigner(0);
    deployed = await deployProtocol(funder, cfg, { localAccounts: accounts });
    const deploymentFile = join(root, "deployment.json");
    writeDeployment(deploymentFile, deployed.file, false);

    // accounts 1..4 hold the early-validator allocation
    await registerOperators(await Promise.all([1, 2, 3, 4].map((i) => provider.getSigner(i))));
    await provider.send("evm_increaseTime", [60]);
    await (await deployed.validatorSets.connect(funder).advanceEpoch()).wait();

    // the keeper's side: chain client (error decoder over every deployed ABI), view, sender
    const metrics = createMetrics({ processMetrics: false });
    client = await ChainClient.init({ config: { rpcUrl: chain.url, deploymentFile }, logger: silentLogger(), metrics });
    view = new ChainView(
      client.provider,
      {
        validatorSets: await deployed.validatorSets.getAddress(),
        checkpoints: await deployed.checkpoints.getAddress(),
        rewards: await deployed.rewards.getAddress(),
        evidence: await deployed.evidence.getAddress(),
      },
      client.deployment.deploymentBlock,
    );
    start = await view.epochStart(1n);
    submitterWallet = new Wallet(Wallet.createRandom().privateKey, client.provider);
    await (await funder.sendTransaction({ to: submitterWallet.address, value: parseEther("10") })).wait();
    sender = await TxSender.init(
      {
        signer: submitterWallet,
        provider: client.provider,
        logger: silentLogger(),
        metrics,
        decoder: client.decoder,
        chainId: client.chainId,
      },
      { receiptPollMs: 50, backoff: { initialMs: 50, maxMs: 300 } },
    );
    logs = capturingLogger("info");
    submitter = new CheckpointSubmitter({
      chain: view,
      // the real sender; each call's outcome is recorded to show which attempts the chain refused
      send: async (request) => {
        try {
          const receipt = await sender.send(request);
          attempts.push({ outcome: "mined" });
          return receipt;
        } catch (err) {
          if (err instanceof TxRevertedError && err.revert.kind === "custom")
            attempts.push({ outcome: "refused", error: err.revert.name });
          throw err;
        }
      },
      logger: logs.logger,
      kind: "bls",
      fallbackDelayMs: 0,
      collectMs: 0,
    });
  });

  after(async () => {
    submitter?.stop();
    await sender?.stop();
    await client?.stop();
    provider?.destroy();
    await chain?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("froze the four operators in epoch 1 with the registered stakes", () => {
    expect(start.set.epoch).to.equal(1n);
    expect(start.startHeight).to.equal(1n);
    expect(start.tree.totalStake).to.equal(TOTAL_STAKE);
    expect(start.tree.members.map((m) => m.stake)).to.deep.equal(STAKES);
  });

  it("certifies with one BLS aggregate of all four shares, sent once, when every share is good", async () => {
    const header = await nextHeader();
    expect(header.height).to.equal(start.startHeight); // the epoch's first height, parent = the chain's latest
    await submitAndCheck(await decide(header), {
      kind: "bls",
      signers: 4,
      signedStake: TOTAL_STAKE,
      attempts: [{ outcome: "mined" }],
    });
  });

  it("drops exactly the share signed over another message after the chain refuses the aggregate, and certifies BLS with 3", async () => {
    const header = await nextHeader();
    const other = await precommitDigest(deployed, { ...header, taskRoot: keccak256(toUtf8Bytes("another value")) });
    const liar = withStake(30_000n); // 40 + 20 + 10 = 70k of 100k remain: still > 2/3
    await submitAndCheck(await decide(header, (v) => (v === liar ? (w) => blsSign(w, other) : honest)), {
      kind: "bls",
      signers: 3,
      signedStake: TOTAL_STAKE - liar.stake,
      attempts: [{ outcome: "refused", error: "CertificateInvalidBlsSignature" }, { outcome: "mined" }],
      dropped: 1,
    });
  });

  it("drops two bad shares and still certifies BLS with the 2 good ones when they hold > 2/3 of the stake", async () => {
    const header = await nextHeader();
    const other = await precommitDigest(deployed, { ...header, porRoot: keccak256(toUtf8Bytes("elsewhere")) });
    const bad = new Set([withStake(20_000n), withStake(10_000n)]); // 40 + 30 = 70k remain
    await submitAndCheck(await decide(header, (v) => (bad.has(v) ? (w) => blsSign(w, other) : honest)), {
      kind: "bls",
      signers: 2,
      signedStake: withStake(40_000n).stake + withStake(30_000n).stake,
      attempts: [{ outcome: "refused", error: "CertificateInvalidBlsSignature" }, { outcome: "mined" }],
      dropped: 2,
    });
  });

  it("falls back to an ECDSA certificate of all four votes when the good BLS shares hold 2/3 or less", async () => {
    const header = await nextHeader();
    const other = await precommitDigest(deployed, { ...header, rewardsRoot: keccak256(toUtf8Bytes("elsewhere")) });
    const bad = new Set([withStake(30_000n), withStake(10_000n)]); // 40 + 20 = 60k remain: not > 2/3
    await submitAndCheck(await decide(header, (v) => (bad.has(v) ? (w) => blsSign(w, other) : honest)), {
      kind: "ecdsa",
      signers: 4,
      signedStake: TOTAL_STAKE,
      attempts: [{ outcome: "refused", error: "CertificateInvalidBlsSignature" }, { outcome: "mined" }],
      dropped: 2,
    });
  });

  it("drops a share with a flipped byte (not a curve point) without sending it, and certifies BLS with 3", async () => {
    const header = await nextHeader();
    const flipper = withStake(20_000n);
    const flipped: ShareMaker = (v, digest) => {
      const share = blsSign(v, digest);
      share[127]! ^= 0x01; // lowest bit of y: (x, y ^ 1) is off the curve
      return share;
    };
    const decided = await decide(header, (v) => (v === flipper ? flipped : honest));
    const sent = decided.commit.signatures.find((s) => s.signer === flipper.signer.toLowerCase())!;
    expect(() => decodeG1(getBytes(sent.bls))).to.throw(Eip2537DecodeError);
    await submitAndCheck(decided, {
      kind: "bls",
      signers: 3,
      signedStake: TOTAL_STAKE - flipper.stake,
      attempts: [{ outcome: "mined" }], // refused locally: the undecodable aggregate never reached the chain
      dropped: 1,
    });
  });

  it("drops an all-0x01 share (not a field encoding) and certifies BLS with 3", async () => {
    const header = await nextHeader();
    const junk = withStake(10_000n);
    await submitAndCheck(await decide(header, (v) => (v === junk ? () => new Uint8Array(128).fill(1) : honest)), {
      kind: "bls",
      signers: 3,
      signedStake: TOTAL_STAKE - junk.stake,
      attempts: [{ outcome: "mined" }],
      dropped: 1,
    });
  });

  it("drops a share that cancels the others (aggregate at infinity, refused by the chain) and certifies BLS with 3", async () => {
    const header = await nextHeader();
    const digest = await precommitDigest(deployed, header);
    const canceller = withStake(30_000n);
    const others = [...validators.values()].filter((v) => v !== canceller).map((v) => blsSign(v, digest));
    // a valid subgroup point, so it aggregates locally: -(sum of the other shares)
    const cancelling = negateG1(aggregateSignatures(others));
    await submitAndCheck(await decide(header, (v) => (v === canceller ? () => cancelling : honest)), {
      kind: "bls",
      signers: 3,
      signedStake: TOTAL_STAKE - canceller.stake,
      attempts: [{ outcome: "refused", error: "BLSPointAtInfinity" }, { outcome: "mined" }],
      dropped: 1,
    });
  });
});
