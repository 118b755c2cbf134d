// `openmesh-keeper init`: generates the three keys and prints what to register on chain.
import type { Command } from "commander";
import { getAddress, hexlify, isAddress } from "ethers";
import { KeeperIdentity } from "../../identity/index.js";
import { loadOfflineConfig } from "../config.js";
import { CliUsageError } from "../errors.js";
import type { CliIo } from "../io.js";

export function initCommand(program: Command, io: CliIo): void {
  program
    .command("init")
    .description("generate the operator signer, BLS12-381 and libp2p keys into a new key directory (0700, files 0600)")
    .option("-k, --key-dir <dir>", "key directory (default: keyDir from --config / OPENMESH_KEY_DIR)")
    .option("-c, --config <file>", "keeper config file (for keyDir and listen addresses)")
    .option("--json", "print the public identity as JSON")
    .option("--operator <address>", "also print the BLS proof of possession for this operator (owner) address")
    .action(async (opts: { keyDir?: string; config?: string; json?: boolean; operator?: string }) => {
      if (opts.operator !== undefined && !isAddress(opts.operator)) {
        throw new CliUsageError("--operator must be an address (the owner account that will register)");
      }
      let keyDir = opts.keyDir;
      let listen: string[] = [];
      if (opts.config || !keyDir) {
        if (!opts.config && !io.env.OPENMESH_KEY_DIR) {
          throw new CliUsageError("init needs --key-dir <dir> or --config <file>");
        }
        // init writes keys only: no data dir needed yet; --key-dir wins over the config.
        const config = loadOfflineConfig(opts.config, io, {
          OPENMESH_DATA_DIR: io.env.OPENMESH_DATA_DIR ?? ".",
          ...(keyDir ? { OPENMESH_KEY_DIR: keyDir } : {}),
        });
        keyDir = config.keyDir;
        listen = config.p2p.announce.length > 0 ? config.p2p.announce : config.p2p.listen;
      }
      const identity = await KeeperIdentity.generate(keyDir);
      const pub = identity.public;
      // the proof of possession names the registering operator (docs/certificates.md): made for one address
      const pop = opts.operator ? hexlify(identity.proofOfPossession(opts.operator)) : undefined;
      if (opts.json) {
        const popFields = pop ? { operator: getAddress(opts.operator!), blsProofOfPossession: pop } : {};
        io.out(JSON.stringify({ keyDir, ...pub, ...popFields }, null, 2));
        return;
      }
      io.out(`keys written to ${keyDir} (directory 0700, files 0600) — back them up; they cannot be recovered`);
      io.out(`peer id:          ${pub.peerId}`);
      io.out(`signer address:   ${pub.signerAddress}`);
      io.out(`BLS public key:   ${pub.blsPublicKey}`);
      io.out(
        pop
          ? `BLS PoP:          ${pop} (valid only for operator ${getAddress(opts.operator!)})`
          : "BLS PoP:          made by `register` for the owner address (it names the operator; see --operator)",
      );
      for (const addr of listen) io.out(`address:          ${addr}/p2p/${pub.peerId}`);
      io.out(
        "next: fund the operator account, then `openmesh-keeper register` once the staking contracts are deployed",
      );
    });
}
