import { utf8Length } from '../edge/http-answer';
import type { RoomRecord } from '../ports/store';
import type { WireRoom } from '../protocol/frames';
import { createRoomChangeLog } from '../room-change-log';
import { compareRooms, type RoomDirectory, type RoomListFrame } from '../room-directory';
import type { RoomUpdateSource } from '../room-list-pusher';
import { toWireRoom } from '../wire';

/** A room as connections with `presence` see it in lists: v1's fields, then `online`. */
export interface WireRoomOnline extends WireRoom {
  /** Connections in the room on every instance. */
  online: number;
}

/** A room with its `online` count, keys in v1's order first. */
export const toWireRoomOnline = (r: RoomRecord, online: number): WireRoomOnline => ({ ...toWireRoom(r), online });

/**
 * The room list of connections that negotiated `presence`: the directory's
 * list with `online` on every room. Its own version moves with the
 * directory's and when the count of a listed room changes (at most once per
 * presence tick), so the room-list pusher sends it as it sends the v1 list:
 * serialised once per version, pushed only to clients holding an older one.
 */
export interface OnlineRoomList {
  readonly version: number;
  list(): WireRoomOnline[];
  listFrame(): RoomListFrame;
  /** The counts of these rooms changed: a new version if any of them is listed. */
  countsChanged(roomIds: ReadonlySet<string>): void;
  /**
   * The same list for connections that also negotiated `rooms`, pushed as
   * `room_update` diffs. Its versions are its own: they move with the
   * directory's and with the count of any known room, listed or not (a
   * diff names the rooms it carries, so an unlisted room's `online` can
   * change too), which would make whole lists go out for nothing.
   */
  readonly updates: RoomUpdateSource;
}

export function createOnlineRoomList(directory: RoomDirectory, online: (roomId: string) => number, roomListLimit: number): OnlineRoomList {
  let version = 0;
  let seenDirectory = directory.version;
  let listedIds: Set<string> | undefined;
  let cachedList: WireRoomOnline[] | undefined;
  let cachedFrame: RoomListFrame | undefined;

  const bump = () => {
    version++;
    cachedList = undefined;
    cachedFrame = undefined;
  };
  /** Catches up with the directory (a new version of it is a new version of this). */
  const current = () => {
    if (directory.version === seenDirectory) return;
    seenDirectory = directory.version;
    listedIds = undefined;
    bump();
  };

  const updates = createOnlineUpdates(directory, online, roomListLimit, () => self.list());

  const self: OnlineRoomList = {
    get version() {
      current();
      return version;
    },
    list() {
      current();
      cachedList ??= directory.list().map((r) => ({ ...r, online: online(r.id) }));
      return cachedList;
    },
    listFrame() {
      current();
      if (!cachedFrame) {
        const text = JSON.stringify({ type: 'room_list', rooms: self.list() });
        cachedFrame = { version, text, bytes: utf8Length(text) };
      }
      return cachedFrame;
    },
    countsChanged(roomIds) {
      updates.countsChanged(roomIds);
      current();
      listedIds ??= new Set(directory.list().map((r) => r.id));
      for (const id of roomIds) {
        if (listedIds.has(id)) return bump();
      }
    },
    updates,
  };
  return self;
}

/** `OnlineRoomList.updates`: `list` is the whole list with `online`, for a first list and for a client too old for the log. */
function createOnlineUpdates(
  directory: RoomDirectory,
  online: (roomId: string) => number,
  roomListLimit: number,
  list: () => WireRoomOnline[],
): RoomUpdateSource & { countsChanged(roomIds: ReadonlySet<string>): void } {
  let version = 0;
  let seenDirectory = directory.version;
  const log = createRoomChangeLog();
  let cachedFrame: RoomListFrame | undefined;
  /** updateFrame's answers for the current version, by `since`. */
  const cachedUpdates = new Map<number, RoomListFrame>();

  const bump = () => {
    version++;
    cachedFrame = undefined;
    cachedUpdates.clear();
  };
  /** Catches up with the directory: its changes since we last looked are this list's changes. */
  const current = () => {
    if (directory.version === seenDirectory) return;
    const ids = directory.changedSince(seenDirectory);
    seenDirectory = directory.version;
    bump();
    if (ids === undefined) log.forgetBefore(version);
    else for (const id of ids) log.record(version, id, directory.size);
  };

  return {
    get version() {
      current();
      return version;
    },
    listFrame() {
      current();
      if (!cachedFrame) {
        const text = JSON.stringify({ type: 'room_list', rooms: list() });
        cachedFrame = { version, text, bytes: utf8Length(text) };
      }
      return cachedFrame;
    },
    updateFrame(since) {
      current();
      let frame = cachedUpdates.get(since);
      if (frame) return frame;
      const ids = since >= version ? [] : log.since(since);
      let update: { rooms: WireRoomOnline[]; removed: string[] };
      if (ids === undefined) {
        update = { rooms: list(), removed: [] };
      } else {
        const present = ids.flatMap((id) => directory.get(id) ?? []);
        update = {
          rooms: present
            .sort(compareRooms)
            .slice(0, roomListLimit)
            .map((r) => toWireRoomOnline(r, online(r.id))),
          removed: ids.filter((id) => directory.get(id) === undefined),
        };
      }
      const text = JSON.stringify({ type: 'room_update', ...update });
      frame = { version, text, bytes: utf8Length(text) };
      cachedUpdates.set(since, frame);
      return frame;
    },
    countsChanged(roomIds) {
      current();
      const known = [...roomIds].filter((id) => directory.get(id) !== undefined);
      if (known.length === 0) return;
      bump();
      for (const id of known) log.record(version, id, directory.size);
    },
  };
}
