import { settleBatch, type Outcome } from '@rgchat/chat-core';

export type { Outcome };

export interface AppendQueue<T, R> {
  /** Queues `item` for the next batch; settles once that batch has committed (or failed). */
  enqueue(item: T): Promise<R>;
  /** Writes everything queued now, synchronously (used by close). */
  drain(): void;
  readonly pending: number;
}

export interface AppendQueueOptions<T, R> {
  /**
   * Writes a batch in ONE transaction and returns one outcome per item, in
   * order. Throws when the transaction itself fails (lock, I/O): then every
   * item of the batch is rejected with that error and nothing was written.
   * Being synchronous, the outcome is always certain: SQLite appends never
   * need core's "outcome unknown" (STORE_TIMEOUT).
   */
  readonly writeBatch: (items: readonly T[]) => Outcome<R>[];
  /** Upper bound on one transaction, so a burst never holds the event loop for long. */
  readonly maxBatchSize: number;
}

interface Pending<T, R> {
  readonly item: T;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit. Each transaction costs WAL page writes (and with
 * synchronous=FULL an fsync), so
 * appends are queued and the queue is written on `setImmediate`: everything
 * that arrived during one event-loop turn (every socket read in the poll
 * phase, and the microtasks they ran) shares one transaction and one fsync,
 * while each caller still gets its own result. setImmediate rather than a
 * microtask so that appends issued from separate I/O callbacks of the same
 * turn land in the same batch.
 */
export function createAppendQueue<T, R>(options: AppendQueueOptions<T, R>): AppendQueue<T, R> {
  const { writeBatch, maxBatchSize } = options;
  let queue: Pending<T, R>[] = [];
  let scheduled: NodeJS.Immediate | undefined;

  const schedule = () => {
    if (scheduled === undefined && queue.length > 0) scheduled = setImmediate(flushOne);
  };

  function flushOne(): void {
    scheduled = undefined;
    writeNext();
    // Whatever exceeded maxBatchSize goes next turn, letting I/O run between.
    schedule();
  }

  function writeNext(): void {
    const batch = queue.slice(0, maxBatchSize);
    queue = queue.slice(batch.length);
    let outcomes: Outcome<R>[];
    try {
      outcomes = writeBatch(batch.map((p) => p.item));
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    // Only here, after COMMIT returned, does any caller learn its result.
    settleBatch(batch, outcomes);
  }

  return {
    enqueue(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    drain() {
      if (scheduled !== undefined) clearImmediate(scheduled);
      scheduled = undefined;
      while (queue.length > 0) writeNext();
    },
    get pending() {
      return queue.length;
    },
  };
}
