import type { Cancel, Clock } from './ports/clock';
import type { Connection } from './ports/connection';
import type { RoomDirectory, RoomListFrame } from './room-directory';

/** Versions of one room-list variant and its frame: the directory (v1), or the list with `online` (presence). */
export interface RoomListSource {
  readonly version: number;
  listFrame(): RoomListFrame;
}

/** A variant that also answers, for any of its versions, what changed since (extensions: rooms). */
export interface RoomUpdateSource extends RoomListSource {
  /** The `room_update {rooms, removed}` frame for a client holding version `since`. */
  updateFrame(since: number): RoomListFrame;
}

/**
 * How a client's list is kept current: whole `room_list` frames of
 * `source`, or with `diffs` (extensions: rooms) `room_update` frames of what
 * changed since the version it holds.
 */
export type RoomListPushes =
  | { readonly source: RoomListSource; readonly diffs?: false }
  | { readonly source: RoomUpdateSource; readonly diffs: true };

/** What a client was last sent of the room list. */
export interface DeliveredList {
  /** The directory version the list was built from. */
  readonly version: number;
  /** Its size in UTF-8 bytes, charged against the client's room-list byte rate. */
  readonly bytes: number;
}

/**
 * Keeps greeted clients' room lists current: a client whose last list is of
 * an older directory version gets the current `room_list` frame, at most
 * once per interval and within its byte rate; an up-to-date client gets
 * nothing.
 */
export interface RoomListPusher {
  /**
   * `connection` was just sent a room list (welcome, a `create_room`
   * answer or a push) of `pushes.source` (default the directory's v1
   * list, whole). The first call registers it for pushes; pushes follow the
   * latest call's `pushes` (each welcome negotiates again).
   */
  delivered(connection: Connection, list: DeliveredList, pushes?: RoomListPushes): void;
  /** Stops pushing to `connection` (closed). Harmless when not registered. */
  remove(connection: Connection): void;
  /** Starts the phase timer; idempotent. */
  start(): void;
  close(): void;
  /** Registered clients (for tests and metrics). */
  readonly size: number;
}

export interface RoomListPusherOptions {
  readonly directory: RoomDirectory;
  readonly clock: Clock;
  /** Each client is looked at once per interval, so it gets at most one push per interval. */
  readonly intervalMs: number;
  /** After a push of N bytes, that client's next push waits at least N / this many seconds. */
  readonly bytesPerSec: number;
}

interface Receiver {
  readonly connection: Connection;
  pushes: RoomListPushes;
  /** The version of `pushes.source` it holds. */
  version: number;
  /** Earliest time (ms) of its next push, from the byte rate. */
  notBeforeMs: number;
}

/**
 * Most phases an interval is cut into. One timer callback per phase handles
 * only that phase's clients: at 1,000 clients, pushing to all of them in one
 * event-loop turn lifted everyone's p99 from ~3 ms to ~47 ms (issue #10).
 */
export const MAX_ROOM_LIST_PHASES = 10;

/** The largest phase count up to MAX_ROOM_LIST_PHASES that divides the interval, so each phase is a whole number of ms. */
export function phasesFor(intervalMs: number): number {
  for (let p = MAX_ROOM_LIST_PHASES; p > 1; p--) if (intervalMs % p === 0) return p;
  return 1;
}

/**
 * Clients are spread over the phases (each new one joins the emptiest), and
 * a timer every `intervalMs / phases` visits the next phase, so every client
 * is visited once per interval. Every recipient of one version gets the same
 * string (the directory serialises it once).
 */
export function createRoomListPusher({ directory, clock, intervalMs, bytesPerSec }: RoomListPusherOptions): RoomListPusher {
  const phases = phasesFor(intervalMs);
  const slices: Array<Set<Receiver>> = Array.from({ length: phases }, () => new Set());
  const receivers = new Map<Connection, { receiver: Receiver; slice: Set<Receiver> }>();
  let nextPhase = 0;
  let stop: Cancel | undefined;
  const v1: RoomListPushes = { source: directory };

  const charge = (r: Receiver, list: DeliveredList, nowMs: number) => {
    r.version = list.version;
    r.notBeforeMs = nowMs + (list.bytes * 1000) / bytesPerSec;
  };

  function visit(slice: Set<Receiver>): void {
    const now = clock.now();
    for (const r of slice) {
      const { source, diffs } = r.pushes;
      if (r.version === source.version || now < r.notBeforeMs) continue;
      const frame = diffs ? source.updateFrame(r.version) : source.listFrame();
      r.connection.send(frame.text);
      charge(r, frame, now);
    }
  }

  return {
    delivered(connection, list, pushes = v1) {
      let entry = receivers.get(connection);
      if (!entry) {
        let slice = slices[0]!;
        for (const s of slices) if (s.size < slice.size) slice = s;
        entry = { receiver: { connection, pushes, version: -1, notBeforeMs: 0 }, slice };
        slice.add(entry.receiver);
        receivers.set(connection, entry);
      }
      entry.receiver.pushes = pushes;
      charge(entry.receiver, list, clock.now());
    },
    remove(connection) {
      const entry = receivers.get(connection);
      if (!entry) return;
      entry.slice.delete(entry.receiver);
      receivers.delete(connection);
    },
    start() {
      stop ??= clock.every(intervalMs / phases, () => {
        const slice = slices[nextPhase]!;
        nextPhase = (nextPhase + 1) % phases;
        visit(slice);
      });
    },
    close() {
      stop?.();
      stop = undefined;
    },
    get size() {
      return receivers.size;
    },
  };
}
