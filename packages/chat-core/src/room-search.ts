import type { RoomRecord } from './ports/store';
import type { WireRoom } from './protocol/frames';
import { parseQueryParams } from './protocol/query-params';
import { activityOf, compareRooms } from './room-directory';
import { toWireRoom } from './wire';

/** Most rooms one page may ask for. */
export const MAX_ROOM_PAGE_LIMIT = 200;
/** Rooms per page when the caller does not say. */
export const DEFAULT_ROOM_PAGE_LIMIT = 50;
const ROOM_QUERY_PARAMS = ['limit', 'cursor', 'q'] as const;

/** Longest search text, in UTF-16 code units. */
export const MAX_ROOM_QUERY_LENGTH = 100;

/** One page request over the room directory; already validated (see `parseRoomQuery`). */
export interface RoomQuery {
  /** 1..MAX_ROOM_PAGE_LIMIT rooms. */
  readonly limit: number;
  /** Where the previous page ended (its `nextCursor`); undefined for the first page. */
  readonly cursor?: RoomCursor | undefined;
  /** Case-insensitive substring of a room's id or display name; undefined matches every room. */
  readonly q?: string | undefined;
}

/** A position in the list order: just after the room with this activity and id. */
export interface RoomCursor {
  readonly activity: number;
  readonly id: string;
}

export interface RoomPage {
  readonly rooms: WireRoom[];
  /** Present when more matching rooms follow; pass it back as `cursor`. */
  readonly nextCursor?: string;
}

/**
 * A cursor as clients see it: opaque to them, `<activity base 36>.<room id>`
 * to us. Room ids are slugs ([a-z0-9_-]), so the dot cannot be in one.
 */
export const encodeRoomCursor = (c: RoomCursor): string => `${c.activity.toString(36)}.${c.id}`;

const CURSOR = /^([0-9a-z]{1,11})\.([a-z0-9_-]{1,256})$/;

/** The cursor `encodeRoomCursor` wrote, or undefined for anything else. */
export function decodeRoomCursor(text: string): RoomCursor | undefined {
  const m = CURSOR.exec(text);
  if (!m) return undefined;
  const activity = parseInt(m[1]!, 36);
  return Number.isSafeInteger(activity) ? { activity, id: m[2]! } : undefined;
}

/** Index of the first room of `sorted` that comes after `cursor` in the list order. */
function firstAfter(sorted: readonly RoomRecord[], cursor: RoomCursor): number {
  const at: RoomRecord = { id: cursor.id, name: '', createdAt: cursor.activity, messageCount: 0, lastMessageTs: null };
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareRooms(sorted[mid]!, at) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One page of `sorted` (the directory's `sorted()`: most recently active
 * first, ties by id). The cursor is a position in that order, not an index,
 * so rooms moving meanwhile never make a page repeat or skip a room that did
 * not move; a room that became active since moved to the front and shows up
 * again on a new first page. Pure, so the `list_rooms` extension shares it.
 */
export function searchRooms(sorted: readonly RoomRecord[], query: RoomQuery): RoomPage {
  const needle = query.q?.toLowerCase();
  const matches = (r: RoomRecord) => needle === undefined || r.id.includes(needle) || r.name.toLowerCase().includes(needle);
  const rooms: RoomRecord[] = [];
  let more = false;
  for (let i = query.cursor ? firstAfter(sorted, query.cursor) : 0; i < sorted.length; i++) {
    const r = sorted[i]!;
    if (!matches(r)) continue;
    if (rooms.length === query.limit) {
      more = true;
      break;
    }
    rooms.push(r);
  }
  const last = rooms.at(-1);
  return {
    rooms: rooms.map(toWireRoom),
    ...(more && last ? { nextCursor: encodeRoomCursor({ activity: activityOf(last), id: last.id }) } : {}),
  };
}

/**
 * `limit`, `cursor` and `q` from a URL query string (without the `?`), or
 * undefined when one is malformed, out of range or repeated. Unknown
 * parameters are ignored; an empty `q` matches every room.
 */
export function parseRoomQuery(search: string): RoomQuery | undefined {
  const seen = parseQueryParams(search, ROOM_QUERY_PARAMS);
  if (seen === undefined) return undefined;
  const limitText = seen.get('limit');
  let limit = DEFAULT_ROOM_PAGE_LIMIT;
  if (limitText !== undefined) {
    if (!/^[0-9]{1,4}$/.test(limitText)) return undefined;
    limit = Number(limitText);
    if (limit < 1 || limit > MAX_ROOM_PAGE_LIMIT) return undefined;
  }
  const cursorText = seen.get('cursor');
  const cursor = cursorText === undefined ? undefined : decodeRoomCursor(cursorText);
  if (cursorText !== undefined && cursor === undefined) return undefined;
  const q = seen.get('q');
  if (q !== undefined && q.length > MAX_ROOM_QUERY_LENGTH) return undefined;
  return { limit, cursor, q: q === '' ? undefined : q };
}
