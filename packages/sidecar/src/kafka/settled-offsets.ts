/** A partition's offset to commit: the offset of the next record to read. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch: number;
}

/** A record's place, as the consumer read it. */
export interface RecordPlace {
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch: number;
}

/** One batch handed to the sink, from `track` to `settle`. */
export interface BatchTicket {
  settled: boolean;
  /** Per partition: the offset after the batch's last record there. */
  readonly next: Map<string, PartitionOffset>;
}

/**
 * Which offsets may be committed while several batches are written at once. Batches are tracked
 * in the order they were read; they may settle (every document acknowledged by Elasticsearch or
 * dead-lettered) in any order. Per partition, an offset becomes committable only when every
 * batch read before it with records of that partition has settled too: a batch that finishes
 * early never commits past the records of an earlier one still in flight, so a crash replays
 * those. A partition waits only for the batches that hold its own records.
 */
export class SettledOffsets {
  /** Per "topic|partition": the unsettled (or not yet passed) batches, oldest first. */
  private readonly waiting = new Map<string, BatchTicket[]>();
  /** Per "topic|partition": the highest offset handed out as committable. */
  private readonly handedOut = new Map<string, bigint>();
  private unsettled = 0;

  /** Batches tracked and not settled yet. */
  get inFlight(): number {
    return this.unsettled;
  }

  /** Registers a batch, in the order its records were read. */
  track(records: Iterable<RecordPlace>): BatchTicket {
    const next = new Map<string, PartitionOffset>();
    for (const record of records) {
      const key = `${record.topic}|${record.partition}`;
      const current = next.get(key);
      if (!current || record.offset + 1n > current.offset) {
        next.set(key, {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset + 1n,
          leaderEpoch: record.leaderEpoch,
        });
      }
    }
    const ticket: BatchTicket = { settled: false, next };
    for (const key of next.keys()) {
      let queue = this.waiting.get(key);
      if (!queue) this.waiting.set(key, (queue = []));
      queue.push(ticket);
    }
    this.unsettled++;
    return ticket;
  }

  /**
   * Marks the batch settled; returns the offsets that became committable (per partition, the
   * offset after the last record of the settled batches in front of its queue), higher than any
   * handed out before.
   */
  settle(ticket: BatchTicket): PartitionOffset[] {
    if (ticket.settled) return [];
    ticket.settled = true;
    this.unsettled--;
    const committable: PartitionOffset[] = [];
    for (const key of ticket.next.keys()) {
      const queue = this.waiting.get(key);
      if (!queue) continue;
      let advanced: PartitionOffset | undefined;
      while (queue.length > 0 && (queue[0] as BatchTicket).settled) {
        const passed = (queue.shift() as BatchTicket).next.get(key) as PartitionOffset;
        // Records read again (a stream reopened at the committed offsets) sit behind higher
        // ones: the highest offset of the settled front is the one to commit.
        if (!advanced || passed.offset > advanced.offset) advanced = passed;
      }
      if (queue.length === 0) this.waiting.delete(key);
      if (advanced && advanced.offset > (this.handedOut.get(key) ?? -1n)) {
        this.handedOut.set(key, advanced.offset);
        committable.push(advanced);
      }
    }
    return committable;
  }
}
