import { Client } from 'pg';
import { silentLog, type Bus, type BusEvent, type MessageStore } from '@rgchat/chat-core';
import { createBackoff } from './backoff';
import { decodeNotice, encodeNotice, encodeResync, type Notice } from './notify-payload';
import { createPool } from './postgres-pool';
import { clientConfig, errText, quoteIdent, resolveOptions, type PostgresOptions } from './postgres-options';

export const DEFAULT_BUS_CHANNEL = 'rgchat_events';

export interface PostgresBusOptions extends PostgresOptions {
  /** Unique per running instance; notices carrying it are this instance's own echoes and are dropped. */
  readonly instanceId: string;
  /** NOTIFY channel shared by every instance of one deployment. Default 'rgchat_events'. */
  readonly channel?: string;
  /**
   * Where a message too big for a NOTIFY payload is read back from. Without
   * it such a message arrives as its room's metadata plus a `resync`.
   */
  readonly store?: MessageStore;
}

export type PostgresBus = Bus & {
  /** UNLISTENs, ends every connection and stops reconnecting; idempotent. */
  close(): Promise<void>;
};

/** How often the LISTEN connection is probed, in ms: notices that a silently dead socket will never bring anything. */
const LISTEN_PING_MS = 15_000;
/** NOTIFY attempts per batch before it is dropped (and a resync owed). */
const NOTIFY_ATTEMPTS = 3;
const NOTIFY_RETRY_BASE_MS = 100;
/** Notices sent by one statement. */
const MAX_NOTICES_PER_STATEMENT = 100;
/** Notices held while Postgres is unreachable; older ones are dropped (a resync is owed instead). */
const MAX_OUTBOX = 10_000;

/** A graceful end waits for the server's goodbye; past this, in ms, the socket is destroyed. */
const END_GRACE_MS = 1000;

/** Ends `client`, never waiting more than END_GRACE_MS for an unresponsive server. */
function endClient(client: Client): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      client.connection.stream.destroy();
      resolve();
    }, END_GRACE_MS);
    client.end().then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

interface Listener {
  readonly client: Client;
  /** Tears this connection down and, unless the bus is closing, reconnects; resolves once it has ended. */
  readonly fail: (why: string, err?: unknown) => Promise<void>;
}

/**
 * Cross-instance fan-out over Postgres LISTEN/NOTIFY. The database, not the
 * bus, is the source of truth: a notice may be late, reordered or lost (core
 * orders by seq and fills gaps from the store), and after any reconnect of
 * the LISTEN connection subscribers get `{ kind: 'resync' }`.
 *
 * Uses one dedicated connection for LISTEN and a one-connection pool for
 * NOTIFY (`poolSize` does not apply). Rejects when the first LISTEN fails.
 */
