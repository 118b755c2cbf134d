// `openmesh-keeper register`: stakes OPEN from the operator (owner) account and registers this
// keeper on chain: its hot signer, BLS key with proof of possession, libp2p peer id, endpoint and
// claimed resources. The owner key is the cold key that controls the stake; the keeper's own
// signer key never holds stake.
import { cpus, totalmem } from "node:os";
import type { Command } from "commander";
import { formatUnits, hexlify, parseUnits, toUtf8Bytes, Wallet } from "ethers";
import { ChainClient } from "../../chain/index.js";
import { loadConfig } from "../../config/index.js";
import { KeeperIdentity } from "../../identity/index.js";
import { createLogger, createMetrics } from "../../observability/index.js";
import { OpenToken__factory, Staking__factory } from "../../../../types/ethers-contracts/index.js";
import { CliUsageError } from "../errors.js";
import type { CliIo } from "../io.js";

interface RegisterOptions {
  config?: string;
  ownerKey?: string;
  stake?: string;
  commission: string;
  endpoint?: string;
  cpuCores?: string;
  memoryMib?: string;
  storageGib: string;
  bandwidthMbps: string;
}

function positiveInt(name: string, value: string): bigint {
  if (!/^\d+$/.test(value) || BigInt(value) === 0n) throw new CliUsageError(`--${name} must be a positive integer`);
  return BigInt(value);
}

export function registerCommand(program: Command, io: CliIo): void {
  program
    .command("register")
    .description("stake OPEN from the operator account and register this keeper on chain")
    .option("-c, --config <file>", "keeper config file")
    .option("--owner-key <hex>", "private key of the operator (owner) account; default env OPENMESH_OWNER_KEY")
    .option("--stake <OPEN>", "self-stake in OPEN (default: the chain's minimum stake)")
    .option("--commission <percent>", "commission on rewards, percent", "10")
    .option("--endpoint <multiaddr>", "address peers dial (default: first announce/listen address + /p2p/<peer id>)")
    .option("--cpu-cores <n>", "claimed CPU cores (default: this machine's)")
    .option("--memory-mib <n>", "claimed memory in MiB (default: this machine's)")
    .option("--storage-gib <n>", "claimed storage in GiB", "100")
    .option("--bandwidth-mbps <n>", "claimed bandwidth in Mbit/s", "1000")
    .action(async (opts: RegisterOptions) => {
      const config = loadConfig({ file: opts.config, env: io.env, cwd: io.cwd });
      if (!config.chain.enabled) throw new CliUsageError("register needs the chain (chain.enabled is false)");
      const ownerKey = opts.ownerKey ?? io.env.OPENMESH_OWNER_KEY;
      if (!ownerKey || !/^(0x)?[0-9a-fA-F]{64}$/.test(ownerKey)) {
        throw new CliUsageError("the operator's private key is needed: --owner-key <64 hex> or OPENMESH_OWNER_KEY");
      }
      const commission = Number(opts.commission);
      if (!Number.isFinite(commission) || commission < 0 || commission > 100) {
        throw new CliUsageError("--commission must be a percent between 0 and 100");
      }
      const logger = createLogger({ level: "warn" });
      const identity = await KeeperIdentity.init({ config });
      const chain = await ChainClient.init({
        config: { rpcUrl: config.rpcUrl as string, deploymentFile: config.deploymentFile },
        logger,
        metrics: createMetrics(),
      });
      try {
        const owner = new Wallet(ownerKey, chain.provider);
        const staking = chain.typed("Staking", Staking__factory, owner);
        const token = chain.typed("OpenToken", OpenToken__factory, owner);
        const stake = opts.stake ? parseUnits(opts.stake, 18) : await staking.minStake();
        const peerId = identity.peerId.toString();
        const listen = config.p2p.announce[0] ?? config.p2p.listen[0] ?? "/ip4/127.0.0.1/tcp/4001";
        const endpoint = opts.endpoint ?? `${listen}/p2p/${peerId}`;
        const registration = {
          signer: identity.signerAddress,
          blsPubkey: hexlify(identity.bls.publicKey),
          blsProofOfPossession: hexlify(identity.proofOfPossession(owner.address)),
          peerId: hexlify(toUtf8Bytes(peerId)),
          endpoint,
          resources: {
            cpuCores: opts.cpuCores ? positiveInt("cpu-cores", opts.cpuCores) : BigInt(cpus().length),
            memoryMiB: opts.memoryMib
              ? positiveInt("memory-mib", opts.memoryMib)
              : BigInt(Math.floor(totalmem() / 2 ** 20)),
            storageGiB: positiveInt("storage-gib", opts.storageGib),
            bandwidthMbps: positiveInt("bandwidth-mbps", opts.bandwidthMbps),
          },
          commissionWad: BigInt(Math.round(commission * 100)) * 10n ** 14n,
          stake,
        };
        try {
          const balance = await token.balanceOf(owner.address);
          if (balance < stake) {
            throw new CliUsageError(
              `the operator ${owner.address} holds ${formatUnits(balance, 18)} OPEN, less than the stake ${formatUnits(stake, 18)}`,
            );
          }
          // explicit nonces: the provider caches the transaction count for a moment
          const nonce = await chain.provider.getTransactionCount(owner.address, "pending");
          await (await token.approve(await staking.getAddress(), stake, { nonce })).wait();
          const receipt = await (await staking.register(registration, { nonce: nonce + 1 })).wait();
          io.out(
            JSON.stringify(
              {
                operator: owner.address,
                signer: identity.signerAddress,
                peerId,
                endpoint,
                stakeOpen: formatUnits(stake, 18),
                tx: receipt?.hash,
                gasUsed: receipt?.gasUsed.toString(),
              },
              null,
              2,
            ),
          );
        } catch (err) {
          if (err instanceof CliUsageError) throw err;
          throw new CliUsageError(`registration reverted: ${chain.decoder.describe(err)}`);
        }
      } finally {
        await chain.stop();
      }
    });
}
