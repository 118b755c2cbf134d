// `openmesh-keeper rotate-peer-key`: replaces this keeper's libp2p key (its peer id). A stolen
// peer key alone lets a thief relay but never speak for the operator (every consensus message is
// signed by the operator's signer key); rotating it also stops the relaying: keepers follow the
// peer id the chain names (the operator directory), so the old one stops counting at their next
// refresh. The owner account sends `updateNetwork`; the key files change only after it is mined
// (identity/peer-key-rotation.ts), and a rerun after an interruption completes the same rotation.
import type { Command } from "commander";
import { hexlify, toUtf8Bytes, toUtf8String, Wallet } from "ethers";
import { ChainClient } from "../../chain/index.js";
import { loadConfig } from "../../config/index.js";
import { KeeperIdentity } from "../../identity/index.js";
import { completePeerKeyRotation, nextPeerKey, pendingPeerKey } from "../../identity/peer-key-rotation.js";
import { createLogger, createMetrics } from "../../observability/index.js";
import { Staking__factory } from "../../../../types/ethers-contracts/index.js";
import { CliUsageError } from "../errors.js";
import type { CliIo } from "../io.js";

interface RotateOptions {
  config?: string;
  ownerKey?: string;
  endpoint?: string;
}

export function rotatePeerKeyCommand(program: Command, io: CliIo): void {
  program
    .command("rotate-peer-key")
    .description("replace this keeper's libp2p key: register the new peer id on chain, then switch the key files")
    .option("-c, --config <file>", "keeper config file")
    .option("--owner-key <hex>", "private key of the operator (owner) account; default env OPENMESH_OWNER_KEY")
    .option("--endpoint <multiaddr>", "new endpoint (default: the registered one with /p2p/<new peer id>)")
    .action(async (opts: RotateOptions) => {
      const config = loadConfig({ file: opts.config, env: io.env, cwd: io.cwd });
      if (!config.chain.enabled) throw new CliUsageError("rotate-peer-key needs the chain (chain.enabled is false)");
      const ownerKey = opts.ownerKey ?? io.env.OPENMESH_OWNER_KEY;
      if (!ownerKey || !/^(0x)?[0-9a-fA-F]{64}$/.test(ownerKey)) {
        throw new CliUsageError("the operator's private key is needed: --owner-key <64 hex> or OPENMESH_OWNER_KEY");
      }
      const identity = await KeeperIdentity.init({ config });
      const chain = await ChainClient.init({
        config: { rpcUrl: config.rpcUrl as string, deploymentFile: config.deploymentFile },
        logger: createLogger({ level: "warn" }),
        metrics: createMetrics(),
      });
      try {
        const owner = new Wallet(ownerKey, chain.provider);
        const staking = chain.typed("Staking", Staking__factory, owner);
        if (Number(await staking.statusOf(owner.address)) === 0) {
          throw new CliUsageError(
            `${owner.address} is not a registered operator: run \`openmesh-keeper register\` first`,
          );
        }
        const [peerIdBytes, endpoint] = await staking.networkOf(owner.address);
        const registered = toUtf8String(peerIdBytes);
        const current = identity.peerId.toString();
        let tx: string | undefined;
        let next: string;
        if (registered === current) {
          next = (await nextPeerKey(config.keyDir)).toString();
          const newEndpoint = opts.endpoint ?? endpoint.replace(`/p2p/${current}`, `/p2p/${next}`);
          try {
            const receipt = await (await staking.updateNetwork(hexlify(toUtf8Bytes(next)), newEndpoint)).wait();
            tx = receipt?.hash;
          } catch (err) {
            throw new CliUsageError(`updateNetwork reverted (nothing changed): ${chain.decoder.describe(err)}`);
          }
        } else {
          // an interrupted rotation whose transaction was mined names the pending key already
          next = pendingPeerKey(config.keyDir)?.toString() ?? "";
          if (registered !== next) {
            throw new CliUsageError(
              `the chain names peer ${registered} for ${owner.address}, but this keeper's key is ${current}: ` +
                "wrong --config or owner key?",
            );
          }
        }
        const retired = completePeerKeyRotation(config.keyDir);
        io.out(
          JSON.stringify(
            { operator: owner.address, oldPeerId: current, newPeerId: next, retiredKeyFile: retired, tx },
            null,
            2,
          ),
        );
        io.err("restart the keeper (openmesh-keeper start) to use the new peer key");
      } finally {
        await chain.stop();
      }
    });
}
