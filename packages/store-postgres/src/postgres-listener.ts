import { Client } from 'pg';
import type { Log } from '@rgchat/chat-core';
import { createBackoff } from './backoff';
import { clientConfig, errText, quoteIdent, type ResolvedOptions } from './postgres-options';

/** How often the LISTEN connection is probed, in ms: notices that a silently dead socket will never bring anything. */
const LISTEN_PING_MS = 15_000;
/** A graceful end waits for the server's goodbye; past this, in ms, the socket is destroyed. */
const END_GRACE_MS = 1000;

export interface PostgresListenerOptions {
  readonly options: ResolvedOptions;
  /** Already validated by the bus. */
  readonly channel: string;
  readonly log: Log;
  /** Every payload NOTIFYed on the channel, undecoded; called from the connection's reader, so it must not throw. */
  readonly onPayload: (payload: string | undefined) => void;
  /** LISTEN is back after a loss: whatever was notified meanwhile is gone. Not called for the first LISTEN. */
  readonly onReconnected: () => void;
  /** Called every 15 s while open, before the connection is probed: the database may be back. */
  readonly onTick: () => void;
}

export interface PostgresListener {
  /** UNLISTENs, ends the connection and stops reconnecting; idempotent. */
  close(): Promise<void>;
}

/** Ends `client`, never waiting more than END_GRACE_MS for an unresponsive server. */
function endClient(client: Client): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      client.connection.stream.destroy();
      resolve();
    }, END_GRACE_MS);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    client.end().then(done, done);
  });
}

interface Live {
  readonly client: Client;
  /** Tears this connection down and, unless closing, reconnects; resolves once it has ended. */
  readonly fail: (why: string, err?: unknown) => Promise<void>;
}

/**
 * The LISTEN side of the bus: one dedicated connection (a pooled one would
 * lose its LISTEN when returned), re-established after a jittered backoff
 * when it drops (so many instances do not all reconnect at once after a
 * database restart), and probed periodically because a socket that died
 * without FIN or RST stays "connected" and silent. Resolves once the first
 * LISTEN is in place; rejects, leaving nothing running, when it fails.
 */
export async function openPostgresListener(options: PostgresListenerOptions): Promise<PostgresListener> {
  const { options: o, channel, log, onPayload, onReconnected, onTick } = options;
  const backoff = createBackoff({ initialMs: 100, maxMs: 5000 });
  let closed = false;
  let closing: Promise<void> | undefined;
  let live: Live | undefined;
  let connecting: Promise<boolean> | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let pinging = false;

  /** Connects, LISTENs and installs the connection; false when closed meanwhile. */
  async function listen(): Promise<boolean> {
    const client = new Client(clientConfig(o));
    let installed = false;
    let ended: Promise<void> | undefined;
    const fail = (why: string, err?: unknown): Promise<void> => {
      if (ended) return ended;
      ended = endClient(client);
      if (live?.client === client) live = undefined;
      if (installed && !closed) {
        log('warn', 'bus LISTEN connection lost; reconnecting', { channel, why, err: err === undefined ? undefined : errText(err) });
        scheduleReconnect();
      }
      return ended;
    };
    client.on('error', (err) => fail('error', err));
    client.on('end', () => fail('end'));
    client.on('notification', (n) => {
      if (!ended && !closed && n.channel === channel) onPayload(n.payload);
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
    installed = true;
    live = { client, fail };
    return true;
  }

  function scheduleReconnect(): void {
    if (closed || reconnectTimer !== undefined || connecting !== undefined) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connecting = listen();
      connecting.then(
        (ok) => {
          connecting = undefined;
          if (!ok) return;
          backoff.reset();
          log('info', 'bus LISTEN re-established', { channel });
          onReconnected();
        },
        (err: unknown) => {
          connecting = undefined;
          log('warn', 'bus LISTEN reconnect failed', { channel, err: errText(err) });
          scheduleReconnect();
        },
      );
    }, backoff.next());
  }

  const pingTimer = setInterval(() => {
    if (closed) return;
    onTick();
    const l = live;
    if (!l || pinging) return;
    pinging = true;
    l.client
      .query('SELECT 1')
      .catch((err: unknown) => void l.fail('ping failed', err))
      .finally(() => (pinging = false));
  }, LISTEN_PING_MS);

  try {
    await listen();
  } catch (e) {
    clearInterval(pingTimer);
    throw e;
  }

  return {
    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(pingTimer);
        if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
        reconnectTimer = undefined;
        // An attempt in flight is bounded by the connect timeout; it sees
        // `closed` and ends its own connection.
        await connecting?.catch(() => undefined);
        const l = live;
        live = undefined;
        if (l) {
          await l.client.query('UNLISTEN *').catch(() => undefined);
          await l.fail('closed');
        }
      })();
      return closing;
    },
  };
}
