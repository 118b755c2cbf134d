// Issue 16 at small scale: four real keepers on a real chain keep deciding heights while fresh
// attacker peers replay real precommits (2 peers, ~1,200/s), flood the vote push stream and flood
// commit requests; each attacker is cut off within seconds, logs stay bounded, memory flat.
// The phase reports (latency against the quiet phases included) are printed.
// scripts/bench/flood.ts runs the same harness at full scale and prints the numbers.
import { expect } from "chai";
import { FloodObserver, runFlood, type PhaseReport } from "../../scripts/lib/flood.js";
import { KeeperCluster } from "../../scripts/lib/keeper-cluster.js";
import { waitFor } from "../keeper/helpers/p2p.js";

describe("e2e flood: 4 keepers under replayed votes, push-frame and request floods", function () {
  this.timeout(150_000);
  const observer = new FloodObserver();
  let cluster: KeeperCluster;
  let reports: PhaseReport[];

  before(async () => {
    cluster = await KeeperCluster.start({
      keepers: 4,
      logger: observer.logger,
      onConsensusEvent: observer.onConsensusEvent,
    });
    await waitFor(() => observer.decisions.filter((d) => d.keeper === 0).length >= 5, "first heights", 60_000);
    reports = await runFlood(cluster, observer, {
      baselineSeconds: 5,
      attackSeconds: 4,
      attackers: 2,
      votesPerSecond: 600,
      requestConcurrency: 16,
      attacks: ["replay", "frames", "requests"],
    });
    console.log(JSON.stringify(reports));
  });
  after(() => cluster?.stop());

  const baseline = () => reports.find((r) => r.phase === "baseline")!;
  const quiet = () => reports.find((r) => r.phase === "quiet")!;
  const attacks = () => reports.filter((r) => r.phase !== "baseline" && r.phase !== "quiet");

  it("keeps deciding heights under every attack", () => {
    // Latency is a speed target, so the bench shows it (scripts/bench/flood.ts prints each attack's
    // p50 against the quiet phases, goal 2x); on these shared cores two quiet phases of one run
    // already differed by up to 2.5x in p50, so no timed bound here.
    expect(baseline().heights).to.be.greaterThan(3);
    for (const r of attacks()) expect(r.heights, r.phase).to.be.greaterThan(1);
  });

  it("disconnects the gossip and push attackers from every keeper within seconds, and bans every attacker", () => {
    for (const r of attacks()) {
      if (r.phase !== "requests") {
        expect(
          r.disconnectedAfterSeconds.every((s) => s !== null && s < 6),
          `${r.phase}: ${JSON.stringify(r.disconnectedAfterSeconds)}`,
        ).to.equal(true);
      }
      // a requester is banned where it goes over the rate limit; a keeper that answers it slowly
      // may never see it do so (then it is only served at the limit)
      expect(r.bans, r.phase).to.be.at.least(r.disconnectedAfterSeconds.length);
    }
  });

  it("floods: the replaying peers send hundreds of votes a second while connected, until cut off", () => {
    // asked for 600/s per attacker (bench: 1,000/s and more); the attackers share the cores too
    expect(attacks().find((r) => r.phase === "replay")!.sentPerSecond).to.be.at.least(500);
  });

  it("keeps log lines bounded, and RSS within +30 MB of what an equally long quiet phase gains", () => {
    // the process gains RSS with no attack at all (~15 MB per 5 s phase measured here: V8 and
    // native buffers warming up), so each attack is compared with the quiet phase of the same run
    const quietGain = Math.max(0, quiet().rssMB - quiet().rssStartMB);
    for (const r of attacks()) {
      expect(r.logLinesPerSecond, r.phase).to.be.at.most(20);
      expect(r.peakRssMB - r.rssStartMB, r.phase).to.be.at.most(quietGain + 30);
    }
  });
});
