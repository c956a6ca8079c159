import { utf8Length } from '../edge/http-answer';
import type { RoomRecord } from '../ports/store';
import type { WireRoom } from '../protocol/frames';
import type { RoomDirectory, RoomListFrame } from '../room-directory';
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
}

export function createOnlineRoomList(directory: RoomDirectory, online: (roomId: string) => number): OnlineRoomList {
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
      current();
      listedIds ??= new Set(directory.list().map((r) => r.id));
      for (const id of roomIds) {
        if (listedIds.has(id)) return bump();
      }
    },
  };
  return self;
}
