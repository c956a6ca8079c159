import { settleBatch, type Outcome } from '@rgchat/chat-core';

export type { Outcome };

/** Items of ONE room, in enqueue order. */
export interface RoomGroup<T> {
  readonly key: string;
  readonly items: readonly T[];
}

export interface RoomBatcherOptions<T, R> {
  /** The room an item belongs to; items of one room are written in enqueue order. */
  readonly keyOf: (item: T) => string;
  /**
   * Writes the groups of several rooms (at most one group per room) and
   * returns, for each group in order, one outcome per item in order. May
   * reject: then every item of every group fails with that error.
   */
  readonly writeGroups: (groups: readonly RoomGroup<T>[]) => Promise<Outcome<R>[][]>;
  /** Upper bound on one room's group. */
  readonly maxGroupSize: number;
  /** Upper bound on the items of one write, all its rooms together. */
  readonly maxWriteSize: number;
  /**
   * An item that waited this long without being sent fails instead: its
   * caller has likely given up already, and writing it late would store a
   * message its author was told had failed.
   */
  readonly maxWaitMs: number;
}

interface Pending<T, R> {
  readonly item: T;
  readonly enqueuedAtMs: number;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

interface Lane<T, R> {
  readonly queue: Pending<T, R>[];
  /** A write holding this room's earlier items is in flight. */
  writing: boolean;
}

interface Taken<T, R> {
  readonly key: string;
  readonly lane: Lane<T, R>;
  readonly group: Pending<T, R>[];
}

export interface RoomBatcher<T, R> {
  /** Settles once the item's group is committed (or has failed). */
  enqueue(item: T): Promise<R>;
  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void>;
}

/**
 * Group commit across rooms, in order within each. A room has at most one
 * write in flight; once per event-loop turn, every room with queued items
 * and no write in flight joins ONE write: one statement, one round trip,
 * one commit for what all those rooms received meanwhile. So the number of
 * statements follows the turns, not the rooms: ten busy rooms cost one
 * commit per round trip, not ten (Postgres's commits and wake-ups were most
 * of its CPU under load, docs/benchmarks.md). Writes of disjoint rooms may
 * be in flight together, bounded by the pool; a room whose write is slow
 * holds only its own next items.
 */
export function createRoomBatcher<T, R>(options: RoomBatcherOptions<T, R>): RoomBatcher<T, R> {
  const { keyOf, writeGroups, maxGroupSize, maxWriteSize, maxWaitMs } = options;
  const lanes = new Map<string, Lane<T, R>>();
  /** Rooms with queued items and no write in flight, oldest first. */
  const ready = new Set<string>();
  let scheduled = false;
  let idleWaiters: (() => void)[] = [];

  const settleIdle = () => {
    if (lanes.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  // After this turn, so appends from every socket read of the turn share the write.
  const schedule = () => {
    if (scheduled || ready.size === 0) return;
    scheduled = true;
    setImmediate(flush);
  };

  /** Up to `limit` of the lane's oldest items; items that waited too long fail instead. */
  const take = (lane: Lane<T, R>, now: number, limit: number): Pending<T, R>[] => {
    const group: Pending<T, R>[] = [];
    while (group.length < limit && lane.queue.length > 0) {
      const p = lane.queue.shift()!;
      if (now - p.enqueuedAtMs > maxWaitMs) p.reject(new Error(`append waited ${now - p.enqueuedAtMs} ms for the database and was not written`));
      else group.push(p);
    }
    return group;
  };

  function flush(): void {
    scheduled = false;
    const now = Date.now();
    const taken: Taken<T, R>[] = [];
    let size = 0;
    for (const key of ready) {
      if (size >= maxWriteSize) break;
      ready.delete(key);
      const lane = lanes.get(key)!;
      const group = take(lane, now, Math.min(maxGroupSize, maxWriteSize - size));
      if (group.length > 0) {
        lane.writing = true;
        taken.push({ key, lane, group });
        size += group.length;
      } else if (lane.queue.length === 0) {
        lanes.delete(key);
      }
    }
    // Rooms past the write's cap go next turn, letting I/O run between.
    schedule();
    if (taken.length > 0) void write(taken);
    else settleIdle();
  }

  async function write(taken: readonly Taken<T, R>[]): Promise<void> {
    let outcomes: Outcome<R>[][] | undefined;
    let failure: unknown;
    try {
      outcomes = await writeGroups(taken.map((t) => ({ key: t.key, items: t.group.map((p) => p.item) })));
    } catch (error) {
      failure = error;
    }
    taken.forEach((t, i) => {
      if (outcomes === undefined) for (const p of t.group) p.reject(failure);
      else settleBatch(t.group, outcomes[i] ?? []);
      t.lane.writing = false;
      if (t.lane.queue.length > 0) ready.add(t.key);
      else lanes.delete(t.key);
    });
    schedule();
    settleIdle();
  }

  return {
    enqueue(item) {
      return new Promise<R>((resolve, reject) => {
        const key = keyOf(item);
        let lane = lanes.get(key);
        if (lane === undefined) lanes.set(key, (lane = { queue: [], writing: false }));
        lane.queue.push({ item, enqueuedAtMs: Date.now(), resolve, reject });
        if (!lane.writing) {
          ready.add(key);
          schedule();
        }
      });
    },
    idle() {
      if (lanes.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
