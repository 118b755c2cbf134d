// Gas of the staking calls with 10 / 100 / 200 operators registered (maxValidators = 100), on Hardhat's
// in-process chain at the configured hardfork. Real BLS keys and proofs of possession (keeper's bls.ts).
//   hardhat run scripts/bench/staking-gas.ts   (BENCH_JSON=path also writes JSON)
import { writeFileSync } from "node:fs";
import { network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { MIN_STAKE, OPEN, deployStaking, registration } from "../../test/contracts/staking/fixtures.js";

const SIZES = [10, 100, 200];

interface Row {
  label: string;
  gas: Map<number, bigint>;
}
const rows: Row[] = [];
function record(label: string, size: number, gas: bigint): void {
  let row = rows.find((r) => r.label === label);
  if (!row) rows.push((row = { label, gas: new Map() }));
  row.gas.set(size, gas);
}
async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  return (await (await tx).wait())!.gasUsed;
}

let hardfork = "unknown";
for (const size of SIZES) {
  const conn = await network.create();
  hardfork = (conn.networkConfig as { hardfork?: string }).hardfork ?? hardfork;
  const { ethers, networkHelpers } = conn;
  const f = await deployStaking(ethers);
  const delegator = f.accounts[0]!;

  // Operators: fresh funded wallets with pseudo-random stakes (ranking positions vary as they join).
  const registerGas: bigint[] = [];
  const operators: string[] = [];
  let seed = 7n;
  for (let i = 0; i < size; i++) {
    const wallet = ethers.Wallet.createRandom().connect(ethers.provider);
    await networkHelpers.setBalance(wallet.address, 10n ** 20n);
    seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
    const stake = MIN_STAKE + (seed % 5_000n) * OPEN;
    await f.token.transfer(wallet.address, stake);
    await f.token.connect(wallet).approve(f.staking, stake);
    registerGas.push(await gasOf(f.staking.connect(wallet).register(registration(wallet.address, `bench-${size}-${i}`, { stake }))));
    operators.push(wallet.address);
  }
  const last = registerGas[registerGas.length - 1]!;
  const max = registerGas.reduce((a, b) => (b > a ? b : a), 0n);
  record("register (last operator)", size, last);
  record("register (max over all)", size, max);

  // Delegation to an operator in the middle of the ranking.
  const target = operators[Math.floor(size / 2)]!;
  record("delegate (first position)", size, await gasOf(f.staking.connect(delegator).delegate(target, 1_000n * OPEN, 0n)));
  record("delegate (top-up)", size, await gasOf(f.staking.connect(delegator).delegate(target, 500n * OPEN, 0n)));
  // A big delegation that lifts the weakest operator from the bottom to the top of the ranking.
  const candidates = await f.staking.validatorCandidates();
  const weakest = candidates[candidates.length - 1]!.operator;
  record(
    "delegate (weakest -> strongest)",
    size,
    await gasOf(f.staking.connect(f.accounts[1]!).delegate(weakest, 100_000n * OPEN, 0n)),
  );
  // Deposits activate at the second epoch boundary after them: this one leaves an activating deposit.
  record("undelegate (activating deposit)", size, await gasOf(f.staking.connect(delegator).undelegate(target, 700n * OPEN)));
  await networkHelpers.time.increase(8 * 24 * 3600);
  record("withdraw", size, await gasOf(f.staking.connect(delegator).withdraw(await f.staking.unbondingRequestCount())));
  record("slash 5% (restricted)", size, await gasOf(f.staking.slash(target, 5n * 10n ** 16n, 0, 0n, 0n)));
  record("distributeRewards (restricted)", size, await gasOf(f.staking.distributeRewards(target, 0n, 100n * OPEN)));

  // advanceEpoch: the first leaves the genesis epoch; the second is a steady-state advance.
  await f.validatorSets.advanceEpoch();
  await networkHelpers.time.increase(3600);
  const setSize = (await f.staking.validatorCandidates()).length;
  record(`advanceEpoch (set = min(N, 100))`, size, await gasOf(f.validatorSets.advanceEpoch()));
  // Epoch 2: the first touch of the pool activates the deposits of epoch 0 (a reward of epoch 1 here), and the
  // delegator's first change converts its activated deposit into bonded shares.
  record(
    "distributeRewards (activates a due epoch)",
    size,
    await gasOf(f.staking.distributeRewards(target, 1n, 100n * OPEN)),
  );
  record("undelegate (bonded, converts)", size, await gasOf(f.staking.connect(delegator).undelegate(target, 100n * OPEN)));
  record("undelegate (bonded)", size, await gasOf(f.staking.connect(delegator).undelegate(target, 100n * OPEN)));
  console.error(`N = ${size}: ${size} operators registered, set of ${setSize} frozen`);
}

console.log(`\nGas, staking (hardfork: ${hardfork}; maxValidators 100; N = operators registered)\n`);
console.log(`| call | ${SIZES.map((n) => `N = ${n}`).join(" | ")} |`);
console.log(`|---|${SIZES.map(() => "---:").join("|")}|`);
for (const row of rows) {
  const cells = SIZES.map((n) => row.gas.get(n)?.toLocaleString("en-US") ?? "-");
  console.log(`| ${row.label} | ${cells.join(" | ")} |`);
}
if (process.env.BENCH_JSON) {
  const json = rows.map((r) => ({ label: r.label, gas: Object.fromEntries([...r.gas].map(([n, g]) => [n, Number(g)])) }));
  writeFileSync(process.env.BENCH_JSON, JSON.stringify({ hardfork, operators: SIZES, rows: json }, null, 2));
}
