import type { Cancel, Clock } from '../ports/clock';
import type { Connection } from '../ports/connection';
import type { Fanout } from '../ports/fanout';
import { sameMember, type Member, type MemberChange, type Presence } from '../ports/presence';

/** Topic of a room's `presence` frames: its members that negotiated `presence` (room ids are slugs: no clash with `room:`). */
export const presenceTopic = (roomId: string): string => `presence:${roomId}`;

/** A member touched since the room's previous frame: as it was then, and as it is now. */
interface Touched {
  readonly before: Member | undefined;
  after: Member | undefined;
}

interface WatchedRoom {
  readonly roomId: string;
  readonly topic: string;
  /** Local subscribers of the topic. */
  readonly watchers: Set<Connection>;
  /** Changes since the previous frame, by clientId, in the order first touched. */
  touched: Map<string, Touched>;
}

export interface PresenceFrames {
  /** `connection` gets the room's `presence` frames from now on. */
  watch(connection: Connection, roomId: string): void;
  /** ...and no longer; harmless when it did not. */
  unwatch(connection: Connection, roomId: string): void;
  /** Starts the tick; idempotent. */
  start(): void;
  close(): void;
}

export interface PresenceFramesOptions {
  readonly presence: Presence;
  readonly fanout: Fanout;
  readonly clock: Clock;
  /** `PRESENCE_INTERVAL_MS`: at most one frame per room per interval. */
  readonly intervalMs: number;
  /** Each tick, the rooms whose member count changed since the previous one (for `online`); not called when none did. */
  readonly countsChanged?: (roomIds: ReadonlySet<string>) => void;
}

/**
 * The coalesced `presence` frames (extensions.md, presence): every
 * `intervalMs`, each room with local watchers and a net change since its
 * previous frame gets one frame, serialised once and published to the
 * room's topic. Net: a member who joined and left in between appears in no
 * list, one who left and came back with the same profile in none either.
 * Only rooms with watchers keep a record of changes, and the record is per
 * touched member, so a tick costs O(changes), never O(members).
 */
export function createPresenceFrames({ presence, fanout, clock, intervalMs, countsChanged }: PresenceFramesOptions): PresenceFrames {
  const rooms = new Map<string, WatchedRoom>();
  const dirty = new Set<WatchedRoom>();
  let counted = new Set<string>();
  let stopTick: Cancel | undefined;

  const unsubscribe = presence.subscribe((c: MemberChange) => {
    if ((c.before === undefined) !== (c.after === undefined)) counted.add(c.roomId);
    const room = rooms.get(c.roomId);
    if (!room) return;
    const t = room.touched.get(c.clientId);
    if (t) t.after = c.after;
    else room.touched.set(c.clientId, { before: c.before, after: c.after });
    dirty.add(room);
  });

  function frameOf(roomId: string, touched: Map<string, Touched>): string | undefined {
    const joined: Member[] = [];
    const left: string[] = [];
    const updated: Member[] = [];
    for (const [clientId, { before, after }] of touched) {
      if (!before && after) joined.push(after);
      else if (before && !after) left.push(clientId);
      else if (before && after && !sameMember(before, after)) updated.push(after);
    }
    if (joined.length === 0 && left.length === 0 && updated.length === 0) return undefined;
    return JSON.stringify({ type: 'presence', roomId, joined, left, updated });
  }

  function tick(): void {
    for (const room of dirty) {
      const touched = room.touched;
      room.touched = new Map();
      const frame = frameOf(room.roomId, touched);
      if (frame !== undefined) fanout.publish(room.topic, frame);
    }
    dirty.clear();
    if (counted.size > 0) {
      const ids = counted;
      counted = new Set();
      countsChanged?.(ids);
    }
  }

  return {
    watch(connection, roomId) {
      let room = rooms.get(roomId);
      if (!room) rooms.set(roomId, (room = { roomId, topic: presenceTopic(roomId), watchers: new Set(), touched: new Map() }));
      if (room.watchers.has(connection)) return;
      room.watchers.add(connection);
      fanout.subscribe(connection, room.topic);
    },
    unwatch(connection, roomId) {
      const room = rooms.get(roomId);
      if (!room?.watchers.delete(connection)) return;
      fanout.unsubscribe(connection, room.topic);
      if (room.watchers.size > 0) return;
      rooms.delete(roomId);
      dirty.delete(room);
    },
    start() {
      stopTick ??= clock.every(intervalMs, tick);
    },
    close() {
      stopTick?.();
      stopTick = undefined;
      unsubscribe();
    },
  };
}
