// Operator registration and identity: keys bound with a proof of possession checked on chain, uniqueness of
// signers / BLS keys / peer ids, rotations, network and resource updates, and every error with its arguments.
import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress, getAddress, hexlify, keccak256, toBeHex } from "ethers";
import {
  MIN_STAKE,
  Status,
  WAD,
  blsKey,
  deployStaking,
  peerIdOf,
  registerOperator,
  registration,
  signerAddress,
} from "./fixtures.js";

const { ethers, networkHelpers } = await network.create();

describe("Staking: operator registry", () => {
  const fixture = () => deployStaking(ethers);

  async function withOperator() {
    const f = await fixture();
    const owner = f.accounts[0]!;
    const input = await registerOperator(f, owner, "alpha");
    return { ...f, owner, input };
  }

  describe("register", () => {
    it("binds owner, signer, BLS key, peer id, endpoint, resources and commission, and bonds the stake", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const owner = f.accounts[0]!;
      const input = registration(owner.address, "alpha", { stake: MIN_STAKE * 2n });
      const key = blsKey("alpha");
      await expect(f.staking.connect(owner).register(input))
        .to.emit(f.staking, "OperatorRegistered")
        .withArgs(
          owner.address,
          input.signer,
          key.hash,
          key.publicKey,
          input.peerId,
          input.endpoint,
          [8n, 1000n, 32_768n, 2_000n],
          WAD / 10n,
        )
        .and.to.emit(f.staking, "Staked")
        .withArgs(owner.address, owner.address, MIN_STAKE * 2n, MIN_STAKE * 2n)
        .and.to.emit(f.staking, "OperatorStatusChanged")
        .withArgs(owner.address, Status.Unregistered, Status.Active);

      const info = await f.staking.operatorInfo(owner.address);
      expect(info.status).to.equal(Status.Active);
      expect(info.signer).to.equal(input.signer);
      expect(info.blsPubkeyHash).to.equal(key.hash);
      expect(info.commissionWad).to.equal(WAD / 10n);
      expect(info.bondedStake).to.equal(MIN_STAKE * 2n);
      expect(info.selfShares).to.equal(MIN_STAKE * 2n);
      expect(info.selfStake).to.equal(MIN_STAKE * 2n);
      expect(await f.staking.operatorOf(input.signer)).to.equal(owner.address);
      expect(await f.staking.operatorOfBlsKey(key.hash)).to.equal(owner.address);
      expect(await f.staking.operatorOfPeerId(input.peerId)).to.equal(owner.address);
      expect(await f.staking.blsPubkeyOf(owner.address)).to.equal(key.publicKey);
      expect(await f.staking.networkOf(owner.address)).to.deep.equal([input.peerId, input.endpoint]);
      expect(await f.staking.resourcesOf(owner.address)).to.deep.equal([8n, 1000n, 32_768n, 2_000n]);
      expect(await f.token.balanceOf(f.staking)).to.equal(MIN_STAKE * 2n);
    });

    it("accepts exactly the minimum stake", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      await registerOperator(f, f.accounts[0]!, "alpha", { stake: MIN_STAKE });
      expect(await f.staking.statusOf(f.accounts[0]!.address)).to.equal(Status.Active);
    });

    it("reverts below the minimum stake with StakingBelowMinimum(stake, minimum)", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      await expect(
        f.staking
          .connect(f.accounts[0]!)
          .register(registration(f.accounts[0]!.address, "alpha", { stake: MIN_STAKE - 1n })),
      )
        .to.be.revertedWithCustomError(f.staking, "StakingBelowMinimum")
        .withArgs(MIN_STAKE - 1n, MIN_STAKE);
    });

    it("reverts a second registration by the same owner with OperatorAlreadyRegistered", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await expect(f.staking.connect(f.owner).register(registration(f.owner.address, "beta")))
        .to.be.revertedWithCustomError(f.staking, "OperatorAlreadyRegistered")
        .withArgs(f.owner.address);
    });

    it("reverts a zero signer with OperatorZeroSigner", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      await expect(
        f.staking
          .connect(f.accounts[0]!)
          .register(registration(f.accounts[0]!.address, "alpha", { signer: ZeroAddress })),
      ).to.be.revertedWithCustomError(f.staking, "OperatorZeroSigner");
    });

    it("reverts a signer bound to another operator with OperatorSignerTaken(signer, operator)", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await expect(
        f.staking
          .connect(f.accounts[1]!)
          .register(registration(f.accounts[1]!.address, "beta", { signer: f.input.signer })),
      )
        .to.be.revertedWithCustomError(f.staking, "OperatorSignerTaken")
        .withArgs(f.input.signer, f.owner.address);
    });

    it("reverts a peer id bound to another operator with OperatorPeerIdTaken(peerId, operator)", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await expect(
        f.staking
          .connect(f.accounts[1]!)
          .register(registration(f.accounts[1]!.address, "beta", { peerId: f.input.peerId })),
      )
        .to.be.revertedWithCustomError(f.staking, "OperatorPeerIdTaken")
        .withArgs(f.input.peerId, f.owner.address);
    });

    it("reverts a BLS key bound to another operator with OperatorBlsKeyTaken(hash, operator)", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      const key = blsKey("alpha");
      await expect(
        f.staking.connect(f.accounts[1]!).register(
          registration(f.accounts[1]!.address, "beta", {
            blsPubkey: key.publicKey,
            blsProofOfPossession: key.proofFor(f.accounts[1]!.address),
          }),
        ),
      )
        .to.be.revertedWithCustomError(f.staking, "OperatorBlsKeyTaken")
        .withArgs(key.hash, f.owner.address);
    });

    it("reverts a BLS key that is not 256 bytes with OperatorBlsKeyInvalidLength(length)", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const short = hexlify(ethers.getBytes(blsKey("alpha").publicKey).slice(0, 255));
      await expect(
        f.staking.connect(f.accounts[0]!).register(registration(f.accounts[0]!.address, "alpha", { blsPubkey: short })),
      )
        .to.be.revertedWithCustomError(f.staking, "OperatorBlsKeyInvalidLength")
        .withArgs(255n);
    });

    it("reverts a proof of possession that is not 128 bytes with OperatorProofOfPossessionInvalidLength", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const long = hexlify(new Uint8Array(129));
      await expect(
        f.staking
          .connect(f.accounts[0]!)
          .register(registration(f.accounts[0]!.address, "alpha", { blsProofOfPossession: long })),
      )
        .to.be.revertedWithCustomError(f.staking, "OperatorProofOfPossessionInvalidLength")
        .withArgs(129n);
    });

    it("reverts the point at infinity as a key with OperatorBlsKeyAtInfinity", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      await expect(
        f.staking
          .connect(f.accounts[0]!)
          .register(registration(f.accounts[0]!.address, "alpha", { blsPubkey: hexlify(new Uint8Array(256)) })),
      ).to.be.revertedWithCustomError(f.staking, "OperatorBlsKeyAtInfinity");
    });

    it("reverts a proof of possession made for another operator address with OperatorInvalidProofOfPossession(hash)", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const input = registration(f.accounts[1]!.address, "alpha");
      await expect(f.staking.connect(f.accounts[0]!).register(input))
        .to.be.revertedWithCustomError(f.staking, "OperatorInvalidProofOfPossession")
        .withArgs(blsKey("alpha").hash);
      await expect(
        f.staking
          .connect(f.accounts[0]!)
          .rotateBlsKey(blsKey("zeta").publicKey, blsKey("zeta").proofFor(f.accounts[1]!.address)),
      ).to.be.revertedWithCustomError(f.staking, "OperatorUnknown");
    });

    it("reverts a proof of possession made by another key with OperatorInvalidProofOfPossession(hash)", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const input = registration(f.accounts[0]!.address, "alpha", {
        blsProofOfPossession: blsKey("other").proofFor(f.accounts[0]!.address),
      });
      await expect(f.staking.connect(f.accounts[0]!).register(input))
        .to.be.revertedWithCustomError(f.staking, "OperatorInvalidProofOfPossession")
        .withArgs(blsKey("alpha").hash);
    });

    it("reverts a malformed G2 point (off the curve) with the BLS library's BLSPrecompileFailed(0x0f)", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const bytes = ethers.getBytes(blsKey("alpha").publicKey);
      bytes[255] = bytes[255]! ^ 1; // y.c1 changed: no longer on the curve
      await expect(
        f.staking
          .connect(f.accounts[0]!)
          .register(registration(f.accounts[0]!.address, "alpha", { blsPubkey: hexlify(bytes) })),
      )
        .to.be.revertedWithCustomError(f.staking, "BLSPrecompileFailed")
        .withArgs(getAddress(toBeHex(0x0f, 20)));
    });

    it("reverts an empty or oversized peer id with OperatorInvalidPeerId(length, max)", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      await expect(
        f.staking.connect(f.accounts[0]!).register(registration(f.accounts[0]!.address, "alpha", { peerId: "0x" })),
      )
        .to.be.revertedWithCustomError(f.staking, "OperatorInvalidPeerId")
        .withArgs(0n, 128n);
      await expect(
        f.staking
          .connect(f.accounts[0]!)
          .register(registration(f.accounts[0]!.address, "alpha", { peerId: hexlify(new Uint8Array(129)) })),
      )
        .to.be.revertedWithCustomError(f.staking, "OperatorInvalidPeerId")
        .withArgs(129n, 128n);
    });

    it("reverts an empty or oversized endpoint with OperatorInvalidEndpoint(length, max)", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      await expect(
        f.staking.connect(f.accounts[0]!).register(registration(f.accounts[0]!.address, "alpha", { endpoint: "" })),
      )
        .to.be.revertedWithCustomError(f.staking, "OperatorInvalidEndpoint")
        .withArgs(0n, 256n);
      await expect(
        f.staking
          .connect(f.accounts[0]!)
          .register(registration(f.accounts[0]!.address, "alpha", { endpoint: "x".repeat(257) })),
      )
        .to.be.revertedWithCustomError(f.staking, "OperatorInvalidEndpoint")
        .withArgs(257n, 256n);
    });

    it("reverts resources without CPU or memory with OperatorInvalidResources(cpu, memory)", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const resources = { cpuCores: 0n, bandwidthMbps: 100n, memoryMiB: 1024n, storageGiB: 0n };
      await expect(
        f.staking.connect(f.accounts[0]!).register(registration(f.accounts[0]!.address, "alpha", { resources })),
      )
        .to.be.revertedWithCustomError(f.staking, "OperatorInvalidResources")
        .withArgs(0n, 1024n);
    });

    it("reverts a commission above the cap with DelegationCommissionOverCap(commission, cap)", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const cap = await f.staking.maxCommissionWad();
      await expect(
        f.staking
          .connect(f.accounts[0]!)
          .register(registration(f.accounts[0]!.address, "alpha", { commissionWad: cap + 1n })),
      )
        .to.be.revertedWithCustomError(f.staking, "DelegationCommissionOverCap")
        .withArgs(cap + 1n, cap);
    });
  });

  describe("key rotation", () => {
    it("rotates the signer; the old signer stays attributed to the operator and cannot be reused", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      const newSigner = signerAddress("alpha-2");
      await expect(f.staking.connect(f.owner).rotateSigner(newSigner))
        .to.emit(f.staking, "OperatorSignerRotated")
        .withArgs(f.owner.address, f.input.signer, newSigner);
      expect((await f.staking.operatorInfo(f.owner.address)).signer).to.equal(newSigner);
      expect(await f.staking.operatorOf(newSigner)).to.equal(f.owner.address);
      expect(await f.staking.operatorOf(f.input.signer)).to.equal(f.owner.address);
      await expect(f.staking.connect(f.owner).rotateSigner(f.input.signer))
        .to.be.revertedWithCustomError(f.staking, "OperatorSignerTaken")
        .withArgs(f.input.signer, f.owner.address);
      await expect(f.staking.connect(f.owner).rotateSigner(ZeroAddress)).to.be.revertedWithCustomError(
        f.staking,
        "OperatorZeroSigner",
      );
    });

    it("rotates the BLS key with a new proof of possession; the old key stays reserved", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      const oldKey = blsKey("alpha");
      const newKey = blsKey("alpha-2");
      await expect(f.staking.connect(f.owner).rotateBlsKey(newKey.publicKey, newKey.proofFor(f.owner.address)))
        .to.emit(f.staking, "OperatorBlsKeyRotated")
        .withArgs(f.owner.address, oldKey.hash, newKey.hash, newKey.publicKey);
      expect(await f.staking.blsPubkeyOf(f.owner.address)).to.equal(newKey.publicKey);
      expect((await f.staking.operatorInfo(f.owner.address)).blsPubkeyHash).to.equal(newKey.hash);
      expect(await f.staking.operatorOfBlsKey(oldKey.hash)).to.equal(f.owner.address);
      await expect(f.staking.connect(f.owner).rotateBlsKey(oldKey.publicKey, oldKey.proofFor(f.owner.address)))
        .to.be.revertedWithCustomError(f.staking, "OperatorBlsKeyTaken")
        .withArgs(oldKey.hash, f.owner.address);
      const third = blsKey("alpha-3");
      await expect(f.staking.connect(f.owner).rotateBlsKey(third.publicKey, newKey.proofFor(f.owner.address)))
        .to.be.revertedWithCustomError(f.staking, "OperatorInvalidProofOfPossession")
        .withArgs(third.hash);
    });

    it("reverts rotations by an address that is not a registered owner with OperatorUnknown(caller)", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      const stranger = f.accounts[5]!;
      const key = blsKey("x");
      await expect(f.staking.connect(stranger).rotateSigner(signerAddress("x")))
        .to.be.revertedWithCustomError(f.staking, "OperatorUnknown")
        .withArgs(stranger.address);
      await expect(f.staking.connect(stranger).rotateBlsKey(key.publicKey, key.proofFor(stranger.address)))
        .to.be.revertedWithCustomError(f.staking, "OperatorUnknown")
        .withArgs(stranger.address);
    });

    it("takes effect in the next frozen validator set, not in the current one", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await f.validatorSets.advanceEpoch(); // epoch 1, frozen with the original keys
      const epoch1 = await f.validatorSets.epochValidatorSet(1n);
      const newSigner = signerAddress("alpha-2");
      const newKey = blsKey("alpha-2");
      await f.staking.connect(f.owner).rotateSigner(newSigner);
      await f.staking.connect(f.owner).rotateBlsKey(newKey.publicKey, newKey.proofFor(f.owner.address));
      expect(await f.validatorSets.epochValidatorSet(1n)).to.deep.equal(epoch1);
      await networkHelpers.time.increase(3600);
      const tx = await f.validatorSets.advanceEpoch();
      const receipt = await tx.wait();
      const event = f.validatorSets.interface.parseLog(receipt!.logs[0]!)!;
      const [member] = event.args.validators;
      expect(member.signer).to.equal(newSigner);
      expect(member.blsPubkey).to.equal(newKey.publicKey);
      expect((await f.validatorSets.epochValidatorSet(2n)).aggregatePubkeyHash).to.equal(keccak256(newKey.publicKey));
    });
  });

  describe("network and resources", () => {
    it("changes peer id and endpoint; the old peer id is released for others", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      const newPeer = peerIdOf("alpha-2");
      await expect(f.staking.connect(f.owner).updateNetwork(newPeer, "/dns4/node.example/tcp/4001"))
        .to.emit(f.staking, "OperatorNetworkUpdated")
        .withArgs(f.owner.address, newPeer, "/dns4/node.example/tcp/4001");
      expect(await f.staking.networkOf(f.owner.address)).to.deep.equal([newPeer, "/dns4/node.example/tcp/4001"]);
      expect(await f.staking.operatorOfPeerId(f.input.peerId)).to.equal(ZeroAddress);
      expect(await f.staking.operatorOfPeerId(newPeer)).to.equal(f.owner.address);
      await registerOperator(f, f.accounts[1]!, "beta", { peerId: f.input.peerId });
      expect(await f.staking.operatorOfPeerId(f.input.peerId)).to.equal(f.accounts[1]!.address);
    });

    it("keeps the peer id when only the endpoint changes, and rejects another operator's peer id", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      await f.staking.connect(f.owner).updateNetwork(f.input.peerId, "/ip4/10.0.0.1/tcp/4001");
      expect(await f.staking.operatorOfPeerId(f.input.peerId)).to.equal(f.owner.address);
      const other = await registerOperator(f, f.accounts[1]!, "beta");
      await expect(f.staking.connect(f.owner).updateNetwork(other.peerId, "/ip4/10.0.0.1/tcp/4001"))
        .to.be.revertedWithCustomError(f.staking, "OperatorPeerIdTaken")
        .withArgs(other.peerId, f.accounts[1]!.address);
      await expect(f.staking.connect(f.owner).updateNetwork(f.input.peerId, ""))
        .to.be.revertedWithCustomError(f.staking, "OperatorInvalidEndpoint")
        .withArgs(0n, 256n);
      await expect(f.staking.connect(f.accounts[9]!).updateNetwork(f.input.peerId, "/ip4/1.2.3.4"))
        .to.be.revertedWithCustomError(f.staking, "OperatorUnknown")
        .withArgs(f.accounts[9]!.address);
    });

    it("updates the claimed resources and rejects an invalid claim", async () => {
      const f = await networkHelpers.loadFixture(withOperator);
      const resources = { cpuCores: 64n, bandwidthMbps: 10_000n, memoryMiB: 262_144n, storageGiB: 16_000n };
      await expect(f.staking.connect(f.owner).updateResources(resources))
        .to.emit(f.staking, "OperatorResourcesUpdated")
        .withArgs(f.owner.address, [64n, 10_000n, 262_144n, 16_000n]);
      expect(await f.staking.resourcesOf(f.owner.address)).to.deep.equal([64n, 10_000n, 262_144n, 16_000n]);
      await expect(f.staking.connect(f.owner).updateResources({ ...resources, memoryMiB: 0n }))
        .to.be.revertedWithCustomError(f.staking, "OperatorInvalidResources")
        .withArgs(64n, 0n);
    });

    it("reverts identity views of an unknown operator with OperatorUnknown", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const nobody = f.accounts[9]!.address;
      await expect(f.staking.blsPubkeyOf(nobody)).to.be.revertedWithCustomError(f.staking, "OperatorUnknown");
      await expect(f.staking.networkOf(nobody)).to.be.revertedWithCustomError(f.staking, "OperatorUnknown");
      await expect(f.staking.resourcesOf(nobody)).to.be.revertedWithCustomError(f.staking, "OperatorUnknown");
      await expect(f.staking.operatorInfo(nobody))
        .to.be.revertedWithCustomError(f.staking, "OperatorUnknown")
        .withArgs(nobody);
      expect(await f.staking.statusOf(nobody)).to.equal(Status.Unregistered);
      expect(await f.staking.operatorOf(signerAddress("nobody"))).to.equal(ZeroAddress);
    });
  });
});
