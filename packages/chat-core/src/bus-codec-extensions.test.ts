import { decodeBusEvent, encodeBusEvent } from './bus-codec';
import type { BusEvent } from './ports/bus';
import type { RoomRecord } from './ports/store';

const room: RoomRecord = { id: 'r', name: 'r', createdAt: 1, messageCount: 2, lastMessageTs: 42 };

describe('bus codec: the extensions’ events', () => {
  const events: BusEvent[] = [{ kind: 'message_deleted', roomId: 'r', messageId: 'msg_1', seq: 3, room, lastSeq: 4 }];

  test('round-trip with the sending instance', () => {
    for (const event of events) expect(decodeBusEvent(encodeBusEvent('inst', event))).toEqual({ instanceId: 'inst', event });
  });

  test('the wire format, kept for rolling upgrades', () => {
    expect(encodeBusEvent('i', events[0]!)).toBe(
      '{"i":"i","k":"message_deleted","roomId":"r","messageId":"msg_1","seq":3,"room":{"id":"r","name":"r","createdAt":1,"messageCount":2,"lastMessageTs":42},"lastSeq":4}',
    );
  });

  test('a malformed event is dropped', () => {
    const good = JSON.parse(encodeBusEvent('i', events[0]!)) as Record<string, unknown>;
    for (const bad of [{ seq: '3' }, { lastSeq: null }, { messageId: 7 }, { roomId: undefined }, { room: { id: 'r' } }]) {
      expect(decodeBusEvent(JSON.stringify({ ...good, ...bad }))).toBeUndefined();
    }
  });
});
