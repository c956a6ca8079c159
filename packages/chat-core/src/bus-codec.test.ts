import type { BusEvent } from './ports/bus';
import type { MessageRecord, RoomRecord } from './ports/store';
import { decodeBusEvent, encodeBusEvent, readMessageRecord, readRoomRecord } from './bus-codec';

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

describe('bus codec', () => {
  test('every kind of event round-trips, with the sending instance', () => {
    const events: BusEvent[] = [
      { kind: 'message', message: message('😀 "quoted" \\ \u0001 \u2028'), room },
      { kind: 'message', message: { ...message('waves'), type: 'emote' }, room: { ...room, lastMessageTs: null } },
      { kind: 'room', room },
      { kind: 'room_removed', roomId: 'r' },
      { kind: 'resync' },
    ];
    for (const event of events) expect(decodeBusEvent(encodeBusEvent('inst', event))).toEqual({ instanceId: 'inst', event });
  });

  test('the format is the one instances of the previous release read and write', () => {
    expect(JSON.parse(encodeBusEvent('x', { kind: 'message', message: message('t'), room }))).toEqual({ i: 'x', k: 'message', message: message('t'), room });
    expect(encodeBusEvent('x', { kind: 'room', room })).toBe(JSON.stringify({ i: 'x', k: 'room', room }));
    expect(encodeBusEvent('x', { kind: 'resync' })).toBe('{"i":"x","k":"resync"}');
    expect(encodeBusEvent('x', { kind: 'room_removed', roomId: 'r' })).toBe('{"i":"x","k":"room_removed","roomId":"r"}');
  });

  test('anything else is refused, extra fields are dropped', () => {
    for (const bad of [undefined, '', 'not json', 'null', '[]', '"str"', '{"k":"room","room":{}}', '{"i":1,"k":"resync"}', '{"i":"x","k":"nope"}',
      '{"i":"x","k":"room_removed"}', '{"i":"x","k":"room_removed","roomId":7}',
      '{"i":"x","k":"message","message":{}}',
      JSON.stringify({ i: 'x', k: 'room', room: { ...room, lastMessageTs: undefined } }),
      JSON.stringify({ i: 'x', k: 'room', room: { ...room, createdAt: 2 ** 53 } }),
      JSON.stringify({ i: 'x', k: 'message', message: message('t') }),
      JSON.stringify({ i: 'x', k: 'message', message: { ...message('t'), seq: 1.5 }, room }),
      JSON.stringify({ i: 'x', k: 'message', message: { ...message('t'), type: 'shout' }, room }),
      // Kinds of one bus adapter (Postgres' oversized-message reference) are that adapter's to decode.
      JSON.stringify({ i: 'x', k: 'message-ref', room, seq: 3, id: 'm' })]) {
      expect(decodeBusEvent(bad)).toBeUndefined();
    }
    const extra = JSON.stringify({ i: 'x', k: 'message', message: { ...message('t'), evil: true }, room: { ...room, evil: true }, more: 1 });
    const decoded = decodeBusEvent(extra);
    expect(decoded).toEqual({ instanceId: 'x', event: { kind: 'message', message: message('t'), room } });
    if (decoded?.event.kind !== 'message') throw new Error('unreachable');
    expect(Object.keys(decoded.event.message)).not.toContain('evil');
    expect(Object.keys(decoded.event.room)).not.toContain('evil');
  });

  test('readRoomRecord and readMessageRecord accept exactly the port shapes', () => {
    expect(readRoomRecord(room)).toEqual(room);
    expect(readRoomRecord({ ...room, name: 5 })).toBeUndefined();
    expect(readMessageRecord(message('t'))).toEqual(message('t'));
    expect(readMessageRecord({ ...message('t'), avatarId: '7' })).toBeUndefined();
    expect(readMessageRecord(null)).toBeUndefined();
  });
});
