import { connect, DebugEvents, Events, type NatsConnection, type Subscription } from 'nats';
import { createBusSubscribers, decodeBusEvent, encodeBusEvent, silentLog, type Bus, type Log } from '@rgchat/chat-core';
import { connectOptions, DEFAULT_CONNECT_TIMEOUT_MS } from './nats-connect-options';
import { DEFAULT_NATS_SUBJECT, DEFAULT_NATS_URL, natsSettingProblem } from './nats-settings';

/** A graceful close flushes what is buffered and unsubscribes; past this, in ms, the connection is closed anyway. */
const DRAIN_GRACE_MS = 2000;
/** While the server is away, one "dropping" warning per this many ms at most, in ms. */
const DROP_WARN_EVERY_MS = 10_000;

export interface NatsBusOptions {
  /** Unique per running instance; events carrying it are this instance's own echoes and are dropped. */
  readonly instanceId: string;
  /** One server URL or several comma-separated (a cluster). Default 'nats://127.0.0.1:4222'. */
  readonly url?: string;
  /** The subject every instance of one deployment shares. Default 'rgchat'. */
  readonly subject?: string;
  /** Longest the first connect may take, in ms. Default 5000. */
  readonly connectTimeoutMs?: number;
  /** Ping interval, in ms; two unanswered pings mean a dead connection. Default 5000 (tests shorten it). */
  readonly pingIntervalMs?: number;
  readonly log?: Log;
}

export type NatsBus = Bus & {
  /** Flushes, unsubscribes and closes the connection, and stops reconnecting; idempotent. */
  close(): Promise<void>;
};

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Cross-instance fan-out over core NATS: every instance publishes on one
 * subject and subscribes to it. Core NATS keeps nothing: an event published
 * while an instance is cut off never reaches it. The store, not the bus, is
 * the source of truth, so after every reconnect subscribers get
 * `{ kind: 'resync' }` and re-read, and the other instances are told to
 * resync too (what this instance published meanwhile was dropped).
 *
 * One connection carries both directions; NATS keeps the order of one
 * connection's publishes on a subject, which is what core's per-room order
 * needs. The client reconnects for ever with jittered waits and re-subscribes
 * by itself. While disconnected, publishes are dropped (with a warning)
 * rather than buffered without bound by the client. Rejects when the first
 * connect fails.
 */
