import { utf8Length } from './edge/http-answer';
import type { RoomRecord } from './ports/store';
import type { WireRoom } from './protocol/frames';
import { createRoomChangeLog } from './room-change-log';
import { toWireRoom } from './wire';

/** One version of the `room_list` frame, serialised once and sent as the same string to everyone. */
export interface RoomListFrame {
  /** The directory's `version` it was built from. */
  readonly version: number;
  readonly text: string;
  /** `text`'s length in UTF-8, what the per-client byte bound counts. */
  readonly bytes: number;
}

/**
 * This instance's view of every room: what `room_list`, `welcome.rooms` and
 * `GET /api/rooms` show. Pure data: pushing it to clients is
 * room-list-pusher.ts's job, removing old rooms empty-room-sweep.ts's.
 */
export interface RoomDirectory {
  get(id: string): RoomRecord | undefined;
  /**
   * Records a room's metadata; older news never overwrites newer. Without
   * `lastSeq` older means a lower count. With it (the room's seq counter
   * at that state: a message event's seq, a delete's counter) the room's
   * changes are totally ordered even once deletes lower the count: every
   * append adds one to lastSeq and to the count, every delete takes one
   * from the count, so `2 * lastSeq - messageCount` grows by one per change.
   */
  upsert(room: RoomRecord, lastSeq?: number): void;
  /** Upserts every room of a fresh read from the store (start-up, resync). */
  replaceAll(rooms: readonly RoomRecord[]): void;
  /** Forgets a room; false when it was not known. */
  remove(id: string): boolean;
  /** Bumped by every change; a client holding a list of an older version is due a push. */
  readonly version: number;
  readonly size: number;
  /** Every room, most recently active first (activity = lastMessageTs ?? createdAt, ties by id); cached per version. */
  sorted(): readonly RoomRecord[];
  /** The first `roomListLimit` rooms of `sorted()`, as on the wire. */
  list(): WireRoom[];
  /** The `room_list` frame of `list()`, serialised once per version. */
  listFrame(): RoomListFrame;
  /**
   * The `room_update {rooms, removed}` frame (extensions: rooms) for a
   * client holding version `since`: the rooms changed or created since (at
   * most `roomListLimit`, most recently active first) and the ids removed
   * since, as of the current version; serialised once per `since` and
   * version. A `since` too old for the change log gets the current list
   * with `removed: []`.
   */
  updateFrame(since: number): RoomListFrame;
  /**
   * Ids of the rooms changed, created or removed after version `since`, each
   * once (what `updateFrame` builds on); undefined when `since` is older than
   * the change log remembers.
   */
  changedSince(since: number): string[] | undefined;
  /** Ids of rooms without a message created before `createdBefore` (ms since the epoch). */
  emptyCreatedBefore(createdBefore: number): string[];
}

/** Where a room sorts: most recent activity first. */
export const activityOf = (r: RoomRecord): number => r.lastMessageTs ?? r.createdAt;

/** The list order: activity descending, then id ascending; a total order, since ids are unique. */
export function compareRooms(a: RoomRecord, b: RoomRecord): number {
  return activityOf(b) - activityOf(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * A directory whose lists carry at most `roomListLimit` rooms: the seed sends
 * all of them, which at 8,000 rooms made every list 1.28 MiB (issue #10).
 */
export function createRoomDirectory(roomListLimit: number): RoomDirectory {
  const rooms = new Map<string, RoomRecord>();
  /** Per room, the change counter of its newest state seen with a seq counter (see `upsert`). */
  const changes = new Map<string, number>();
  let version = 0;
  let cachedSorted: RoomRecord[] | undefined;
  let cachedList: WireRoom[] | undefined;
  let cachedFrame: RoomListFrame | undefined;
  const log = createRoomChangeLog();
  /** updateFrame's answers for the current version, by `since`. */
  const cachedUpdates = new Map<number, RoomListFrame>();

  const changed = (id: string) => {
    version++;
    cachedSorted = undefined;
    cachedList = undefined;
    cachedFrame = undefined;
    cachedUpdates.clear();
    log.record(version, id, rooms.size);
  };

  const dir: RoomDirectory = {
    get: (id) => rooms.get(id),
    upsert(room, lastSeq) {
      const old = rooms.get(room.id);
      const known = changes.get(room.id);
      if (lastSeq !== undefined) {
        const change = 2 * lastSeq - room.messageCount;
        if (known !== undefined && known >= change) return;
        changes.set(room.id, change);
        rooms.set(room.id, room);
        changed(room.id);
        return;
      }
      if (old && old.messageCount > room.messageCount) return;
      if (old && old.messageCount === room.messageCount && old.lastMessageTs === room.lastMessageTs && old.name === room.name) return;
      rooms.set(room.id, room);
      changed(room.id);
    },
    replaceAll(list) {
      for (const r of list) dir.upsert(r);
    },
    remove(id) {
      changes.delete(id);
      if (!rooms.delete(id)) return false;
      changed(id);
      return true;
    },
    get version() {
      return version;
    },
    get size() {
      return rooms.size;
    },
    sorted() {
      cachedSorted ??= [...rooms.values()].sort(compareRooms);
      return cachedSorted;
    },
    list() {
      cachedList ??= dir.sorted().slice(0, roomListLimit).map(toWireRoom);
      return cachedList;
    },
    listFrame() {
      if (!cachedFrame) {
        const text = JSON.stringify({ type: 'room_list', rooms: dir.list() });
        cachedFrame = { version, text, bytes: utf8Length(text) };
      }
      return cachedFrame;
    },
    updateFrame(since) {
      let frame = cachedUpdates.get(since);
      if (frame) return frame;
      const ids = dir.changedSince(since);
      let update: { rooms: WireRoom[]; removed: string[] };
      if (ids === undefined) {
        update = { rooms: dir.list(), removed: [] };
      } else {
        const present = ids.flatMap((id) => rooms.get(id) ?? []);
        update = {
          rooms: present.sort(compareRooms).slice(0, roomListLimit).map(toWireRoom),
          removed: ids.filter((id) => !rooms.has(id)),
        };
      }
      const text = JSON.stringify({ type: 'room_update', ...update });
      frame = { version, text, bytes: utf8Length(text) };
      cachedUpdates.set(since, frame);
      return frame;
    },
    changedSince: (since) => (since >= version ? [] : log.since(since)),
    emptyCreatedBefore(createdBefore) {
      const ids: string[] = [];
      for (const r of rooms.values()) if (r.messageCount === 0 && r.createdAt < createdBefore) ids.push(r.id);
      return ids;
    },
  };
  return dir;
}
