import { decodeBusEvent, encodeBusEvent } from './bus-codec';
import type { BusEvent } from './ports/bus';
import type { RoomRecord } from './ports/store';

const room: RoomRecord = { id: 'r', name: 'r', createdAt: 1, messageCount: 2, lastMessageTs: 42 };

describe('bus codec: the extensions’ events', () => {
  const events: BusEvent[] = [
    { kind: 'message_deleted', roomId: 'r', messageId: 'msg_1', seq: 3, room, lastSeq: 4 },
    { kind: 'reaction', roomId: 'r', messageId: 'msg_1', emoji: '👍🏽', count: 2, clientId: 'conn_1', on: true },
    { kind: 'reaction', roomId: 'r', messageId: 'msg_1', emoji: '🇫🇷', count: 0, clientId: 'conn_2', on: false },
  ];

  test('round-trip with the sending instance', () => {
    for (const event of events) expect(decodeBusEvent(encodeBusEvent('inst', event))).toEqual({ instanceId: 'inst', event });
  });

  test('the wire format, kept for rolling upgrades', () => {
    expect(encodeBusEvent('i', events[0]!)).toBe(
      '{"i":"i","k":"message_deleted","roomId":"r","messageId":"msg_1","seq":3,"room":{"id":"r","name":"r","createdAt":1,"messageCount":2,"lastMessageTs":42},"lastSeq":4}',
    );
  });

  test('a malformed reaction is dropped', () => {
    const good = JSON.parse(encodeBusEvent('i', events[1]!)) as Record<string, unknown>;
    for (const bad of [{ count: -1 }, { count: '2' }, { on: 'yes' }, { emoji: 1 }, { clientId: null }]) {
      expect(decodeBusEvent(JSON.stringify({ ...good, ...bad }))).toBeUndefined();
    }
  });

  test('a malformed event is dropped', () => {
    const good = JSON.parse(encodeBusEvent('i', events[0]!)) as Record<string, unknown>;
    for (const bad of [{ seq: '3' }, { lastSeq: null }, { messageId: 7 }, { roomId: undefined }, { room: { id: 'r' } }]) {
      expect(decodeBusEvent(JSON.stringify({ ...good, ...bad }))).toBeUndefined();
    }
  });
});
