// A task's spares (the counting positions after its executors) are fixed when it is posted: the
// governed default is copied into the task, so a later change cannot move an open task's counting
// positions under the keepers validating its rounds.
import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toUtf8Bytes, ZeroHash } from "ethers";
import { asTimelock, OPEN } from "../../helpers/operators.js";
import { deployLocal } from "../../helpers/protocol.js";

const { ethers, networkHelpers } = await network.create();
const kind = keccak256(toUtf8Bytes("http-oracle"));

describe("TaskManager spares: governed default, copied into each task when posted", () => {
  async function fixture() {
    const d = await deployLocal(ethers);
    const signers = await ethers.getSigners();
    const user = signers[15]!;
    await d.token.connect(signers[0]!).transfer(user.address, 1_000n * OPEN);
    await d.token.connect(user).approve(await d.tasks.getAddress(), 1_000n * OPEN);
    const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
    return { d, user, deadline };
  }
  type Fx = Awaited<ReturnType<typeof fixture>>;
  const setDefault = (fx: Fx, spares: number) =>
    asTimelock(fx.d, ethers, networkHelpers, async (tl) => {
      await expect(fx.d.tasks.connect(tl).setDefaultSpares(spares))
        .to.emit(fx.d.tasks, "DefaultSparesSet")
        .withArgs(spares);
    });

  it("copies the default (2 in the genesis config) into a posted task and logs it in TaskScheduled", async () => {
    const fx = await networkHelpers.loadFixture(fixture);
    const { d, user, deadline } = fx;
    expect(await d.tasks.defaultSpares()).to.equal(2n);
    await expect(d.tasks.connect(user).postTask(kind, ZeroHash, "", OPEN, 2, deadline))
      .to.emit(d.tasks, "TaskScheduled")
      .withArgs(1n, 1, 1, 0n, 2);
    expect((await d.tasks.getTask(1n)).spares).to.equal(2n);
  });

  it("keeps an open task's spares when governance changes the default later; tasks posted after get the new one", async () => {
    const fx = await networkHelpers.loadFixture(fixture);
    const { d, user, deadline } = fx;
    await d.tasks.connect(user).postRecurringTask(kind, ZeroHash, "", OPEN, 2, deadline, 10, 3);
    await setDefault(fx, 5);
    expect((await d.tasks.getTask(1n)).spares).to.equal(2n);
    await expect(d.tasks.connect(user).postTask(kind, ZeroHash, "", OPEN, 1, deadline))
      .to.emit(d.tasks, "TaskScheduled")
      .withArgs(2n, 1, 1, 0n, 5);
    await setDefault(fx, 0); // no spares at all is allowed: rounds then count their executors only
    await d.tasks.connect(user).postTask(kind, ZeroHash, "", OPEN, 1, deadline);
    const spares = await Promise.all([1n, 2n, 3n].map(async (id) => (await d.tasks.getTask(id)).spares));
    expect(spares).to.deep.equal([2n, 5n, 0n]);
  });

  it("invariant: every task keeps the default of its post, whatever sequence of changes follows", async () => {
    const fx = await networkHelpers.loadFixture(fixture);
    const { d, user, deadline } = fx;
    const max = Number(await d.tasks.MAX_SPARES());
    // a fixed pseudo-random walk over set / post steps (reproducible: a failure names its step)
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) >> 16; // high bits: low ones cycle
    const expected: number[] = [];
    let current = 2;
    for (let step = 0; step < 24; step++) {
      if (next() % 2 === 0) {
        current = next() % (max + 1);
        await setDefault(fx, current);
      } else {
        await d.tasks.connect(user).postTask(kind, ZeroHash, "", OPEN, 1, deadline);
        expected.push(current);
      }
      for (let i = 0; i < expected.length; i++) {
        expect((await d.tasks.getTask(BigInt(i + 1))).spares, `task ${i + 1} after step ${step}`).to.equal(
          BigInt(expected[i]!),
        );
      }
    }
    expect(expected.length).to.be.greaterThan(3); // the walk did post tasks between changes
    expect(new Set(expected).size).to.be.greaterThan(1);
  });

  it("lets only governance set the default, at most MAX_SPARES, also at deployment", async () => {
    const fx = await networkHelpers.loadFixture(fixture);
    const { d, user } = fx;
    const max = await d.tasks.MAX_SPARES();
    expect(max).to.equal(8n);
    await expect(d.tasks.connect(user).setDefaultSpares(1))
      .to.be.revertedWithCustomError(d.tasks, "AccessManagedUnauthorized")
      .withArgs(user.address);
    await asTimelock(d, ethers, networkHelpers, async (tl) => {
      await expect(d.tasks.connect(tl).setDefaultSpares(max + 1n))
        .to.be.revertedWithCustomError(d.tasks, "TaskTooManySpares")
        .withArgs(max + 1n, max);
    });
    await setDefault(fx, Number(max));
    expect(await d.tasks.defaultSpares()).to.equal(max);

    const factory = await ethers.getContractFactory("TaskManager");
    const args = [
      await d.token.getAddress(),
      await d.checkpoints.getAddress(),
      await d.rewards.getAddress(),
      await d.accessManager.getAddress(),
      500,
      60,
    ] as const;
    await expect(factory.deploy(...args, max + 1n))
      .to.be.revertedWithCustomError(factory, "TaskTooManySpares")
      .withArgs(max + 1n, max);
  });
});
