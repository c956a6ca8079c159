import type { Log } from '@rgchat/chat-core';
import { encodeResync } from './notify-payload';
import { createPool } from './postgres-pool';
import { errText, type ResolvedOptions } from './postgres-options';
import { prepared } from './statements';

/** NOTIFY attempts per batch before it is dropped (and a resync owed). */
const NOTIFY_ATTEMPTS = 3;
/** Wait before the second attempt, in ms; each further one waits 4x longer. */
const NOTIFY_RETRY_BASE_MS = 100;
/** Notices sent by one statement. */
const MAX_NOTICES_PER_STATEMENT = 100;
/** Notices held while Postgres is unreachable; older ones are dropped (a resync is owed instead). */
const MAX_OUTBOX = 10_000;

export interface PostgresNotifierOptions {
  readonly options: ResolvedOptions;
  /** Already validated by the bus. */
  readonly channel: string;
  /** Goes into the resync notice this notifier owes after losing notices. */
  readonly instanceId: string;
  readonly log: Log;
}

export interface PostgresNotifier {
  /** Queues an encoded payload; everything queued in one event-loop turn goes out in one statement. Never throws. */
  notify(payload: string): void;
  /** Sends the resync owed for lost notices, if any: the database may be reachable again. */
  retryOwed(): void;
  /** Sends what is queued (one attempt, no retries), then ends its pool; idempotent. */
  close(): Promise<void>;
}

/**
 * The NOTIFY side of the bus: an outbox flushed once per event-loop turn
 * over a one-connection pool (batches go out one at a time, so one
 * connection is all they use), retried a few times with backoff. When a
 * batch is given up or the outbox overflows, the other instances are owed a
 * resync: it goes out with the next flush, so they re-read from the store
 * what they missed.
 */
export function createPostgresNotifier(options: PostgresNotifierOptions): PostgresNotifier {
  const { options: o, channel, instanceId, log } = options;
  const pool = createPool(o, 1, log, 'bus-notify');
  const notifySql = 'SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p';
  let closed = false;
  let closing: Promise<void> | undefined;
  let outbox: string[] = [];
  let flushing: Promise<void> | undefined;
  /** Some notice never made it out: tell the other instances to re-read once NOTIFY works again. */
  let owesResync = false;
  let wakeRetry: (() => void) | undefined;

  function scheduleFlush(): void {
    if (flushing) return;
    // After this turn, so a burst of publishes shares one statement.
    flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(flush)
      .catch((err: unknown) => log('error', 'bus flush failed', { err: errText(err) }))
      .finally(() => {
        flushing = undefined;
        if (outbox.length > 0 && !closed) scheduleFlush();
      });
  }

  async function flush(): Promise<void> {
    while (outbox.length > 0 || owesResync) {
      const batch = outbox.splice(0, MAX_NOTICES_PER_STATEMENT);
      const withResync = owesResync;
      if (withResync) batch.push(encodeResync(instanceId));
      let sent = false;
      for (let attempt = 1; attempt <= NOTIFY_ATTEMPTS && !sent; attempt++) {
        try {
          await pool.query(prepared('notify', notifySql, [channel, batch]));
          sent = true;
        } catch (err) {
          log('warn', 'bus NOTIFY failed', { channel, attempt, notices: batch.length, err: errText(err) });
          // Closing: one attempt, no retries.
          if (closed) break;
          if (attempt < NOTIFY_ATTEMPTS) await sleep(NOTIFY_RETRY_BASE_MS * 4 ** (attempt - 1));
        }
      }
      if (!sent) {
        // Core on the other instances fills message gaps from the store; the
        // resync owed here also makes them re-read room metadata. It goes out
        // with the next publish, or once LISTEN or the ping shows the
        // database is back (retryOwed).
        owesResync = true;
        log('error', 'bus NOTIFY gave up; other instances will catch up from the store', { channel, notices: batch.length });
        return;
      }
      if (withResync) owesResync = false;
    }
  }

  /** A retry's wait, cut short by close. */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        wakeRetry = undefined;
        resolve();
      }
      wakeRetry = done;
    });

  return {
    notify(payload) {
      outbox.push(payload);
      if (outbox.length > MAX_OUTBOX) {
        const dropped = outbox.length - MAX_OUTBOX;
        outbox = outbox.slice(dropped);
        owesResync = true;
        log('error', 'bus outbox full; dropped notices', { dropped });
      }
      scheduleFlush();
    },
    retryOwed() {
      if (owesResync && !closed) scheduleFlush();
    },
    close() {
      // `closed` and the wake-up happen synchronously, before the first
      // await: a retry in its backoff sleep makes its last attempt now.
      closed = true;
      wakeRetry?.();
      closing ??= (async () => {
        // What was published before close still goes out (one attempt).
        await flushing;
        await pool.end().catch((err: unknown) => log('warn', 'bus pool end failed', { err: errText(err) }));
      })();
      return closing;
    },
  };
}
