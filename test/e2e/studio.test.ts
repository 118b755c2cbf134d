// Xnode Studio in a real browser: Debian's headless Chromium (playwright-core) opens the page a
// real keeper serves at /studio, against a real local chain (hardhat node) where it and a second
// keeper certify checkpoints over a real libp2p mesh. A test wallet injected as window.ethereum
// signs with a funded chain account. One browser for every test; each test saves a screenshot of
// its final screen under test-output/studio/ (scripts/studio-screenshots.ts copies two into docs/).
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { Writable } from "node:stream";
import { expect } from "chai";
import { encodeBytes32String, id, parseEther, Wallet, type JsonRpcSigner } from "ethers";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { epochSetFromEventArgs, treeOfEpoch } from "../../keeper/src/checkpoint/epoch.js";
import type { Header } from "../../keeper/src/checkpoint/header.js";
import type { ResourceLeaf } from "../../keeper/src/por/aggregate.js";
import { proofOf, resourceLeaf, rootOf } from "../../keeper/src/checkpoint/leaves.js";
import { createLogger, LogSummary } from "../../keeper/src/observability/index.js";
import { KeeperCluster } from "../../scripts/lib/keeper-cluster.js";
import { reverseModule } from "../../scripts/lib/demo/job-step.js";
import { workspaceS3 } from "../../scripts/lib/workspace-client.js";
import { blsCertificate, makeHeader } from "../helpers/checkpoints.js";
import { chromiumOrSkipReason, launchChromium, screenshotDir } from "../helpers/browser.js";
import { TestWallet } from "../helpers/test-wallet.js";
import type { TestValidator } from "../helpers/validators.js";
import { DEMO_CLAIMS, DEMO_POR } from "../../scripts/lib/demo/por-step.js";

const OPEN = 10n ** 18n;
/** /por as the keeper serves it (keeper/src/por/service.ts) */
interface PorStatus {
  decided: Array<{ epoch: number; height: string; reports: number; leaves: ResourceLeaf[] }>;
}
/** the demo's small PoR sizes (four keepers prove each other on one machine), challenges 1 s apart */
const POR = { ...DEMO_POR, staggerMs: 1_000 };

