import type { MessageRecord, RoomRecord } from '@rgchat/chat-core';
import { createBackoff } from '../src/backoff';
import { decodeNotice, encodeNotice, encodeResync, MAX_NOTIFY_PAYLOAD_BYTES } from '../src/notify-payload';

const room: RoomRecord = { id: 'r', name: 'Ünïcødé ☕', createdAt: 1, messageCount: 3, lastMessageTs: 42 };
const message = (text: string): MessageRecord => ({
  roomId: 'r',
  seq: 3,
  id: 'msg_1',
  ts: 42,
  authorId: 'conn_1',
  name: 'ü名前',
  avatarId: -7,
  type: 'message',
  text,
});
const event = (text: string) => ({ kind: 'message', message: message(text), room }) as const;

describe('notify payloads', () => {
  test('a message that fits travels inline and decodes to the same event', () => {
    const payload = encodeNotice('inst', event('😀'.repeat(400)));
    expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_NOTIFY_PAYLOAD_BYTES);
    expect(decodeNotice(payload)).toEqual({ i: 'inst', k: 'message', message: message('😀'.repeat(400)), room });
  });

  test('a message too big, counted in UTF-8 bytes after JSON escaping, becomes a reference', () => {
    // 2000 code units but 12000 bytes once JSON escapes each control character as \u0001.
    for (const text of ['😀'.repeat(2000), '\u0001'.repeat(2000)]) {
      const payload = encodeNotice('inst', event(text));
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_NOTIFY_PAYLOAD_BYTES);
      expect(decodeNotice(payload)).toEqual({ i: 'inst', k: 'message-ref', room, seq: 3, id: 'msg_1' });
    }
  });

  test('room and resync notices round-trip', () => {
    expect(decodeNotice(encodeNotice('x', { kind: 'room', room }))).toEqual({ i: 'x', k: 'room', room });
    expect(decodeNotice(encodeResync('x'))).toEqual({ i: 'x', k: 'resync' });
  });

  test('anything else is refused, extra fields are dropped', () => {
    for (const bad of [undefined, '', 'null', '[]', '{"k":"room","room":{}}', '{"i":1,"k":"resync"}', '{"i":"x","k":"nope"}',
      JSON.stringify({ i: 'x', k: 'message', message: { ...message('t'), seq: 1.5 }, room }),
      JSON.stringify({ i: 'x', k: 'message', message: { ...message('t'), type: 'shout' }, room }),
      JSON.stringify({ i: 'x', k: 'message-ref', room, seq: '3', id: 'm' })]) {
      expect(decodeNotice(bad)).toBeUndefined();
    }
    const extra = JSON.stringify({ i: 'x', k: 'room', room: { ...room, evil: true }, more: 1 });
    expect(decodeNotice(extra)).toEqual({ i: 'x', k: 'room', room });
  });
});

describe('reconnect backoff', () => {
  test('doubles from the initial delay up to the cap, with jitter in the upper half, and resets', () => {
    const low = createBackoff({ initialMs: 100, maxMs: 5000, random: () => 0 });
    expect(Array.from({ length: 9 }, () => low.next())).toEqual([50, 100, 200, 400, 800, 1600, 2500, 2500, 2500]);
    const high = createBackoff({ initialMs: 100, maxMs: 5000, random: () => 0.999999 });
    expect(Array.from({ length: 8 }, () => high.next())).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    high.reset();
    expect(high.next()).toBe(100);
  });
});
