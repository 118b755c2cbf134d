// Whole-transaction gas of the certified-checkpoint path on the deployed protocol: advanceEpoch and
// submitCheckpoint (BLS and ECDSA) with N = 4, 16, 64, 100 registered validators, a reward claim and
// a task finalization.   hardhat run scripts/bench/checkpoint-gas.ts   (BENCH_JSON=path writes JSON)
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { network } from "hardhat";
import { AbiCoder, Wallet, type ContractTransactionResponse } from "ethers";
import { headerHash, ZERO_HASH } from "../../keeper/src/checkpoint/header.js";
import { proofOf, rootOf } from "../../keeper/src/checkpoint/leaves.js";
import { deployProtocol } from "../lib/deploy.js";
import { REPO_ROOT } from "../lib/deployment-file.js";
import { loadGenesisConfig } from "../lib/genesis-config.js";
import { blsCertificate, ecdsaCertificate, makeHeader } from "../../test/helpers/checkpoints.js";
import { advanceEpoch, registerOperators, OPEN } from "../../test/helpers/operators.js";

const conn = await network.create();
const { ethers, networkHelpers } = conn;
const hardfork = (conn.networkConfig as { hardfork?: string }).hardfork ?? "unknown";

async function gas(tx: Promise<ContractTransactionResponse>): Promise<number> {
  return Number((await (await tx).wait())!.gasUsed);
}

export interface CheckpointGasRow {
  validators: number;
  advanceEpoch: number;
  submitBls: number;
  submitBls10pct: number;
  submitEcdsa: number;
}

const rows: CheckpointGasRow[] = [];
let claimGas = 0;
let claimGas2 = 0;
let claimGas3 = 0;
let pushGas = 0;
let finalizeGas2 = 0;
let finalizeGas = 0;
for (const n of [4, 16, 64, 100]) {
  const cfg = loadGenesisConfig(join(REPO_ROOT, "deployments", "config", "localhost.json"));
  cfg.protocol.staking.maxValidators = 128;
  const signers = await ethers.getSigners();
  const deployer = signers[0];
  const d = await deployProtocol(deployer!, cfg, { localAccounts: signers.map((s) => s.address) });
  // n funded owners
  const owners = [];
  for (let i = 0; i < n; i++) {
    const w = Wallet.createRandom().connect(ethers.provider);
    await networkHelpers.setBalance(w.address, 10n ** 20n);
    await (await d.token.connect(deployer!).transfer(w.address, 20_000n * OPEN)).wait();
    owners.push(await ethers.getImpersonatedSigner(w.address));
  }
  const ops = await registerOperators(d, owners, owners.map((_, i) => (10_000n + BigInt(i)) * OPEN), `bench${n}`);
  const bySigner = new Map(ops.map((o) => [o.validator.signer, o.validator]));
  await advanceEpoch(d, networkHelpers);
  await networkHelpers.time.increaseTo(await d.validatorSets.nextEpochTime());
  const advanceGas = await gas(d.validatorSets.advanceEpoch());
  const { tree } = await advanceEpoch(d, networkHelpers); // epoch 3: set is the same; take its tree
  const all = tree.members.map((m) => m.index);
  const tenPct = all.slice(Math.floor(n / 10));

  const h1 = makeHeader({ epoch: 3n, height: 1n });
  const submitBls = await gas(d.checkpoints.submitCheckpointBls(h1, await blsCertificate(d, tree, bySigner, h1, all)));
  const h2 = makeHeader({ epoch: 3n, height: 2n, parentHash: headerHash(h1) });
  const submitBls10 = await gas(
    d.checkpoints.submitCheckpointBls(h2, await blsCertificate(d, tree, bySigner, h2, tenPct)),
  );
  const h3 = makeHeader({ epoch: 3n, height: 3n, parentHash: headerHash(h2) });
  const submitEcdsa = await gas(
    d.checkpoints.submitCheckpointEcdsa(h3, await ecdsaCertificate(d, tree, bySigner, h3, all)),
  );
  rows.push({ validators: n, advanceEpoch: advanceGas, submitBls, submitBls10pct: submitBls10, submitEcdsa });

  if (n === 4) {
    // a reward claim (tree of 100 operators' leaves) and a task finalization
    const operator = ops[0]!.owner.address;
    const leaves = Array.from({ length: 100 }, (_, i) => [BigInt(i), i === 0 ? operator : Wallet.createRandom().address, 1n * OPEN]);
    // rewards of epoch 3 go in a header of epoch 4
    const { tree: t4 } = await advanceEpoch(d, networkHelpers);
    const h4 = makeHeader({
      epoch: 4n,
      height: 4n,
      parentHash: headerHash(h3),
      rewardsRoot: rootOf("reward", leaves),
      totalRewards: 100n * OPEN,
    });
    const user = deployer!;
    await (await d.token.connect(user).approve(await d.tasks.getAddress(), 10n * OPEN)).wait();
    const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
    await (await d.tasks.connect(user).postTask(ZERO_HASH, ZERO_HASH, "", 5n * OPEN, 1, deadline)).wait();
    await (await d.tasks.connect(user).postTask(ZERO_HASH, ZERO_HASH, "", 5n * OPEN, 1, deadline)).wait();
    // an http-oracle round's leaf carries its value: abi.encode(int256)
    const r = AbiCoder.defaultAbiCoder().encode(["int256"], [42n]);
    const taskLeaves = [[1n, 0n, r, [operator]], ...Array.from({ length: 63 }, (_, i) => [BigInt(i + 2), 0n, r, [operator]])];
    h4.taskRoot = rootOf("taskResult", taskLeaves);
    await (await d.checkpoints.submitCheckpointBls(h4, await blsCertificate(d, t4, bySigner, h4, [0, 1, 2, 3]))).wait();
    claimGas = await gas(d.rewards.claim(3n, 0n, operator, 1n * OPEN, proofOf("reward", leaves, 0)));
    // another leaf of the same epoch: another operator's first claim (as the first one, a new claims word)
    claimGas2 = await gas(d.rewards.claim(3n, 1n, leaves[1]![1] as string, 1n * OPEN, proofOf("reward", leaves, 1)));
    pushGas = await gas(d.rewards.pushRewards(operator, 3n, 3n));
    finalizeGas = await gas(
      d.tasks.finalizeTask(1n, 0, r, [operator], h4, proofOf("taskResult", taskLeaves, 0)),
    );
    // the same executor again: its earnings slot already exists
    finalizeGas2 = await gas(d.tasks.finalizeTask(2n, 0, r, [operator], h4, proofOf("taskResult", taskLeaves, 1)));
    // the typical claim: the same operator's claim of the next epoch (its claims word exists, pushed in between)
    const { tree: t5 } = await advanceEpoch(d, networkHelpers);
    const h5 = makeHeader({
      epoch: 5n,
      height: 5n,
      parentHash: headerHash(h4),
      rewardsRoot: rootOf("reward", leaves),
      totalRewards: 100n * OPEN,
    });
    await (await d.checkpoints.submitCheckpointBls(h5, await blsCertificate(d, t5, bySigner, h5, [0, 1, 2, 3]))).wait();
    claimGas3 = await gas(d.rewards.claim(4n, 0n, operator, 1n * OPEN, proofOf("reward", leaves, 0)));
  }
}

