import { expect } from "chai";
import { network } from "hardhat";
import { BUCKETS, planGenesis, TOTAL_SUPPLY_WEI, type BucketName } from "../../../scripts/lib/genesis-config.js";
import { OpenVestingWallet__factory } from "../../../types/ethers-contracts/index.js";
import { deployLocal, localConfig } from "../../helpers/protocol.js";

const { ethers, networkHelpers } = await network.create();

describe("OpenToken genesis allocation", () => {
  const fixture = () => deployLocal(ethers);

  it("mints exactly 1,000,000,000 OPEN (1e27 wei) and holders' balances add up to it", async () => {
    const { token, file } = await networkHelpers.loadFixture(fixture);
    expect(await token.totalSupply()).to.equal(TOTAL_SUPPLY_WEI);
    expect(TOTAL_SUPPLY_WEI).to.equal(10n ** 27n);
    const holders = [...new Set(file.genesis.map((g) => g.holder))];
    let sum = 0n;
    for (const h of holders) sum += await token.balanceOf(h);
    expect(sum).to.equal(TOTAL_SUPPLY_WEI);
  });

  it("gives every bucket exactly its share of the supply", async () => {
    const { token, file } = await networkHelpers.loadFixture(fixture);
    const byBucket = new Map<string, bigint>();
    for (const g of file.genesis) byBucket.set(g.bucket, (byBucket.get(g.bucket) ?? 0n) + BigInt(g.amountWei));
    for (const [name, bps] of Object.entries(BUCKETS)) {
      expect(byBucket.get(name), name).to.equal((TOTAL_SUPPLY_WEI * BigInt(bps)) / 10_000n);
    }
    // The treasury (timelock) holds the ecosystem bucket; the node pool sits in the rewards distributor.
    const treasury = file.contracts.OpenTimelock!.address;
    expect(await token.balanceOf(treasury)).to.equal((TOTAL_SUPPLY_WEI * 20n) / 100n);
    const rewards = file.contracts.RewardsDistributor!.address;
    expect(await token.balanceOf(rewards)).to.equal((TOTAL_SUPPLY_WEI * 28n) / 100n);
  });

  it("has the token metadata of the spec and a timestamp clock", async () => {
    const { token } = await networkHelpers.loadFixture(fixture);
    expect(await token.name()).to.equal("Openmesh");
    expect(await token.symbol()).to.equal("OPEN");
    expect(await token.decimals()).to.equal(18n);
    expect(await token.CLOCK_MODE()).to.equal("mode=timestamp");
    const block = await ethers.provider.getBlock("latest");
    expect(await token.clock()).to.equal(BigInt(block!.timestamp));
  });

  it("gives the last beneficiary of a bucket the rounding remainder, never more or less than the bucket", () => {
    const cfg = localConfig();
    cfg.allocation.education.beneficiaries = [
      { to: "account:14", bps: 3333 },
      { to: "account:15", bps: 3333 },
      { to: "account:16", bps: 3334 },
    ];
    const plan = planGenesis(cfg);
    const total = plan.reduce((s, g) => s + g.amountWei, 0n);
    expect(total).to.equal(TOTAL_SUPPLY_WEI);
    const edu = plan.filter((g) => g.bucket === ("education" satisfies BucketName));
    expect(edu.reduce((s, g) => s + g.amountWei, 0n)).to.equal((TOTAL_SUPPLY_WEI * 400n) / 10_000n);
  });

  it("refuses a genesis that does not add up to the fixed supply", async () => {
    const [a] = await ethers.getSigners();
    const factory = await ethers.getContractFactory("OpenToken");
    await expect(factory.deploy([a!.address], [TOTAL_SUPPLY_WEI - 1n], a!.address))
      .to.be.revertedWithCustomError(factory, "OpenTokenGenesisSupplyMismatch")
      .withArgs(TOTAL_SUPPLY_WEI - 1n, TOTAL_SUPPLY_WEI);
    await expect(factory.deploy([a!.address], [1n, 2n], a!.address))
      .to.be.revertedWithCustomError(factory, "OpenTokenGenesisLengthMismatch")
      .withArgs(1, 2);
    await expect(factory.deploy([a!.address, a!.address], [TOTAL_SUPPLY_WEI, 0n], a!.address))
      .to.be.revertedWithCustomError(factory, "OpenTokenGenesisZeroAmount")
      .withArgs(1);
  });
});

describe("Genesis vesting wallets", () => {
  const fixture = () => deployLocal(ethers);

  it("release nothing before the cliff, linearly after it, and everything at the end", async () => {
    const { token, file } = await networkHelpers.loadFixture(fixture);
    const grant = file.genesis.find((g) => g.bucket === "team" && g.vesting)!;
    const { start, cliffSeconds, durationSeconds } = grant.vesting!;
    const [signer] = await ethers.getSigners();
    const wallet = OpenVestingWallet__factory.connect(grant.holder, signer);
    const tokenAddr = await token.getAddress();
    const amount = BigInt(grant.amountWei);

    expect(await wallet["releasable(address)"](tokenAddr)).to.equal(0n);
    await networkHelpers.time.increaseTo(start + cliffSeconds - 2);
    expect(await wallet["releasable(address)"](tokenAddr)).to.equal(0n);
    await wallet["release(address)"](tokenAddr); // a release before the cliff moves nothing
    expect(await token.balanceOf(grant.beneficiary)).to.equal(0n);

    await networkHelpers.time.increaseTo(start + durationSeconds / 2);
    const half = await wallet["vestedAmount(address,uint64)"](tokenAddr, start + durationSeconds / 2);
    expect(half).to.equal((amount * BigInt(durationSeconds / 2)) / BigInt(durationSeconds));

    await networkHelpers.time.increaseTo(start + durationSeconds);
    await wallet["release(address)"](tokenAddr);
    expect(await token.balanceOf(grant.beneficiary)).to.equal(amount);
    expect(await token.balanceOf(grant.holder)).to.equal(0n);
  });

  it("let the beneficiary, and only the beneficiary, delegate the locked tokens' votes", async () => {
    const { token, file } = await networkHelpers.loadFixture(fixture);
    const grant = file.genesis.find((g) => g.bucket === "contributors" && g.vesting)!;
    const signers = await ethers.getSigners();
    const beneficiary = signers.find((s) => s.address === grant.beneficiary)!;
    const stranger = signers[19]!;
    const wallet = OpenVestingWallet__factory.connect(grant.holder, beneficiary);
    await expect(wallet.connect(stranger).delegate(await token.getAddress(), stranger.address))
      .to.be.revertedWithCustomError(wallet, "OwnableUnauthorizedAccount")
      .withArgs(stranger.address);
    await wallet.delegate(await token.getAddress(), beneficiary.address);
    expect(await token.getVotes(beneficiary.address)).to.equal(BigInt(grant.amountWei));
  });
});
