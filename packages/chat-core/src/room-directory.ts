import type { Cancel, Clock } from './ports/clock';
import type { Fanout } from './ports/fanout';
import type { RoomRecord } from './ports/store';
import type { WireRoom } from './protocol/frames';
import { ROOM_LIST_TOPIC, toWireRoom } from './wire';

export interface RoomDirectory {
  get(id: string): RoomRecord | undefined;
  /** Records a room's metadata; older news (a lower count) never overwrites newer. */
  upsert(room: RoomRecord): void;
  /** Replaces everything (start-up, resync). */
  replaceAll(rooms: readonly RoomRecord[]): void;
  /** Rooms as sent on the wire, most recently active first. */
  list(): WireRoom[];
  /** The current `room_list` frame, serialised once per change. */
  listFrame(): string;
  /** Starts pushing `room_list` to the room-list topic at most once per interval, only after a change. */
  start(): void;
  close(): void;
}

const activity = (r: RoomRecord) => r.lastMessageTs ?? r.createdAt;

/**
 * The room list every client sees. Message activity only marks it dirty; a
 * ticker pushes one frame per interval to all clients, so the cost of
 * metadata is O(clients) per second, not O(clients) per chat message.
 */
export function createRoomDirectory(fanout: Fanout, clock: Clock, intervalMs: number): RoomDirectory {
  const rooms = new Map<string, RoomRecord>();
  let cachedList: WireRoom[] | undefined;
  let cachedFrame: string | undefined;
  let dirty = false;
  let stopTicker: Cancel | undefined;

  const changed = () => {
    cachedList = undefined;
    cachedFrame = undefined;
    dirty = true;
  };

  const dir: RoomDirectory = {
    get: (id) => rooms.get(id),
    upsert(room) {
      const old = rooms.get(room.id);
      if (old && old.messageCount > room.messageCount) return;
      if (old && old.messageCount === room.messageCount && old.lastMessageTs === room.lastMessageTs && old.name === room.name) return;
      rooms.set(room.id, room);
      changed();
    },
    replaceAll(list) {
      for (const r of list) dir.upsert(r);
    },
    list() {
      cachedList ??= [...rooms.values()]
        .sort((a, b) => activity(b) - activity(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map(toWireRoom);
      return cachedList;
    },
    listFrame() {
      cachedFrame ??= JSON.stringify({ type: 'room_list', rooms: dir.list() });
      return cachedFrame;
    },
    start() {
      stopTicker ??= clock.every(intervalMs, () => {
        if (!dirty) return;
        dirty = false;
        fanout.publish(ROOM_LIST_TOPIC, dir.listFrame());
      });
    },
    close() {
      stopTicker?.();
      stopTicker = undefined;
    },
  };
  return dir;
}
