// A "seen" cache in the manner of Lodestar's (seenAttesters, seenBlockProposers): what was already
// accepted for one slot (e.g. one validator's vote at one height, round and step), so a second
// message for the slot is dropped whatever its bytes. gossipsub's own duplicate check only knows
// message ids; this knows what a message means.
//
// Per slot it keeps the distinct contents accepted, each with its substance (for a vote: the
// value voted for). A message whose content is already there is a duplicate (ignore); one with a
// known substance in other bytes was tampered with (reject: honest signing is deterministic); a
// new substance is accepted while the slot holds fewer than `maxDistinct` (so one conflicting
// vote still gets through as double-sign evidence), and refused after.

export type SeenVerdict = "new" | "duplicate" | "tampered" | "overflow";

export interface SeenSlotKey {
  /** the position the slot belongs to; slots below the pruning height are forgotten */
  epoch: bigint;
  height: number;
  /** the rest of the slot key: author, round, step... */
  slot: string;
}

interface Slot {
  epoch: bigint;
  height: number;
  entries: Array<{ substance: string; content: string }>;
}

export class SeenCache {
  private readonly slots = new Map<string, Slot>();

  /**
   * `maxDistinct`: distinct substances accepted per slot. `maxSlots`: a hard bound on memory
   * (oldest slots forgotten first) whatever the pruning does.
   */
  constructor(
    private readonly maxDistinct: number,
    private readonly maxSlots = 65_536,
  ) {}

  get size(): number {
    return this.slots.size;
  }

  /** Records the message if it is new for its slot; says what it was. */
  check(key: SeenSlotKey, substance: string, content: string): SeenVerdict {
    const id = `${key.epoch}/${key.height}/${key.slot}`;
    let slot = this.slots.get(id);
    if (!slot) {
      slot = { epoch: key.epoch, height: key.height, entries: [] };
      this.slots.set(id, slot);
      if (this.slots.size > this.maxSlots) {
        const oldest = this.slots.keys().next();
        if (!oldest.done) this.slots.delete(oldest.value);
      }
    }
    for (const e of slot.entries) {
      if (e.content === content) return "duplicate";
      if (e.substance === substance) return "tampered";
    }
    if (slot.entries.length >= this.maxDistinct) return "overflow";
    slot.entries.push({ substance, content });
    return "new";
  }

  /** Forgets slots of earlier epochs and of heights below `height` in `epoch`. */
  prune(epoch: bigint, height: number): void {
    for (const [id, slot] of this.slots) {
      if (slot.epoch < epoch || (slot.epoch === epoch && slot.height < height)) this.slots.delete(id);
    }
  }
}