export async function openNatsBus(options: NatsBusOptions): Promise<NatsBus> {
  const log = options.log ?? silentLog;
  const { instanceId } = options;
  const url = options.url ?? DEFAULT_NATS_URL;
  const subject = options.subject ?? DEFAULT_NATS_SUBJECT;
  if (instanceId.length === 0) throw new RangeError('bus instanceId must not be empty');
  for (const [key, value] of [['url', url], ['subject', subject]] as const) {
    const problem = natsSettingProblem(key, value);
    // The URL itself is not shown: it may carry a password.
    if (problem !== undefined) throw new RangeError(`NATS bus ${key} ${problem}`);
  }

  const local = createBusSubscribers(log);
  const emit = local.emit;
  let closed = false;
  let closing: Promise<void> | undefined;
  /** False from a disconnect until the reconnect: publishes are dropped meanwhile. */
  let connected = true;
  let dropped = 0;
  let lastDropWarnMs = 0;

  const connectWith = connectOptions(url, `rgchat ${instanceId}`, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, options.pingIntervalMs);
  let nc: NatsConnection;
  try {
    nc = await connect(connectWith);
  } catch (err) {
    // connectOptions took any credentials out of the servers: safe to name them.
    throw new Error(`NATS bus could not connect to ${String(connectWith.servers)}: ${errText(err)}`, { cause: err });
  }
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();

  function onPayload(data: Uint8Array): void {
    if (closed) return;
    // Anyone allowed to publish on the subject can write to it: core's codec checks every shape.
    const envelope = decodeBusEvent(decoder.decode(data));
    if (envelope === undefined) {
      log('warn', 'bus ignored a malformed event', { subject, bytes: data.byteLength });
      return;
    }
    if (envelope.instanceId === instanceId) return;
    emit(envelope.event);
  }

  const sub: Subscription = nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) {
        // E.g. a permissions violation: the subscription is gone, and nothing will arrive until a restart.
        log('error', 'bus subscription failed', { subject, err: errText(err) });
        return;
      }
      onPayload(msg.data);
    },
  });

  // SUB goes out asynchronously: until the server has it, what other instances
  // publish does not reach us. One round trip proves it is in place, so an
  // instance that reports ready hears everything published after that.
  try {
    await nc.flush();
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw new Error(`NATS bus could not subscribe to ${subject}: ${errText(err)}`, { cause: err });
  }

  /** Sends `payload` to the other instances, or drops it (counted, warned) when that cannot be done now. */
  function send(payload: string, kind: string): void {
    if (!connected || nc.isClosed()) {
      dropped++;
      const now = Date.now();
      if (now - lastDropWarnMs >= DROP_WARN_EVERY_MS) {
        lastDropWarnMs = now;
        log('warn', 'bus is disconnected from NATS; dropping events until it is back (others resync then)', { subject, kind, dropped });
      }
      return;
    }
    try {
      nc.publish(subject, encoder.encode(payload));
    } catch (err) {
      // Over the server's max_payload, or the connection closed under us.
      log('error', 'bus could not publish', { subject, kind, bytes: payload.length, err: errText(err) });
    }
  }

  function onReconnected(): void {
    connected = true;
    log('info', 'bus reconnected to NATS', { subject, dropped, server: nc.getServer() });
    dropped = 0;
    // The client re-subscribes as it reports the reconnect, and the server may
    // not have our subscription yet: a re-read now could miss what others
    // publish in between. A round trip (flush) proves the server has it.
    void nc
      .flush()
      .catch(() => undefined)
      .then(() => {
        if (closed) return;
        // Whatever others published while we were away is gone, and so is what
        // we published (dropped, or lost in the socket before the loss was seen):
        // we re-read, and so do they.
        send(encodeBusEvent(instanceId, { kind: 'resync' }), 'resync');
        emit({ kind: 'resync' });
      });
  }

  void (async () => {
    for await (const s of nc.status()) {
      if (closed) continue;
      switch (s.type) {
        case Events.Disconnect:
          connected = false;
          log('warn', 'bus lost its NATS connection; reconnecting', { subject, server: String(s.data) });
          break;
        case Events.Reconnect:
          onReconnected();
          break;
        case DebugEvents.StaleConnection:
          log('warn', 'bus NATS connection went silent; reconnecting', { subject });
          break;
        case Events.Error:
          log('error', 'bus NATS error', { subject, err: String(s.data) });
          break;
        case Events.LDM:
          log('info', 'bus NATS server is entering lame duck mode; the client will move', { subject });
          break;
        default:
          break;
      }
    }
  })().catch((err: unknown) => log('error', 'bus NATS status reader failed', { err: errText(err) }));

  // Only a permanent failure closes the client by itself (it reconnects for ever otherwise).
  void nc
    .closed()
    .then((err) => {
      if (err && !closed) log('error', 'bus NATS connection closed for good; events no longer cross instances', { subject, err: errText(err) });
    })
    .catch(() => undefined);

  return {
    publish(event) {
      if (closed) return;
      local.publish(event, (e) => encodeBusEvent(instanceId, e), (payload, e) => send(payload, e.kind));
    },
    subscribe: local.subscribe,
    close() {
      closing ??= (async () => {
        closed = true;
        local.clear();
        try {
          sub.unsubscribe();
        } catch {
          // Already closed by the client: nothing left to unsubscribe.
        }
        // drain() flushes what is buffered; a server that is away would hold it for ever.
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_GRACE_MS)));
        const drained = connected ? nc.drain().catch(() => undefined) : Promise.resolve();
        await Promise.race([drained, grace]);
        clearTimeout(timer);
        await nc.close().catch(() => undefined);
      })();
      return closing;
    },
  };
}
