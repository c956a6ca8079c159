import { ChatError, ErrorCode } from '../error-codes';
import { own } from '../protocol/json-object';
import type { RequestSpec } from '../request-spec';
import { DEFAULT_ROOM_PAGE_LIMIT, MAX_ROOM_PAGE_LIMIT, MAX_ROOM_QUERY_LENGTH, searchRooms } from '../room-search';
import { sendAnswer } from '../session-frames';

export interface ListRoomsRequest {
  readonly type: 'list_rooms';
  /** Case-insensitive substring of a room's id or display name; undefined (or empty) matches every room. */
  readonly q: string | undefined;
  /** 1..MAX_ROOM_PAGE_LIMIT. */
  readonly limit: number;
}

/**
 * `list_rooms {q?, limit?}` (feature `rooms`): answers `room_list {rooms}`
 * with the matching rooms, most recently active first, from this
 * instance's directory through the same search as `GET /api/rooms`
 * (room-search.ts), with `online` where `presence` was negotiated. The
 * answer costs its size from the rate limit like any list (`costBytesPerToken`).
 */
export const listRooms: RequestSpec<ListRoomsRequest> = {
  type: 'list_rooms',
  feature: 'rooms',
  needsHello: true,
  pipelines: false,
  decode(o) {
    const q = own(o, 'q');
    if (q !== undefined && (typeof q !== 'string' || q.length > MAX_ROOM_QUERY_LENGTH)) {
      throw new ChatError(ErrorCode.INVALID_REQUEST, `q must be a string of at most ${MAX_ROOM_QUERY_LENGTH} characters.`);
    }
    const limit = own(o, 'limit') ?? DEFAULT_ROOM_PAGE_LIMIT;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_ROOM_PAGE_LIMIT) {
      throw new ChatError(ErrorCode.INVALID_REQUEST, `limit must be an integer from 1 to ${MAX_ROOM_PAGE_LIMIT}.`);
    }
    return { type: 'list_rooms', q: q === '' ? undefined : q, limit };
  },
  handle(ctx, s, r) {
    const page = searchRooms(ctx.directory.sorted(), { limit: r.limit, q: r.q });
    // A room_list: with presence negotiated its rooms carry `online`, as every room_list does.
    const rooms = s.features.has('presence') ? page.rooms.map((w) => ({ ...w, online: ctx.presence.online(w.id) })) : page.rooms;
    sendAnswer(s, JSON.stringify({ type: 'room_list', rooms }));
  },
};
