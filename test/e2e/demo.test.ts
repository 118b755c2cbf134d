// The demo's path inside `npm test`: a real chain process and real keeper processes started
// through the openmesh-keeper CLI. Fails loudly if any step of the lifecycle does not happen.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../../scripts/lib/deployment-file.js";

describe("e2e: npm run demo (4 keeper processes, the whole lifecycle)", function () {
  // the demo takes ~5 min on a quiet 2-core machine, ~9 under load from other work
  this.timeout(900_000);
  let output = "";
  let code: number | null = null;

  before(async () => {
    const child = spawn(join(REPO_ROOT, "node_modules", ".bin", "tsx"), ["scripts/demo.ts", "--keepers", "4"], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  });

  it("exits 0 after every step", () => {
    expect(code, output).to.equal(0);
    expect(output).to.match(/demo finished in \d+s/);
  });

  it("registers the operators and finds every keeper through the DHT", () => {
    expect(output.match(/keeper \d: operator 0x[0-9a-fA-F]{40}, signer/g) ?? []).to.have.length(4);
    expect(output).to.contain("all 4 keepers connected to the 3 others");
  });

  it("certifies BLS checkpoints on chain and pays an epoch's rewards by Merkle proof to the operator's pool", () => {
    expect(output).to.match(/certified height 1 \(epoch 1, round \d+\): BLS certificate/);
    expect(output).to.match(/keeper 0 claimed operator 0x[0-9a-fA-F]{40}'s [\d.]+ OPEN by Merkle proof/);
    expect(output).to.match(/reward leaf \([\d.]+ OPEN, epoch \d+\) verifies against the bridged header: true/);
    expect(output).to.match(/delegator's 5,000 OPEN position is now worth [\d.]+ OPEN \(\+[\d.]+, by share price\)/);
    // PoR is on in the demo and every operator proved its claim before the epoch closed: a non-zero service share
    expect(output).to.match(
      /split: [\d.]+ OPEN for security \(stake x heights signed\), (?!0\.0 )[\d.]+ OPEN for service/,
    );
  });

  it("certifies every operator's proven resources in a porRoot, and one leaf verifies on chain", () => {
    expect(output.match(/^ {6}0x[0-9a-f]{40}: 1 cores, 64 MiB, 4 GiB, \d+ Mbit\/s, latency/gm) ?? []).to.have.length(4);
    expect(output).to.match(/verifyResource on chain, operator 0x[0-9a-fA-F]{40}'s leaf \(\d+ proof nodes\): true/);
    expect(output).to.contain("the same leaf with twice the storage: refused");
  });

  it("survives a SIGKILLed keeper that restarts, catches up, signs again and never double-signs", () => {
    // missed is 0 when an epoch starts while it is down: a liveness window never crosses epochs
    expect(output).to.match(/keeper 3 caught up and signs again; liveness window: signed [1-9]\d*, missed \d+ heights/);
    expect(output).to.contain("double-sign evidence on chain: none");
  });

  it("follows a governance change of the checkpoint interval", () => {
    expect(output).to.contain("checkpointInterval = 2");
    expect(output).to.contain("(every second height)");
    expect(output).to.match(/pools registered: true/);
    expect(output).to.match(/after bridging back: .*across chains 1,000,000,000 OPEN/);
  });

  it("rents a DVM from proven capacity, settles attested uptime, stores a file in the lease's S3 workspace and runs a job", () => {
    expect(output).to.match(/rented lease #\d+ for \d+ h with a permit/);
    expect(output).to.match(/epoch \d+ settled: provider paid [\d.]+ OPEN/);
    expect(output).to.match(
      /signed in to http:\/\/127\.0\.0\.1:\d+ with its wallet \(SIWE\), got S3 key \w+ for lease #\d+/,
    );
    expect(output).to.match(/put s3:\/\/\S+ \(\d+ bytes, ETag "[0-9a-f]+"\) and read it back: identical/);
    expect(output).to.match(
      /ran job [0-9a-f]{32} on lease #\d+ \(wasm, \d+ fuel, \d+ ms on a worker thread\): output "hseMnepO ,olleh"/,
    );
  });
});
