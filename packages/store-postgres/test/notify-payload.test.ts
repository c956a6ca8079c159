import { encodeBusEvent, type MessageRecord, type RoomRecord } from '@rgchat/chat-core';
import { decodeNotice, encodeNotice, encodeResync, MAX_NOTIFY_PAYLOAD_BYTES } from '../src/notify-payload';

// The codec itself (round trips, validation) is tested in chat-core's bus-codec.test.ts;
// here: NOTIFY's byte limit and the reference that replaces an oversized message.

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
  test('a message that fits travels inline, in core\'s codec, and decodes to the same event', () => {
    const payload = encodeNotice('inst', event('😀'.repeat(400)));
    expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_NOTIFY_PAYLOAD_BYTES);
    expect(payload).toBe(encodeBusEvent('inst', event('😀'.repeat(400))));
    expect(decodeNotice(payload)).toEqual({ k: 'event', instanceId: 'inst', event: event('😀'.repeat(400)) });
  });

  test('a message too big, counted in UTF-8 bytes after JSON escaping, becomes a reference', () => {
    // 2000 code units but 12000 bytes once JSON escapes each control character as \u0001.
    for (const text of ['😀'.repeat(2000), '\u0001'.repeat(2000)]) {
      const payload = encodeNotice('inst', event(text));
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_NOTIFY_PAYLOAD_BYTES);
      expect(JSON.parse(payload)).toEqual({ i: 'inst', k: 'message-ref', room, seq: 3, id: 'msg_1' });
      expect(decodeNotice(payload)).toEqual({ k: 'message-ref', instanceId: 'inst', room, seq: 3, id: 'msg_1' });
    }
  });

  test('an ephemeral event over the limit is refused at encoding (nothing stored to refer to), one within it travels inline', () => {
    const member = { clientId: 'conn_1', userId: 'usr_1', name: 'ü名前', avatarId: 1 };
    const members = (n: number) => Array.from({ length: n }, (_, i) => ({ roomId: 'r', member: { ...member, clientId: `conn_${i}` } }));
    const big = { kind: 'presence_state', instanceId: 'inst', epoch: 1, members: members(400), last: true } as const;
    expect(() => encodeNotice('inst', big)).toThrow(RangeError);
    const small = { ...big, members: members(10) };
    expect(decodeNotice(encodeNotice('inst', small))).toEqual({ k: 'event', instanceId: 'inst', event: small });
  });

  test('a room whose reference alone exceeds the limit is refused at encoding', () => {
    const huge = { ...room, name: 'n'.repeat(MAX_NOTIFY_PAYLOAD_BYTES) };
    expect(() => encodeNotice('inst', { kind: 'message', message: message('x'), room: huge })).toThrow(RangeError);
  });

  test('room and resync notices round-trip', () => {
    expect(decodeNotice(encodeNotice('x', { kind: 'room', room }))).toEqual({ k: 'event', instanceId: 'x', event: { kind: 'room', room } });
    expect(decodeNotice(encodeResync('x'))).toEqual({ k: 'event', instanceId: 'x', event: { kind: 'resync' } });
  });

  test('malformed references are refused, extra fields are dropped', () => {
    for (const bad of [undefined, '', 'null', '[]', '{"i":"x","k":"nope"}',
      JSON.stringify({ i: 'x', k: 'message-ref', room, seq: '3', id: 'm' }),
      JSON.stringify({ i: 'x', k: 'message-ref', room, seq: 3 }),
      JSON.stringify({ i: 'x', k: 'message-ref', room: { ...room, messageCount: -0.5 }, seq: 3, id: 'm' }),
      JSON.stringify({ k: 'message-ref', room, seq: 3, id: 'm' })]) {
      expect(decodeNotice(bad)).toBeUndefined();
    }
    const extra = JSON.stringify({ i: 'x', k: 'message-ref', room: { ...room, evil: true }, seq: 3, id: 'm', more: 1 });
    expect(decodeNotice(extra)).toEqual({ k: 'message-ref', instanceId: 'x', room, seq: 3, id: 'm' });
  });
});
