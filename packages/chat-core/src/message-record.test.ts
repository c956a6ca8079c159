import type { MessageRecord, NewMessage, RoomRecord } from './ports/store';
import { messageRecord, roomAfter, storedMessage } from './message-record';

const fresh: NewMessage = { roomId: 'lobby', id: 'msg_1', ts: 42, authorId: 'conn_1', name: 'alice', avatarId: -3, type: 'emote', text: 'waves' };
/** MessageRecord's fields in declaration order: the one shape every store's records share. */
const MESSAGE_KEYS = ['roomId', 'seq', 'id', 'ts', 'authorId', 'name', 'avatarId', 'type', 'text'];
const ROOM_KEYS = ['id', 'name', 'createdAt', 'messageCount', 'lastMessageTs'];

describe('message records', () => {
  test('messageRecord takes its arguments in MessageRecord field order', () => {
    const m = messageRecord('lobby', 7, 'msg_1', 42, 'conn_1', 'alice', -3, 'emote', 'waves');
    expect(m).toEqual({ ...fresh, seq: 7 } satisfies MessageRecord);
    expect(Object.keys(m)).toEqual(MESSAGE_KEYS);
  });

  test('storedMessage adds the seq and keeps only the port fields, in the same key order', () => {
    const withExtra = { ...fresh, extra: 'not a port field' } as NewMessage;
    const m = storedMessage(withExtra, 3);
    expect(m).toEqual({ ...fresh, seq: 3 });
    expect(Object.keys(m)).toEqual(MESSAGE_KEYS);
  });

  test('roomAfter counts the message and takes its ts as last activity, one key order whatever came in', () => {
    const before: RoomRecord = { lastMessageTs: null, messageCount: 6, createdAt: 1, name: 'Lobby', id: 'lobby' };
    const after = roomAfter(before, storedMessage(fresh, 7));
    expect(after).toEqual({ id: 'lobby', name: 'Lobby', createdAt: 1, messageCount: 7, lastMessageTs: 42 });
    expect(Object.keys(after)).toEqual(ROOM_KEYS);
    expect(before.messageCount).toBe(6);
  });
});
