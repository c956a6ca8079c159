import { createBusSubscribers, silentLog, type Bus, type MessageStore } from '@rgchat/chat-core';
import { decodeNotice, encodeNotice, MAX_NOTIFY_PAYLOAD_BYTES, type Notice } from './notify-payload';
import { openPostgresListener } from './postgres-listener';
import { createPostgresNotifier } from './postgres-notifier';
import { errText, resolveOptions, type PostgresOptions } from './postgres-options';
import { DEFAULT_BUS_CHANNEL } from './postgres-settings';

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

/**
 * Cross-instance fan-out over Postgres LISTEN/NOTIFY. The database, not the
 * bus, is the source of truth: a notice may be late, reordered or lost (core
 * orders by seq and fills gaps from the store), and after any reconnect of
 * the LISTEN connection subscribers get `{ kind: 'resync' }`.
 *
 * Uses one dedicated connection for LISTEN (postgres-listener.ts) and a
 * one-connection pool for NOTIFY (postgres-notifier.ts); `poolSize` does not
 * apply. Rejects when the first LISTEN fails.
 */
export async function openPostgresBus(options: PostgresBusOptions): Promise<PostgresBus> {
  const o = resolveOptions(options);
  const log = options.log ?? silentLog;
  const { instanceId, store } = options;
  const channel = options.channel ?? DEFAULT_BUS_CHANNEL;
  if (instanceId.length === 0) throw new RangeError('bus instanceId must not be empty');
  if (channel.length === 0 || Buffer.byteLength(channel) > 63) throw new RangeError(`bus channel must be 1-63 bytes, got "${channel}"`);

  const local = createBusSubscribers(log);
  const emit = local.emit;
  let closed = false;
  let closing: Promise<void> | undefined;

  function onPayload(payload: string | undefined): void {
    const n = decodeNotice(payload);
    if (n === undefined) {
      log('warn', 'bus ignored a malformed notice', { channel, bytes: payload?.length ?? 0 });
      return;
    }
    if (n.instanceId === instanceId) return;
    if (n.k === 'event') emit(n.event);
    else void resolveRef(n);
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

  const notifier = createPostgresNotifier({ options: o, channel, instanceId, log });
  const listener = await openPostgresListener({
    options: o,
    channel,
    log,
    onPayload,
    onReconnected() {
      notifier.retryOwed();
      // Whatever was notified while we were away is gone: re-read.
      emit({ kind: 'resync' });
    },
    onTick: () => notifier.retryOwed(),
  }).catch(async (e: unknown) => {
    // Nothing may stay open when the first LISTEN fails.
    await notifier.close();
    throw e;
  });

  return {
    // Core splits its ephemeral events (presence state) below this; see encodeNotice.
    maxEventBytes: MAX_NOTIFY_PAYLOAD_BYTES,
    publish(event) {
      if (closed) return;
      local.publish(event, (e) => encodeNotice(instanceId, e), (payload) => notifier.notify(payload));
    },
    subscribe: local.subscribe,
    close() {
      closing ??= (async () => {
        closed = true;
        // Stops the notifier's retries at once; what it holds goes out while
        // the listener UNLISTENs.
        const notifierClosed = notifier.close();
        await listener.close();
        await notifierClosed;
        local.clear();
      })();
      return closing;
    },
  };
}
