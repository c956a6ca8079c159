import { settleBatch, type Outcome } from '@rgchat/chat-core';

export type { Outcome };

export interface RoomBatcherOptions<T, R> {
  /** The room an item belongs to; items of one room are written in enqueue order. */
  readonly keyOf: (item: T) => string;
  /**
   * Writes items of ONE room and returns one outcome per item, in order.
   * May reject: then every item of the group fails with that error.
   */
  readonly writeGroup: (key: string, items: readonly T[]) => Promise<Outcome<R>[]>;
  /** Upper bound on one group. */
  readonly maxGroupSize: number;
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
  queue: Pending<T, R>[];
}

export interface RoomBatcher<T, R> {
  /** Settles once the item's group is committed (or has failed). */
  enqueue(item: T): Promise<R>;
  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void>;
}

/**
 * Group commit per room. Each room has a lane with at most one write in
 * flight; whatever arrives meanwhile (and everything enqueued during the
 * first event-loop turn) goes out as the next group: one statement, one
 * round trip, one commit for a burst. Different rooms write in parallel,
 * bounded by the pool. One room's writes never wait on another's row lock,
 * so there is no lock ordering to get wrong.
 */
export function createRoomBatcher<T, R>(options: RoomBatcherOptions<T, R>): RoomBatcher<T, R> {
  const { keyOf, writeGroup, maxGroupSize, maxWaitMs } = options;
  const lanes = new Map<string, Lane<T, R>>();
  let idleWaiters: (() => void)[] = [];

  const settleIdle = () => {
    if (lanes.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  async function runLane(key: string, lane: Lane<T, R>): Promise<void> {
    while (lane.queue.length > 0) {
      const now = Date.now();
      const group: Pending<T, R>[] = [];
      while (group.length < maxGroupSize && lane.queue.length > 0) {
        const p = lane.queue.shift()!;
        if (now - p.enqueuedAtMs > maxWaitMs) {
          p.reject(new Error(`append waited ${now - p.enqueuedAtMs} ms for the database and was not written`));
        } else {
          group.push(p);
        }
      }
      if (group.length === 0) continue;
      let outcomes: Outcome<R>[];
      try {
        outcomes = await writeGroup(
          key,
          group.map((p) => p.item),
        );
      } catch (error) {
        for (const p of group) p.reject(error);
        continue;
      }
      settleBatch(group, outcomes);
    }
    lanes.delete(key);
    settleIdle();
  }

  return {
    enqueue(item) {
      return new Promise<R>((resolve, reject) => {
        const key = keyOf(item);
        const pending: Pending<T, R> = { item, enqueuedAtMs: Date.now(), resolve, reject };
        const lane = lanes.get(key);
        if (lane) {
          lane.queue.push(pending);
          return;
        }
        const fresh: Lane<T, R> = { queue: [pending] };
        lanes.set(key, fresh);
        // Start after this turn, so appends from every socket read of the
        // turn share the first group.
        setImmediate(() => void runLane(key, fresh));
      });
    },
    idle() {
      if (lanes.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
