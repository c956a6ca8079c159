import { createBackoff } from './backoff';
import { pickCreatedRoom } from './created-room';
import { RoomView, TYPING_EXPIRY_MS } from './room-view';
import type { Message, Room } from './types';

const room: Room = { id: 'r', name: 'R', createdAt: 1, messageCount: 0, lastMessageTs: null };
const msg = (seq: number, text = `t${seq}`): Message => ({ id: `m${seq}`, ts: seq, authorId: 'a', name: 'a', avatarId: 0, type: 'message', text, seq });

describe('RoomView', () => {
  test('holds each seq once, in order, whatever order pages and live messages come in', () => {
    const v = new RoomView(room, [msg(5), msg(3), msg(5)], []);
    expect(v.messages.map((m) => m.seq)).toEqual([3, 5]);
    expect(v.add([msg(6), msg(5)]).map((m) => m.seq)).toEqual([6]);
    expect(v.add([msg(1), msg(2), msg(4)]).map((m) => m.seq)).toEqual([1, 2, 4]);
    expect(v.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect([v.firstSeq, v.lastSeq]).toEqual([1, 6]);
  });

  test('delete and reaction counts apply to held messages; a count of 0 drops the emoji', () => {
    const v = new RoomView(room, [msg(1), msg(2)], []);
    expect(v.react({ roomId: 'r', messageId: 'm1', emoji: '👍', count: 2, clientId: 'c', on: true })).toBe(true);
    expect(v.messages[0]!.reactions).toEqual({ '👍': 2 });
    v.react({ roomId: 'r', messageId: 'm1', emoji: '👍', count: 0, clientId: 'c', on: false });
    expect(v.messages[0]!.reactions).toBeUndefined();
    expect(v.remove({ roomId: 'r', messageId: 'm2', seq: 2 })).toBe(true);
    expect(v.remove({ roomId: 'r', messageId: 'm2', seq: 2 })).toBe(false);
    expect(v.messages.map((m) => m.seq)).toEqual([1]);
  });

  test('presence diffs are upserts and removals; a leaver stops typing', () => {
    const member = (id: string, name = id) => ({ clientId: id, userId: id, name, avatarId: 0 });
    const v = new RoomView(room, [], [member('a')]);
    v.typing('b', 'b', true, 0);
    v.presence([member('b'), member('c')], ['a'], [member('c', 'cee')]);
    expect(v.members.map((m) => m.name)).toEqual(['b', 'cee']);
    v.presence([], ['b'], []);
    expect(v.typists(1)).toEqual([]);
  });

  test('a typist expires 6 s after the last active:true, and active:false ends it at once', () => {
    const v = new RoomView(room, [], []);
    expect(v.typing('b', 'bob', true, 1000)).toBe(true);
    expect(v.typing('b', 'bob', true, 2000)).toBe(false);
    expect(v.nextTypistExpiry()).toBe(2000 + TYPING_EXPIRY_MS);
    expect(v.typists(2000 + TYPING_EXPIRY_MS - 1)).toEqual([{ clientId: 'b', name: 'bob' }]);
    expect(v.expireTypists(2000 + TYPING_EXPIRY_MS)).toBe(true);
    v.typing('b', 'bob', true, 0);
    expect(v.typing('b', 'bob', false, 1)).toBe(true);
    expect(v.typists(1)).toEqual([]);
  });
});

describe('backoff', () => {
  test('grows exponentially with jitter in [ceiling/2, ceiling], capped, with a floor', () => {
    const low = createBackoff({ minDelayMs: 100, maxDelayMs: 1000 }, () => 0);
    const high = createBackoff({ minDelayMs: 100, maxDelayMs: 1000 }, () => 1);
    expect([0, 1, 2, 3, 4, 10].map((n) => low.delayMs(n))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 10].map((n) => high.delayMs(n))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(low.delayMs(0, 5000)).toBe(5000);
  });
});

describe('pickCreatedRoom', () => {
  const r = (id: string, name: string): Room => ({ ...room, id, name });
  test('matches the created room by name, ignoring case and spacing, even when a push came in the same window', () => {
    expect(pickCreatedRoom('  My   Room ', [[r('other', 'Other')], [r('my-room', 'my room')]])?.id).toBe('my-room');
    expect(pickCreatedRoom('x', [[r('only', 'Only')]])?.id).toBe('only');
    expect(pickCreatedRoom('x', [[r('a', 'A')], [r('b', 'B')]])).toBeUndefined();
  });
});
