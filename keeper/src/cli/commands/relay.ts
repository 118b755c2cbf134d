// `openmesh-keeper relay <height>`: relays a certified checkpoint header over CCIP on request, paid by
// whoever asks (the keepers relay only every lane's relayEvery-th header). The header is read back
// from the transaction that certified it; each lane is sent once (the sender refuses a second send),
// the fee quoted first with getFee and paid in the sender's fee token (native, or LINK approved for
// exactly the fee).
import type { Command } from "commander";
import { Wallet, ZeroAddress, formatEther } from "ethers";
import { relayOnLane } from "../../bridge/lane-relay.js";
import { ChainClient } from "../../chain/index.js";
import { certifiedHeaderAt } from "../../chain/certified-header.js";
import { loadConfig } from "../../config/index.js";
import { createLogger, createMetrics } from "../../observability/index.js";
import { CheckpointSender__factory, CheckpointStore__factory } from "../../../../types/ethers-contracts/index.js";
import { CliUsageError } from "../errors.js";
import type { CliIo } from "../io.js";

interface RelayOptions {
  config?: string;
  payerKey?: string;
  lane?: string;
  quote?: boolean;
}

interface LaneOutcome {
  lane: string;
  outcome: "relayed" | "already relayed" | "quoted";
  fee?: string;
  feeToken?: string;
  messageId?: string;
  tx?: string;
  gasUsed?: string;
}

export function relayCommand(program: Command, io: CliIo): void {
  program
    .command("relay")
    .description("relay a certified checkpoint header over CCIP to every lane (or one), paying the fee")
    .argument("<height>", "height of a header certified on the home chain")
    .option("-c, --config <file>", "keeper config file (rpcUrl, deploymentFile)")
    .option("--payer-key <hex>", "private key of the account that pays; default env OPENMESH_PAYER_KEY")
    .option("--lane <selector>", "only this destination chain selector")
    .option("--quote", "print the fee per lane and send nothing")
    .action(async (heightArg: string, opts: RelayOptions) => {
      if (!/^\d{1,20}$/.test(heightArg)) throw new CliUsageError("<height> must be a checkpoint height (an integer)");
      if (opts.lane !== undefined && !/^\d{1,20}$/.test(opts.lane))
        throw new CliUsageError("--lane must be a CCIP chain selector (an integer)");
      const payerKey = opts.payerKey ?? io.env.OPENMESH_PAYER_KEY;
      if (!opts.quote && (!payerKey || !/^(0x)?[0-9a-fA-F]{64}$/.test(payerKey))) {
        throw new CliUsageError("the paying account's key is needed: --payer-key <64 hex> or OPENMESH_PAYER_KEY");
      }
      const config = loadConfig({ file: opts.config, env: io.env, cwd: io.cwd });
      if (!config.chain.enabled) throw new CliUsageError("relay needs the chain (chain.enabled is false)");
      const chain = await ChainClient.init({
        config: { rpcUrl: config.rpcUrl as string, deploymentFile: config.deploymentFile },
        logger: createLogger({ level: "warn" }),
        metrics: createMetrics(),
      });
      try {
        if (!chain.deployment.contracts.has("CheckpointSender"))
          throw new CliUsageError(`${chain.deployment.path} has no CheckpointSender: this deployment bridges nothing`);
        const payer = payerKey ? new Wallet(payerKey, chain.provider) : undefined;
        const sender = chain.typed("CheckpointSender", CheckpointSender__factory, payer);
        const checkpoints = chain.typed("CheckpointStore", CheckpointStore__factory);
        let header;
        try {
          header = await certifiedHeaderAt(checkpoints, BigInt(heightArg));
        } catch (err) {
          throw new CliUsageError((err as Error).message);
        }
        const destinations = await sender.destinations();
        const lanes = opts.lane === undefined ? destinations : destinations.filter((d) => d === BigInt(opts.lane!));
        if (lanes.length === 0) {
          throw new CliUsageError(
            opts.lane === undefined
              ? "the CheckpointSender has no lane configured"
              : `lane ${opts.lane} is not configured (lanes: ${destinations.join(", ") || "none"})`,
          );
        }
        const ctx = {
          sender,
          payer: payer?.address ?? ZeroAddress,
          send: async (request: { to: string; data: string; value?: bigint }) => {
            const receipt = await (await payer!.sendTransaction(request)).wait();
            if (!receipt) throw new Error(`transaction to ${request.to} was dropped`);
            return receipt;
          },
          approve: "exact" as const,
        };
        const out: LaneOutcome[] = [];
        for (const lane of lanes) {
          let r;
          try {
            r = await relayOnLane(ctx, header, lane, { quoteOnly: opts.quote });
          } catch (err) {
            throw new CliUsageError(`relay on lane ${lane} reverted: ${chain.decoder.describe(err)}`);
          }
          const base = { lane: lane.toString() };
          if (r.kind === "already") out.push({ ...base, outcome: "already relayed", messageId: r.messageId });
          else if (r.kind === "quoted" || r.kind === "relayed") {
            const shown = { fee: formatEther(r.fee), feeToken: r.feeToken === ZeroAddress ? "native" : r.feeToken };
            if (r.kind === "quoted") out.push({ ...base, outcome: "quoted", ...shown });
            else
              out.push({
                ...base,
                outcome: "relayed",
                ...shown,
                messageId: r.messageId,
                tx: r.receipt.hash,
                gasUsed: r.receipt.gasUsed.toString(),
              });
          }
        }
        io.out(
          JSON.stringify({ epoch: header.epoch.toString(), height: header.height.toString(), lanes: out }, null, 2),
        );
      } finally {
        await chain.stop();
      }
    });
}