export async function openPostgresBus(options: PostgresBusOptions): Promise<PostgresBus> {
  const o = resolveOptions(options);
  const log = options.log ?? silentLog;
  const { instanceId, store } = options;
  const channel = options.channel ?? DEFAULT_BUS_CHANNEL;
  if (instanceId.length === 0) throw new RangeError('bus instanceId must not be empty');
  if (channel.length === 0 || Buffer.byteLength(channel) > 63) throw new RangeError(`bus channel must be 1-63 bytes, got "${channel}"`);

  const handlers = new Set<(event: BusEvent) => void>();
  const backoff = createBackoff({ initialMs: 100, maxMs: 5000 });
  // NOTIFYs go out one batch at a time, so one connection is all they use.
  const pool = createPool(o, 1, log, 'bus-notify');
  const notifySql = 'SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p';

  let closed = false;
  let closing: Promise<void> | undefined;
  let listener: Listener | undefined;
  let connecting: Promise<boolean> | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let pinging = false;
  let outbox: string[] = [];
  let flushing: Promise<void> | undefined;
  /** Some notice never made it out: tell the other instances to re-read once NOTIFY works again. */
  let owesResync = false;
  let wakeRetry: (() => void) | undefined;

  function emit(event: BusEvent): void {
    // A snapshot, so a handler may unsubscribe itself; one failing handler
    // must not starve the others or break the LISTEN connection's reader.
    for (const h of [...handlers]) {
      try {
        h(event);
      } catch (err) {
        log('error', 'bus subscriber threw', { kind: event.kind, err: errText(err) });
      }
    }
  }

  /** Connects, LISTENs and installs the connection; false when the bus closed meanwhile. */
  async function listen(): Promise<boolean> {
    const client = new Client(clientConfig(o));
    let live = false;
    let ended: Promise<void> | undefined;
    const fail = (why: string, err?: unknown): Promise<void> => {
      if (ended) return ended;
      ended = endClient(client);
      if (listener?.client === client) listener = undefined;
      if (live && !closed) {
        log('warn', 'bus LISTEN connection lost; reconnecting', { channel, why, err: err === undefined ? undefined : errText(err) });
        scheduleReconnect();
      }
      return ended;
    };
    client.on('error', (err) => fail('error', err));
    client.on('end', () => fail('end'));
    client.on('notification', (n) => {
      if (!ended && !closed && n.channel === channel) onNotice(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (e) {
      void fail('connect');
      throw e;
    }
    if (ended) throw new Error('LISTEN connection ended while starting');
    if (closed) {
      await fail('closed');
      return false;
    }
    live = true;
    listener = { client, fail };
    return true;
  }

  function scheduleReconnect(): void {
    if (closed || reconnectTimer !== undefined || connecting !== undefined) return;
    const delayMs = backoff.next();
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connecting = listen();
      connecting.then(
        (ok) => {
          connecting = undefined;
          if (!ok) return;
          backoff.reset();
          log('info', 'bus LISTEN re-established', { channel });
          if (owesResync) scheduleFlush();
          // Whatever was notified while we were away is gone: re-read.
          emit({ kind: 'resync' });
        },
        (err: unknown) => {
          connecting = undefined;
          log('warn', 'bus LISTEN reconnect failed', { channel, err: errText(err) });
          scheduleReconnect();
        },
      );
    }, delayMs);
  }

  // A socket that died without a FIN or RST (host gone, NAT dropped) keeps
  // LISTEN "connected" and silent; a periodic round trip notices.
  const pingTimer = setInterval(() => {
    if (owesResync && !closed) scheduleFlush();
    const l = listener;
    if (!l || pinging) return;
    pinging = true;
    l.client
      .query('SELECT 1')
      .catch((err: unknown) => void l.fail('ping failed', err))
      .finally(() => (pinging = false));
  }, LISTEN_PING_MS);

  function onNotice(payload: string | undefined): void {
    const n = decodeNotice(payload);
    if (n === undefined) {
      log('warn', 'bus ignored a malformed notice', { channel, bytes: payload?.length ?? 0 });
      return;
    }
    if (n.i === instanceId) return;
    switch (n.k) {
      case 'message':
        return emit({ kind: 'message', message: n.message, room: n.room });
      case 'room':
        return emit({ kind: 'room', room: n.room });
      case 'resync':
        return emit({ kind: 'resync' });
      case 'message-ref':
        return void resolveRef(n);
    }
  }

  async function resolveRef(n: Extract<Notice, { k: 'message-ref' }>): Promise<void> {
    try {
      if (!store) throw new Error('no store to read oversized messages from');
      const [row] = await store.messagesAfter(n.room.id, n.seq - 1, 1);
      if (closed) return;
      if (row?.seq !== n.seq || row.id !== n.id) throw new Error('referenced message not found');
      emit({ kind: 'message', message: row, room: n.room });
    } catch (err) {
      if (closed) return;
      log('warn', 'bus could not read a referenced message; resyncing', { roomId: n.room.id, seq: n.seq, err: errText(err) });
      emit({ kind: 'room', room: n.room });
      emit({ kind: 'resync' });
    }
  }

  function enqueue(payload: string): void {
    outbox.push(payload);
    if (outbox.length > MAX_OUTBOX) {
      const dropped = outbox.length - MAX_OUTBOX;
      outbox = outbox.slice(dropped);
      owesResync = true;
      log('error', 'bus outbox full; dropped notices', { dropped });
    }
    scheduleFlush();
  }

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
          await pool.query(notifySql, [channel, batch]);
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
        // database is back.
        owesResync = true;
        log('error', 'bus NOTIFY gave up; other instances will catch up from the store', { channel, notices: batch.length });
        return;
      }
      if (withResync) owesResync = false;
    }
  }

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

  try {
    await listen();
  } catch (e) {
    clearInterval(pingTimer);
    await pool.end().catch(() => undefined);
    throw e;
  }

  return {
    publish(event) {
      if (closed) return;
      // Local subscribers first and synchronously: core on this instance
      // must not wait for a database round trip to see its own message.
      emit(event);
      // resync is about this instance's view; other instances decide their own.
      if (event.kind === 'resync') return;
      let payload: string;
      try {
        payload = encodeNotice(instanceId, event);
      } catch (err) {
        log('error', 'bus could not encode a notice', { kind: event.kind, err: errText(err) });
        return;
      }
      enqueue(payload);
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(pingTimer);
        if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
        reconnectTimer = undefined;
        wakeRetry?.();
        // An attempt in flight is bounded by the connect timeout; it sees
        // `closed` and ends its own connection.
        await connecting?.catch(() => undefined);
        const l = listener;
        listener = undefined;
        if (l) {
          await l.client.query('UNLISTEN *').catch(() => undefined);
          await l.fail('closed');
        }
        // What was published before close still goes out (one attempt).
        await flushing;
        await pool.end().catch((err: unknown) => log('warn', 'bus pool end failed', { err: errText(err) }));
        handlers.clear();
      })();
      return closing;
    },
  };
}
