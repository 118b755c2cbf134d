// Who follows consensus, for task execution: a member counts as live for tasks only if its
// precommit is in one of the last `window` commits this keeper decided. Heartbeats alone are not
// enough: a keeper restarted a moment ago heartbeats at once but executes nothing before it decides
// a height (it does not know which rounds are due), so a spare waiting behind it would wait for
// nothing (docs/tasks.md, "Reassignment"). Which spare runs stays each keeper's local view: results
// still count from the counting positions only, so validation never depends on it.
import type { Commit } from "../checkpoint/payload.js";

export class RecentSigners {
  /** height -> the commits seen for it (the decided one, and the next payload's lastCommit) */
  private readonly byHeight = new Map<bigint, Commit[]>();

  constructor(private readonly window = 5) {}

  /** A decided height's commit, or a payload's lastCommit (precommits of the height before). */
  observe(commit: Commit | null | undefined): void {
    if (!commit) return;
    const list = this.byHeight.get(commit.height) ?? [];
    if (!list.includes(commit)) list.push(commit);
    this.byHeight.set(commit.height, list);
    // keep the newest `window` heights
    const heights = [...this.byHeight.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const h of heights.slice(0, Math.max(0, heights.length - this.window))) this.byHeight.delete(h);
  }

  /**
   * False only when a full window of heights has been seen and `signer` (lowercase) signed none of
   * them. Commits are read when asked: a precommit arriving after the decision joins them.
   * A member that joined at an epoch start thus counts as lagging for at most `window` heights (an
   * extra spare runs meanwhile, which costs work, never correctness).
   */
  following(signer: string): boolean {
    if (this.byHeight.size < this.window) return true;
    for (const list of this.byHeight.values())
      for (const c of list) if (c.signatures.some((s) => s.signer.toLowerCase() === signer)) return true;
    return false;
  }
}