/** Polls `check` until it holds (the page's CSP forbids Playwright's string predicates). */
async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("e2e: Xnode Studio in headless Chromium against a real keeper and chain", function () {
  this.timeout(120_000);
  let cluster: KeeperCluster;
  let browser: Browser;
  let deployer: JsonRpcSigner;
  let studioUrl: string;
  const contexts: BrowserContext[] = [];
  const wallets: TestWallet[] = [];
  const logSummary = new LogSummary();

  before(async function () {
    const found = chromiumOrSkipReason();
    if ("skip" in found) {
      console.log(`      ${found.skip}`);
      this.skip();
    }
    // the keeper logs at info into a sink; its summary (/logs) is what the keeper view shows
    const sink = new Writable({ write: (_chunk, _enc, done) => done() });
    const logger = createLogger({ level: "info", summary: logSummary, destination: sink });
    // both are kept even when the other fails, so that after() closes them (an open browser keeps mocha alive)
    const [started, launched] = await Promise.allSettled([
      // two keepers: a mesh to draw, certificates of two signers
      KeeperCluster.start({
        keepers: 2,
        // small claims, proven at small sizes (as in por.test.ts); two keepers: each is the other's one verifier
        // (the governed rules, set on chain before epoch 1)
        registerArgs: () => DEMO_CLAIMS,
        por: () => POR,
        porRules: { verifiers: 1, quorum: 1, faultTolerancePct: 20 },
        // the page's Claim and Push buttons are what claims and pushes rewards here
        rewards: () => ({ autoPush: false }),
        logger: (i) => (i === 0 ? logger : createLogger({ level: "silent" })),
        logSummary: (i) => (i === 0 ? logSummary : undefined),
      }),
      launchChromium(found.path),
    ]);
    if (launched.status === "fulfilled") browser = launched.value;
    if (started.status === "fulfilled") cluster = started.value;
    for (const r of [started, launched]) if (r.status === "rejected") throw r.reason;
    deployer = await cluster.provider.getSigner(0);
    studioUrl = `http://127.0.0.1:${cluster.keepers[0]!.server.port}/studio/`;
  });

  afterEach(async function () {
    // a failed test leaves its screen too, to see what the page showed
    if (this.currentTest?.state !== "failed") return;
    for (const c of contexts)
      for (const p of c.pages()) await shot(p, `failed-${contexts.indexOf(c)}`).catch(() => undefined);
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    for (const w of wallets) w.destroy();
    await browser?.close();
    await cluster?.stop();
  });

  /** A fresh account with ETH for gas and `open` OPEN, injected into a new browser context. */
  async function openWithWallet(open: bigint, viewport = { width: 1280, height: 900 }) {
    const key = Wallet.createRandom().privateKey;
    const wallet = new TestWallet({ rpcUrl: cluster.chain.url, privateKey: key, chainId: 31337n });
    wallets.push(wallet);
    await (await deployer.sendTransaction({ to: wallet.address, value: parseEther("10") })).wait();
    if (open > 0n) await (await cluster.deployed.token.connect(deployer).transfer(wallet.address, open)).wait();
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    await wallet.inject(context);
    const page = await context.newPage();
    return { wallet, page };
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(screenshotDir(), `${name}.png`), fullPage: true });
  }

  it("shows the network live: operators with stake, and a new certified checkpoint appears without a reload", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(studioUrl);
    const rows = page.locator('[data-testid="checkpoints"] tbody tr[data-height]');
    await rows.first().waitFor({ timeout: 30_000 });
    const first = Number(await rows.first().getAttribute("data-height"));
    // the keeper certifies a checkpoint per height: a later one shows up by polling alone
    await until(async () => Number(await rows.first().getAttribute("data-height")) > first, 30_000);
    const top = rows.first();
    const height = BigInt((await top.getAttribute("data-height"))!);
    // details the keeper could not read yet (a busy chain) come with a later poll
    const row = rows.and(page.locator(`[data-height="${height}"]`));
    const filled = async () => (await row.locator("td").allInnerTexts()).slice(3, 5).every((t) => t !== "–");
    await until(filled, 10_000).catch(() => undefined); // (then the checks below say what is missing)
    const cells = await row.locator("td").allInnerTexts();
    expect(cells[2]).to.equal("BLS");
    expect(cells[3]).to.equal("2 of 2");
    // the gas shown is the certifying transaction's, as the chain recorded it
    const [log] = await cluster.deployed.checkpoints.queryFilter(
      cluster.deployed.checkpoints.filters.CheckpointCertified(undefined, height),
    );
    const receipt = await cluster.provider.getTransactionReceipt(log!.transactionHash);
    expect(cells[4]).to.equal(receipt!.gasUsed.toLocaleString("en-US"));
    await page.locator('[data-testid="operators"] tbody tr').first().waitFor({ timeout: 10_000 });
    const operators = await page.locator('[data-testid="operators"] tbody tr').allInnerTexts();
    expect(operators).to.have.length(2);
    // by stake: keeper 1 staked 21,000, keeper 0 (this one) 20,000
    expect(operators[0]).to.include("21,000").and.not.include("(this keeper)");
    expect(operators[1]).to.include("(this keeper)").and.include("20,000");
    // the mesh, drawn: both operators, and the link between them once a round trip is measured
    const [self, other] = [cluster.keepers[0]!.operator.toLowerCase(), cluster.keepers[1]!.operator.toLowerCase()];
    const mesh = page.getByTestId("mesh");
    await mesh.locator(`[data-node="${self}"] circle.mesh-self`).waitFor({ timeout: 10_000 });
    await mesh.locator(`[data-node="${other}"] circle`).waitFor({ timeout: 10_000 });
    await mesh.locator(`[data-edge="${[self, other].sort().join("|")}"]`).waitFor({ timeout: 20_000 });
    const peer = await mesh.locator(`[data-peer="${other}"]`).innerText();
    expect(peer).to.match(/\d+\.\d \/ \d+\.\d ms/);
    expect(await page.locator("figure.chart canvas").count()).to.equal(2);
    await shot(page, "network");
  });

  it("delegates through an injected wallet (a refused delegation explained in words), undelegates and withdraws after unbonding", async () => {
    const { wallet, page } = await openWithWallet(5_000n * OPEN);
    await page.goto(studioUrl + "#/stake");
    await page.getByRole("button", { name: "Connect wallet" }).click();
    await page.getByTestId("wallet-account").waitFor();
    const status = page.getByTestId("tx-status");
    const operator = cluster.keepers[0]!.operator;
    await page.getByLabel("Operator").selectOption(operator);

    await page.getByLabel("Amount (OPEN)").fill("0");
    await page.getByRole("button", { name: "Delegate", exact: true }).click();
    await status.filter({ hasText: "Failed" }).waitFor({ timeout: 20_000 });
    expect(await status.innerText()).to.include("StakingZeroAmount()");

    await page.getByLabel("Amount (OPEN)").fill("1000");
    await page.getByRole("button", { name: "Delegate", exact: true }).click();
    await status.filter({ hasText: "Confirmed" }).waitFor({ timeout: 30_000 });
    const position = await cluster.deployed.staking.positionOf(operator, wallet.address);
    expect(position.stake).to.be.closeTo(1_000n * OPEN, OPEN / 1000n);
    expect(wallet.calls.filter((m) => m === "eth_sendTransaction")).to.have.length(2); // approve, delegate
    await page.locator('[data-testid="positions"] tbody tr').first().waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid="positions"]').innerText()).to.include("1,000");
    await shot(page, "stake");

    // undelegate, then withdraw once the unbonding period is over (the chain's clock moved on)
    await page.getByRole("button", { name: "Undelegate all" }).click();
    await status.filter({ hasText: "Confirmed" }).filter({ hasText: "Undelegate" }).waitFor({ timeout: 30_000 });
    const request = page.locator('[data-testid="unbonding"] tbody tr').first();
    await request.waitFor({ timeout: 10_000 });
    expect(await request.getByRole("button", { name: "Withdraw" }).isDisabled()).to.equal(true);
    await cluster.provider.send("evm_increaseTime", [Number(await cluster.deployed.staking.unbondingPeriod()) + 1]);
    await cluster.provider.send("evm_mine", []);
    await request.filter({ hasText: "now" }).waitFor({ timeout: 20_000 });
    await request.getByRole("button", { name: "Withdraw" }).click();
    await status.filter({ hasText: "Confirmed" }).filter({ hasText: "Withdraw" }).waitFor({ timeout: 30_000 });
    expect(await cluster.deployed.token.balanceOf(wallet.address)).to.be.closeTo(5_000n * OPEN, OPEN / 1000n);
    await page.getByText("Nothing unbonding.").waitFor({ timeout: 10_000 });
  });

  it("votes for an active proposal from the Govern page", async () => {
    const { wallet, page } = await openWithWallet(3_000n * OPEN);
    const { token, governor, checkpoints } = cluster.deployed;
    // votes count once delegated, before the proposal's snapshot
    await (await token.connect(wallet.wallet).delegate(wallet.address)).wait();
    const target = await checkpoints.getAddress();
    const calldata = checkpoints.interface.encodeFunctionData("setCheckpointInterval", [1n]);
    const description = `Keep checkpointInterval at 1 (studio test ${Date.now()})`;
    await (await governor.connect(deployer).propose([target], [0n], [calldata], description)).wait();
    const proposalId = await governor.hashProposal([target], [0n], [calldata], id(description));
    await cluster.provider.send("evm_increaseTime", [Number(await governor.votingDelay()) + 1]);
    await cluster.provider.send("evm_mine", []);

    await page.goto(studioUrl + "#/govern");
    await page.getByRole("button", { name: "Connect wallet" }).click();
    const card = page.locator("li.proposal", { hasText: description });
    await card.getByTestId("proposal-state").filter({ hasText: "Active" }).waitFor({ timeout: 20_000 });
    await card.getByRole("button", { name: "Vote for" }).click();
    await page.getByTestId("tx-status").filter({ hasText: "Confirmed" }).waitFor({ timeout: 30_000 });
    expect(await governor.hasVoted(proposalId, wallet.address)).to.equal(true);
    const votes = await governor.proposalVotes(proposalId);
    expect(votes.forVotes).to.equal(3_000n * OPEN);
    await card.getByText("You voted on this proposal.").waitFor({ timeout: 30_000 }); // the page polls; slow under load
    expect(await card.getByTestId("proposal-votes").innerText()).to.include("3,000");
    expect(await page.locator('[data-testid="parameters"] tbody tr').count()).to.be.greaterThan(20);
    // the governed service split (default 50%) and PoR rules (this cluster's: 1 verifier, 20%), read from the chain
    const valueOf = (name: string) =>
      page.locator('[data-testid="parameters"] tbody tr', { hasText: name }).locator("td").nth(1);
    await valueOf("Rewards share for proven service")
      .filter({ hasText: /^50(\.0+)?%$/ })
      .waitFor({ timeout: 10_000 });
    await valueOf("PoR verifiers per operator").filter({ hasText: /^1$/ }).waitFor({ timeout: 10_000 });
    await valueOf("PoR fault tolerance").filter({ hasText: /^20%$/ }).waitFor({ timeout: 10_000 });
    await shot(page, "govern");
  });

  it("shows each operator's PoR leaf as the keeper's /por has it, next to its claim on chain", async () => {
    const base = `http://127.0.0.1:${cluster.keepers[0]!.server.port}`;
    const newest = async () => {
      const por = (await (await fetch(`${base}/por`)).json()) as PorStatus;
      return por.decided
        .filter((d) => d.leaves.length > 0)
        .sort((a, b) => b.epoch - a.epoch || Number(BigInt(b.height) - BigInt(a.height)))[0];
    };
    // the keepers prove each other once an epoch's challenges are reported and decided
    await until(async () => (await newest())?.leaves.length === 2, 90_000);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(studioUrl);
    const table = page.getByTestId("por-leaves");
    await table.locator("tbody tr").nth(1).waitFor({ timeout: 20_000 });
    /** what the page shows against what the endpoint says now: the same epoch, reports and leaves; the page
     * polls every 5 s, so its decided height may be a few behind (a leaf only changes with a new report) */
    const compare = async () => {
      const d = (await newest())!;
      const shown = await page.getByTestId("por-epoch").innerText();
      const m = /^Epoch (\d+), decided at height ([\d,]+) from (\d+) signed report/.exec(shown);
      if (!m) return `unreadable: ${shown}`;
      const [epoch, height, reports] = [Number(m[1]), BigInt(m[2]!.replace(/,/g, "")), Number(m[3])];
      if (epoch !== d.epoch || reports !== d.reports || height > BigInt(d.height))
        return `${shown} / ${JSON.stringify(d)}`;
      for (const leaf of d.leaves) {
        const claim = await cluster.deployed.staking.resourcesOf(leaf.operator);
        const row = table.locator(`tbody tr[data-operator="${leaf.operator.toLowerCase()}"]`);
        const cell = (m: string) => row.locator(`td[data-measure="${m}"]`).innerText();
        const want: Record<string, string> = {
          cpu: `${leaf.cpuCores} of ${claim.cpuCores} cores`,
          memory: `${leaf.memoryMiB} of ${claim.memoryMiB} MiB`,
          storage: `${leaf.storageGiB} of ${claim.storageGiB} GiB`,
          bandwidth: `${leaf.bandwidthMbps} of ${claim.bandwidthMbps} Mbit/s`,
          latency: `${leaf.latencyUs.toLocaleString("en-US")} µs`,
          uptime: `${(Math.floor(leaf.uptimeBps / 10) / 10).toFixed(1)}%`, // the page truncates
        };
        for (const [m, text] of Object.entries(want))
          if ((await cell(m)) !== text) return `${m}: ${await cell(m)} / ${text}`;
      }
      return "";
    };
    let mismatch = "";
    await until(async () => (mismatch = await compare()) === "", 20_000).catch(() => expect.fail(mismatch));
    // honest keepers with small claims: proven as claimed (the claims are the registered ones)
    const self = table.locator(`tbody tr[data-operator="${cluster.keepers[0]!.operator.toLowerCase()}"]`);
    expect(await self.innerText())
      .to.include("(this keeper)")
      .and.include("1 of 1 cores")
      .and.include("64 of 64 MiB");
    await page.locator('[data-testid="operators"] tbody tr').first().waitFor({ timeout: 20_000 });
    await shot(page, "network-por");
  });

  /** moves the chain's clock on by `seconds` (and mines a block at the new time) */
  async function later(seconds: bigint | number): Promise<void> {
    await cluster.provider.send("evm_increaseTime", [Number(seconds)]);
    await cluster.provider.send("evm_mine", []);
  }

  it("queues a passed proposal in the timelock and executes it from the Govern page; the parameter changes", async () => {
    const { page } = await openWithWallet(0n);
    const { token, governor, timelock, tasks } = cluster.deployed;
    const me = await deployer.getAddress();
    // the deployer's OPEN carries the vote past the quorum
    await (await token.connect(deployer).delegate(me)).wait();
    const target = await tasks.getAddress();
    const value = (await tasks.finalizeGracePeriod()) + 15n;
    const calldata = tasks.interface.encodeFunctionData("setFinalizeGracePeriod", [value]);
    const description = `Task finalize grace period to ${value} s (studio test ${Date.now()})`;
    await (await governor.connect(deployer).propose([target], [0n], [calldata], description)).wait();
    const proposalId = await governor.hashProposal([target], [0n], [calldata], id(description));
    await later((await governor.votingDelay()) + 1n);
    await (await governor.connect(deployer).castVote(proposalId, 1)).wait();
    await later((await governor.votingPeriod()) + 1n);
    expect(await governor.state(proposalId)).to.equal(4n); // Succeeded

    await page.goto(studioUrl + "#/govern");
    await page.getByRole("button", { name: "Connect wallet" }).click();
    const card = page.locator("li.proposal", { hasText: description });
    const state = card.getByTestId("proposal-state");
    const status = page.getByTestId("tx-status");
    await state.filter({ hasText: "Succeeded" }).waitFor({ timeout: 20_000 });
    await card.getByRole("button", { name: "Queue in the timelock" }).click();
    await status.filter({ hasText: "Confirmed" }).filter({ hasText: "Queue" }).waitFor({ timeout: 30_000 });
    expect(await governor.state(proposalId)).to.equal(5n); // Queued
    await state.filter({ hasText: "Queued" }).waitFor({ timeout: 20_000 });
    const execute = card.getByRole("button", { name: "Execute" });
    expect(await execute.isDisabled(), "executable before the timelock's delay").to.equal(true);
    await later((await timelock.getMinDelay()) + 1n);
    await until(async () => !(await execute.isDisabled()), 20_000);
    await execute.click();
    await status.filter({ hasText: "Confirmed" }).filter({ hasText: "Execute" }).waitFor({ timeout: 30_000 });
    expect(await governor.state(proposalId)).to.equal(7n); // Executed
    expect(await tasks.finalizeGracePeriod()).to.equal(value);
    await state.filter({ hasText: "Executed" }).waitFor({ timeout: 20_000 });
    const param = page.locator('[data-testid="parameters"] tbody tr', { hasText: "Task finalize grace period" });
    await param.filter({ hasText: `${value} s` }).waitFor({ timeout: 20_000 });
    await shot(page, "govern-execute");
  });

  it("claims an operator's certified reward by its proof and pushes it into the pool from the Stake page", async () => {
    const { rewards, validatorSets } = cluster.deployed;
    const { wallet, page } = await openWithWallet(0n);
    // end the epoch: its rewards come with the next epoch's first certified header; no keeper claims them (auto-push off)
    const epoch = await validatorSets.currentEpoch();
    const now = BigInt((await cluster.provider.getBlock("latest"))!.timestamp);
    const next = await validatorSets.nextEpochTime();
    if (next > now) await later(next - now + 1n);
    await (await validatorSets.connect(deployer).advanceEpoch()).wait();
    await until(async () => (await rewards.epochRewards(epoch)).recorded, 60_000);
    const operator = cluster.keepers[0]!.operator;

    await page.goto(studioUrl + "#/stake");
    await page.getByRole("button", { name: "Connect wallet" }).click();
    const row = page.locator(
      `[data-testid="reward-claims"] tbody tr[data-reward="${epoch}-${operator.toLowerCase()}"]`,
    );
    await row.waitFor({ timeout: 30_000 });
    expect(await rewards.isClaimed(epoch, operator)).to.equal(false);
    const push = row.getByRole("button", { name: "Push to pool" });
    expect(await push.isDisabled(), "push before the claim").to.equal(true);
    const status = page.getByTestId("tx-status");
    await row.getByRole("button", { name: "Claim" }).click();
    await status.filter({ hasText: "Confirmed" }).filter({ hasText: "Claim epoch" }).waitFor({ timeout: 30_000 });
    expect(await rewards.isClaimed(epoch, operator)).to.equal(true);
    const credited = await rewards.credited(operator, epoch, epoch);
    expect(credited > 0n, "credited by the claim").to.equal(true);
    await until(async () => !(await push.isDisabled()), 20_000);
    await push.click();
    await status.filter({ hasText: "Confirmed" }).filter({ hasText: "Push epoch" }).waitFor({ timeout: 30_000 });
    expect(await rewards.credited(operator, epoch, epoch)).to.equal(0n);
    const pushed = await rewards.queryFilter(rewards.filters.RewardsPushed(operator));
    const last = pushed.at(-1)!;
    expect(last.args.amount).to.equal(credited);
    expect((await last.getTransaction()).from).to.equal(wallet.address); // the page's transaction
    await row.getByRole("button", { name: "Claimed" }).waitFor({ timeout: 10_000 });
    await shot(page, "stake-rewards");
  });

  it("is usable at a phone's width: every control is labelled, nothing overflows, the keeper view reports health and its log summary", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    contexts.push(context);
    const page = await context.newPage();
    for (const route of ["#/network", "#/stake", "#/govern", "#/rent", "#/keeper"]) {
      await page.goto(studioUrl + route);
      await page.locator("main h1").waitFor();
      // the page's own code runs in the browser: passed as text (this file is type-checked for Node)
      const unlabelled = await page.evaluate<string[]>(`[...document.querySelectorAll("input, select, button, a[href]")]
        .filter((e) => !(e.id && document.querySelector('label[for="' + e.id + '"]')) && !e.getAttribute("aria-label") && !(e.textContent ?? "").trim())
        .map((e) => e.outerHTML.slice(0, 80))`);
      expect(unlabelled, route).to.deep.equal([]);
      const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
      expect(overflow, `${route} is wider than the screen`).to.be.at.most(0);
    }
    await page.getByTestId("keeper-ready").filter({ hasText: "ready" }).waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="metrics"] tbody tr').first().waitFor();
    // the log summary: the lines the keeper logged at info, as counted in the keeper
    const counts = page.getByTestId("log-counts");
    await counts.filter({ hasText: " info" }).waitFor({ timeout: 10_000 });
    expect(logSummary.toJSON().counts.info).to.be.greaterThan(0);
    // keyboard: on a fresh load the skip link is the first stop
    await page.reload();
    await page.locator("main h1").waitFor();
    await page.keyboard.press("Tab");
    expect(await page.evaluate<string>("document.activeElement?.textContent")).to.equal("Skip to content");
    await shot(page, "keeper-phone");
  });

  // Last: it stops the keepers' consensus (their servers keep serving the page) so that the test can certify a
  // header with a porRoot itself, with the keepers' own validator keys, as the PoR part will once merged.
  it("rents a DVM with a permit (one signature, one transaction), signs in to its workspace, gets working S3 keys, uploads, downloads and deletes a file and runs a job in the page, lends it with setUser; the operator's proven resources show", async () => {
    const keeper = cluster.keepers[0]!;
    const { checkpoints, market, dvm, validatorSets } = cluster.deployed;
    for (const k of cluster.keepers) await k.consensus?.stop();
    let latest = await checkpoints.latestHeight();
    for (let settled = 0; settled < 3;) {
      await new Promise((r) => setTimeout(r, 500));
      const now = await checkpoints.latestHeight();
      settled = now === latest ? settled + 1 : 0;
      latest = now;
    }
    const operator = keeper.operator;
    const resources = {
      cpuCores: 8n,
      bandwidthMbps: 1000n,
      memoryMiB: 16_384n,
      storageGiB: 500n,
      latencyUs: 900n,
      uptimeBps: 10_000n,
    };
    const epoch = await validatorSets.currentEpoch();
    const [epochLog] = await validatorSets.queryFilter(validatorSets.filters.EpochAdvanced(epoch));
    const tree = treeOfEpoch(epochSetFromEventArgs(epochLog!.args, epochLog!.blockNumber));
    const bySigner = new Map<string, TestValidator>();
    for (const k of cluster.keepers) {
      const index = tree.members.findIndex((m) => m.signer === k.identity.signerAddress);
      bySigner.set(k.identity.signerAddress, {
        ...tree.member(index),
        wallet: k.identity.signer,
        blsSecret: k.identity.bls.secretKey,
      });
    }
    const values = [resourceLeaf(operator, resources)];
    const all = tree.members.map((m) => m.index);
    // a submission the keepers had in flight may still land: certify on top of the latest, again if beaten to it
    let header: Header | undefined;
    for (let attempt = 1; !header; attempt++) {
      const top = await checkpoints.latestHeight();
      const next = makeHeader({
        epoch,
        height: top + 1n,
        parentHash: await checkpoints.checkpointHash(top),
        porRoot: rootOf("resource", values),
      });
      const cert = await blsCertificate(cluster.deployed, tree, bySigner, next, all);
      try {
        await (await checkpoints.connect(deployer).submitCheckpointBls(next, cert)).wait();
        header = next;
      } catch (err) {
        if (attempt === 3) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    const provider = await cluster.provider.getSigner(operator);
    await (
      await market.connect(provider).proveResources(header, operator, resources, proofOf("resource", values, 0))
    ).wait();
    const spec = { cpuCores: 2n, bandwidthMbps: 250n, memoryMiB: 4096n, storageGiB: 100n };
    await (await market.connect(provider).listOffer(spec, encodeBytes32String("local"), 3n * OPEN, 2)).wait();

    const { wallet, page } = await openWithWallet(100n * OPEN);
    await page.goto(studioUrl + "#/rent");
    await page.getByRole("button", { name: "Connect wallet" }).click();
    await page.getByTestId("wallet-account").waitFor();
    const offer = page.locator('[data-testid="offers"] tbody tr[data-offer]');
    await offer.first().waitFor({ timeout: 20_000 });
    expect(await offer.first().innerText())
      .to.include("2 cores")
      .and.include("(this keeper)")
      .and.include("0 of 2");
    const offerId = BigInt((await offer.first().getAttribute("data-offer"))!);
    await page.getByLabel("Hours to rent").fill("2");
    await page.getByRole("button", { name: `Rent offer #${offerId}` }).click();
    const status = page.getByTestId("tx-status");
    await status.filter({ hasText: "Confirmed" }).waitFor({ timeout: 30_000 });
    // a permit, not an approve: one typed-data signature and one transaction
    expect(wallet.calls.filter((m) => m === "eth_signTypedData_v4")).to.have.length(1);
    expect(wallet.calls.filter((m) => m === "eth_sendTransaction")).to.have.length(1);
    const [rented] = await market.queryFilter(market.filters.LeaseRented(undefined, offerId, wallet.address));
    const tokenId = rented!.args.tokenId;
    expect(rented!.args.escrow).to.equal(6n * OPEN);
    expect(await dvm.ownerOf(tokenId)).to.equal(wallet.address);
    const row = page.locator(`[data-testid="leases"] tbody tr[data-lease="${tokenId}"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.innerText())
      .to.include("Active")
      .and.include("owner");

    // the workspace: sign in with the wallet (EIP-4361), open the lease, get S3 keys that the AWS SDK can use
    const ws = page.getByTestId("workspace");
    await ws.getByRole("button", { name: "Sign in with Ethereum" }).click();
    await ws.getByTestId("session").waitFor({ timeout: 20_000 });
    expect(wallet.calls.filter((m) => m === "personal_sign")).to.have.length(1);
    const openWorkspace = ws.getByRole("button", { name: `Open workspace of lease #${tokenId}` });
    await openWorkspace.click();
    const workspace = ws.getByTestId("workspace-lease");
    await workspace.filter({ hasText: "read-write" }).waitFor({ timeout: 20_000 });
    await workspace.getByRole("button", { name: "Issue S3 keys" }).click();
    await ws.getByTestId("s3-key-id").waitFor({ timeout: 20_000 });
    const s3 = workspaceS3(`http://127.0.0.1:${keeper.server.port}`, {
      accessKeyId: (await ws.getByTestId("s3-key-id").innerText()).trim(),
      secretAccessKey: (await ws.getByTestId("s3-secret").innerText()).trim(),
      expiresAt: "",
    });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: "studio" }));
      await s3.send(new PutObjectCommand({ Bucket: "studio", Key: "hello.txt", Body: "hello from the Studio test" }));
      await openWorkspace.click();
      await workspace.filter({ hasText: "1 object(s)" }).waitFor({ timeout: 20_000 });

      // the files, from the page itself (SigV4 signed in the browser): a bucket, an upload, a download
      const files = ws.getByTestId("files");
      await files.getByLabel("New bucket").fill("uploads");
      await files.getByRole("button", { name: "Create bucket" }).click();
      await files
        .getByTestId("files-status")
        .filter({ hasText: "Bucket uploads created." })
        .waitFor({ timeout: 20_000 });
      expect(await files.getByLabel("Bucket", { exact: true }).locator("option").allInnerTexts()).to.deep.equal([
        "studio",
        "uploads",
      ]);
      const bytes = randomBytes(3000); // not text: any byte must survive the round trip
      await files.getByLabel("File to upload").setInputFiles({
        name: "data.bin",
        mimeType: "application/octet-stream",
        buffer: bytes,
      });
      await files.getByRole("button", { name: "Upload", exact: true }).click();
      const item = files.locator('[data-testid="objects"] tbody tr[data-key="data.bin"]');
      await item.waitFor({ timeout: 20_000 });
      expect(await item.innerText()).to.include("3,000");
      await workspace.filter({ hasText: "2 object(s)" }).waitFor({ timeout: 20_000 });
      // the keeper stored exactly those bytes (read back by another S3 client) ...
      const stored = await s3.send(new GetObjectCommand({ Bucket: "uploads", Key: "data.bin" }));
      expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(bytes)).to.equal(true);
      // ... and the page downloads them back
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        item.getByRole("button", { name: "Download data.bin" }).click(),
      ]);
      expect(download.suggestedFilename()).to.equal("data.bin");
      expect(readFileSync(await download.path()).equals(bytes)).to.equal(true);
      // and deletes them: gone from the list and from the keeper
      await item.getByRole("button", { name: "Delete data.bin" }).click();
      await item.waitFor({ state: "detached", timeout: 20_000 });
      await workspace.filter({ hasText: "1 object(s)" }).waitFor({ timeout: 20_000 });
      const left = await s3.send(new ListObjectsV2Command({ Bucket: "uploads" }));
      expect(left.KeyCount).to.equal(0);
    } finally {
      s3.destroy();
    }

    // a job from the page: a wasm module picked from disk and an input text; its output, its logs, an over-limit end
    const jobs = ws.getByTestId("jobs");
    await jobs.getByLabel("Module (.wasm)").setInputFiles({
      name: "reverse.wasm",
      mimeType: "application/wasm",
      buffer: Buffer.from(await reverseModule()),
    });
    await jobs.getByLabel("Input (text)").fill("hello from the Studio");
    await jobs.getByRole("button", { name: "Run job" }).click();
    const jobStatus = jobs.getByTestId("job-status");
    await jobStatus.filter({ hasText: "succeeded" }).waitFor({ timeout: 30_000 });
    await jobs.getByTestId("job-output").waitFor({ timeout: 10_000 });
    expect(await jobs.getByTestId("job-output").innerText()).to.equal("oidutS eht morf olleh");
    expect((await jobs.getByTestId("job-logs").innerText()).trim()).to.equal("reversing the input");
    await jobs.getByLabel("Fuel limit (optional, below the lease's)").fill("10");
    await jobs.getByRole("button", { name: "Run job" }).click();
    await jobStatus.filter({ hasText: "failed" }).waitFor({ timeout: 30_000 });
    expect(await jobs.getByTestId("job-error").innerText())
      .to.include("out-of-fuel")
      .and.include("over its fuel limit");
    await jobs.getByTestId("job-logs").waitFor({ timeout: 10_000 });
    expect(await jobs.getByTestId("job-output").count(), "a failed job shows no output").to.equal(0);

    const borrower = Wallet.createRandom().address;
    await page.getByLabel("Borrower's address").fill(borrower);
    await page.getByRole("button", { name: "Lend", exact: true }).click();
    await status.filter({ hasText: "Confirmed" }).filter({ hasText: "Lend" }).waitFor({ timeout: 30_000 });
    expect(await dvm.userOf(tokenId)).to.equal(borrower);
    expect(await dvm.userExpires(tokenId)).to.equal((await dvm.lease(tokenId)).end);
    await row.filter({ hasText: borrower.slice(0, 6) }).waitFor({ timeout: 20_000 });
    await shot(page, "rent");
    // the network page shows what the operator proved, and the uptime attested with it
    await page.goto(studioUrl + "#/network");
    const provenRow = page.locator('[data-testid="operators"] tbody tr', { hasText: "8 cores" });
    await provenRow.waitFor({ timeout: 20_000 });
    expect(await provenRow.innerText())
      .to.include("(this keeper)")
      .and.include("16,384 MiB")
      .and.include(`(epoch ${epoch})`)
      .and.include("100.0%");
  });
});
