import type { RoomRecord } from './ports/store';
import { createRoomCreateQuota } from './room-create-quota';
import { compareRooms } from './room-directory';
import { decodeRoomCursor, encodeRoomCursor, parseRoomQuery, searchRooms, type RoomQuery } from './room-search';
import { phasesFor } from './room-list-pusher';
import { sweepIntervalFor } from './empty-room-sweep';

const room = (id: string, createdAt: number, lastMessageTs: number | null = null, name = id.toUpperCase()): RoomRecord => ({
  id,
  name,
  createdAt,
  messageCount: lastMessageTs === null ? 0 : 1,
  lastMessageTs,
});

const sorted = (rooms: RoomRecord[]) => [...rooms].sort(compareRooms);
const idsOf = (page: { rooms: Array<{ id: string }> }) => page.rooms.map((r) => r.id);

describe('searchRooms', () => {
  const rooms = sorted([room('a', 1), room('b', 5), room('c', 2, 9), room('d', 5), room('tea-room', 3, null, 'Tea Room ☕'), room('tee', 4)]);

  test('most recently active first, ties by id, at most limit, nextCursor only when more exist', () => {
    expect(idsOf(searchRooms(rooms, { limit: 10 }))).toEqual(['c', 'b', 'd', 'tee', 'tea-room', 'a']);
    expect(searchRooms(rooms, { limit: 10 }).nextCursor).toBeUndefined();
    const first = searchRooms(rooms, { limit: 2 });
    expect(idsOf(first)).toEqual(['c', 'b']);
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(searchRooms(rooms, { limit: 6 }).nextCursor).toBeUndefined();
  });

  test('paging with the cursor visits every room once', () => {
    const seen: string[] = [];
    let query: RoomQuery = { limit: 4 };
    for (;;) {
      const page = searchRooms(rooms, query);
      seen.push(...idsOf(page));
      if (!page.nextCursor) break;
      query = { limit: 4, cursor: decodeRoomCursor(page.nextCursor) };
    }
    expect(seen).toEqual(['c', 'b', 'd', 'tee', 'tea-room', 'a']);
  });

  test('a cursor is a position, not an index: activity elsewhere neither repeats nor skips unmoved rooms', () => {
    const first = searchRooms(rooms, { limit: 2 });
    // 'a' becomes the most active room, 'b' (already seen) is gone.
    const changed = sorted([...rooms.filter((r) => r.id !== 'a' && r.id !== 'b'), room('a', 1, 100)]);
    expect(idsOf(searchRooms(changed, { limit: 10, cursor: decodeRoomCursor(first.nextCursor!) }))).toEqual(['d', 'tee', 'tea-room']);
  });

  test('q is a case-insensitive substring of id or display name', () => {
    expect(idsOf(searchRooms(rooms, { limit: 10, q: 'TE' }))).toEqual(['tee', 'tea-room']);
    expect(idsOf(searchRooms(rooms, { limit: 10, q: 'room ☕' }))).toEqual(['tea-room']);
    const page = searchRooms(rooms, { limit: 1, q: 'te' });
    expect(idsOf(page)).toEqual(['tee']);
    expect(idsOf(searchRooms(rooms, { limit: 1, q: 'te', cursor: decodeRoomCursor(page.nextCursor!) }))).toEqual(['tea-room']);
  });
});

describe('parseRoomQuery', () => {
  test('defaults, values and unknown parameters', () => {
    expect(parseRoomQuery('')).toEqual({ limit: 50, cursor: undefined, q: undefined });
    expect(parseRoomQuery('limit=200&q=Tea%20Room&x=1')).toEqual({ limit: 200, cursor: undefined, q: 'Tea Room' });
    expect(parseRoomQuery('q=')).toEqual({ limit: 50, cursor: undefined, q: undefined });
    const cursor = encodeRoomCursor({ activity: 1_730_000_000_000, id: 'tea-room' });
    expect(parseRoomQuery(`cursor=${cursor}`)).toEqual({ limit: 50, cursor: { activity: 1_730_000_000_000, id: 'tea-room' }, q: undefined });
  });

  test('bad parameters are refused', () => {
    for (const bad of ['limit=0', 'limit=201', 'limit=abc', 'limit=1.5', 'limit=-1', 'limit=', 'limit=1&limit=2', 'cursor=', 'cursor=zz', 'cursor=1.UPPER',
      'cursor=zzzzzzzzzzzz.a', 'q=%E0%A4%A', `q=${'x'.repeat(101)}`]) {
      expect([bad, parseRoomQuery(bad)]).toEqual([bad, undefined]);
    }
  });
});

describe('room create quota', () => {
  test('a bucket per address, refilled over the hour; full entries are pruned; the map is capped', () => {
    const quota = createRoomCreateQuota(2, 3);
    expect(quota.take('a', 0)).toBe(true);
    expect(quota.take('a', 0)).toBe(true);
    expect(quota.take('a', 0)).toBe(false);
    expect(quota.take('a', 30 * 60_000)).toBe(true);
    expect(quota.take('b', 0)).toBe(true);
    quota.prune(60 * 60_000);
    expect(quota.size).toBe(1);
    quota.prune(90 * 60_000);
    expect(quota.size).toBe(0);
    for (const address of ['x', 'y', 'z', 'w']) quota.take(address, 100 * 60_000);
    expect(quota.size).toBe(3);
  });
});

describe('derived timings', () => {
  test('phases divide the interval; the sweep runs a 24th of the TTL, between 1 s and 1 h', () => {
    expect(phasesFor(1000)).toBe(10);
    expect(phasesFor(250)).toBe(10);
    expect(phasesFor(999)).toBe(9);
    expect(phasesFor(13)).toBe(1);
    expect(sweepIntervalFor(86_400_000)).toBe(3_600_000);
    expect(sweepIntervalFor(10_000)).toBe(1000);
    expect(sweepIntervalFor(7_200_000)).toBe(300_000);
  });
});