console.log(`\nCertified-checkpoint path, whole transactions (hardfork: ${hardfork})\n`);
console.log("| validators | advanceEpoch | submitCheckpoint BLS (all sign) | BLS (10% not signing) | ECDSA (all sign) |");
console.log("|---:|---:|---:|---:|---:|");
for (const r of rows) {
  const f = (x: number) => x.toLocaleString("en-US");
  console.log(`| ${r.validators} | ${f(r.advanceEpoch)} | ${f(r.submitBls)} | ${f(r.submitBls10pct)} | ${f(r.submitEcdsa)} |`);
}
console.log(`\nreward claim (100-leaf tree, first of the epoch): ${claimGas.toLocaleString("en-US")} gas`);
console.log(`reward claim (another leaf of the same epoch): ${claimGas2.toLocaleString("en-US")} gas`);
console.log(`reward claim (the same operator, next epoch, its claims word exists): ${claimGas3.toLocaleString("en-US")} gas`);
console.log(`pushRewards (credited rewards into the operator's staking pool): ${pushGas.toLocaleString("en-US")} gas`);
console.log(`task finalize (64-leaf taskRoot, 1 executor, first): ${finalizeGas.toLocaleString("en-US")} gas`);
console.log(`task finalize (same executor again): ${finalizeGas2.toLocaleString("en-US")} gas`);
if (process.env.BENCH_JSON) {
  writeFileSync(process.env.BENCH_JSON, JSON.stringify({ hardfork, rows, claimGas, claimGas2, claimGas3, pushGas, finalizeGas, finalizeGas2 }, null, 2));
}
