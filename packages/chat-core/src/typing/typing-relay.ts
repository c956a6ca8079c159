import type { Bus, BusEvent } from '../ports/bus';
import type { Clock } from '../ports/clock';
import type { Connection } from '../ports/connection';
import type { Fanout } from '../ports/fanout';

/** An `active: true` is relayed at most once per this many ms per connection (extensions.md, typing). */
export const TYPING_RELAY_WINDOW_MS = 2000;
/** A receiver treats `active: true` as expired after this long; a typist is "active" for the server as long. */
export const TYPING_ACTIVE_MS = 6000;
/**
 * Repeats within one window that cost no token (the contract makes them
 * free). A keyboard repeats at most ~15 keys a second; beyond this many per
 * window a repeat pays like any frame, so `typing` cannot be a way around
 * the rate limit (issue #10).
 */
export const TYPING_FREE_REPEATS_PER_WINDOW = 40;

/** Topic of a room's `typing` frames: its members that negotiated `typing`. */
export const typingTopic = (roomId: string): string => `typing:${roomId}`;

/** What became of one `typing` request. */
export type TypingOutcome =
  /** Published on the bus (every instance relays it). */
  | 'relayed'
  /** A repeat of `active: true` within the window: dropped, and free. */
  | 'dropped-free'
  /** A repeat beyond the free ones: dropped, but it pays its token. */
  | 'dropped';

interface Typist {
  readonly roomId: string;
  /** When its last `active: true` was relayed; undefined once a false ended the window. */
  relayedAtMs: number | undefined;
  /** When it last sent `active: true` (relayed or not); undefined after a false. */
  activeAtMs: number | undefined;
  freeRepeats: number;
}

export interface TypingRelay {
  /** A `typing` request of the local connection `clientId` (named `name`) in `roomId`, which it is in. */
  request(clientId: string, name: string, roomId: string, active: boolean): TypingOutcome;
  /**
   * The server's own `active: false` for an active typist (sent `true`
   * within TYPING_ACTIVE_MS and no `false` since) that sent a message, left
   * `roomId` or disconnected. Forgets the connection's window either way.
   */
  stop(clientId: string, name: string, roomId: string): void;
  /** The local `connection` (`clientId`) gets `roomId`'s typing frames from now on. */
  watch(connection: Connection, clientId: string, roomId: string): void;
  unwatch(connection: Connection, clientId: string, roomId: string): void;
  /** Subscribes to the bus; idempotent. */
  start(): void;
  close(): void;
}

/**
 * Typing indicators: the 2 s window per connection is applied here, before
 * the bus, so a burst of keystrokes costs other instances one event; every
 * instance (this one too, through the bus's local delivery) relays the
 * event to its own watchers of the room, serialised once, never to the
 * typist. Nothing is stored.
 */
export function createTypingRelay({ bus, fanout, clock }: { bus: Bus; fanout: Fanout; clock: Clock }): TypingRelay {
  const typists = new Map<string, Typist>();
  /** Local watchers per room, by clientId, to keep a typist out of its own relay. */
  const watchers = new Map<string, Map<string, Connection>>();
  let unsubscribe: (() => void) | undefined;

  const publish = (roomId: string, clientId: string, name: string, active: boolean) =>
    bus.publish({ kind: 'typing', roomId, clientId, name, active });

  function deliver(event: BusEvent): void {
    if (event.kind !== 'typing') return;
    const room = watchers.get(event.roomId);
    if (!room) return;
    const topic = typingTopic(event.roomId);
    const frame = JSON.stringify({ type: 'typing', roomId: event.roomId, clientId: event.clientId, name: event.name, active: event.active });
    const typist = room.get(event.clientId);
    if (!typist) return fanout.publish(topic, frame);
    // Out of the topic for this one publish, as room-feed.ts does for echoes.
    fanout.unsubscribe(typist, topic);
    fanout.publish(topic, frame);
    fanout.subscribe(typist, topic);
  }

  return {
    request(clientId, name, roomId, active) {
      const now = clock.now();
      let t = typists.get(clientId);
      if (!t || t.roomId !== roomId) typists.set(clientId, (t = { roomId, relayedAtMs: undefined, activeAtMs: undefined, freeRepeats: 0 }));
      if (!active) {
        t.relayedAtMs = undefined;
        t.activeAtMs = undefined;
        publish(roomId, clientId, name, false);
        return 'relayed';
      }
      t.activeAtMs = now;
      if (t.relayedAtMs !== undefined && now - t.relayedAtMs < TYPING_RELAY_WINDOW_MS) {
        return ++t.freeRepeats <= TYPING_FREE_REPEATS_PER_WINDOW ? 'dropped-free' : 'dropped';
      }
      t.relayedAtMs = now;
      t.freeRepeats = 0;
      publish(roomId, clientId, name, true);
      return 'relayed';
    },

    stop(clientId, name, roomId) {
      const t = typists.get(clientId);
      if (!t || t.roomId !== roomId) return;
      typists.delete(clientId);
      if (t.activeAtMs !== undefined && clock.now() - t.activeAtMs < TYPING_ACTIVE_MS) publish(roomId, clientId, name, false);
    },

    watch(connection, clientId, roomId) {
      let room = watchers.get(roomId);
      if (!room) watchers.set(roomId, (room = new Map()));
      if (room.get(clientId) === connection) return;
      room.set(clientId, connection);
      fanout.subscribe(connection, typingTopic(roomId));
    },

    unwatch(connection, clientId, roomId) {
      const room = watchers.get(roomId);
      if (room?.get(clientId) !== connection) return;
      room.delete(clientId);
      if (room.size === 0) watchers.delete(roomId);
      fanout.unsubscribe(connection, typingTopic(roomId));
    },

    start() {
      unsubscribe ??= bus.subscribe(deliver);
    },

    close() {
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
