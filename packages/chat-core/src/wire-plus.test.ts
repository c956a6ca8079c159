import type { MessageRecord } from './ports/store';
import { messageFrame, messageFramePlus, roomPlusTopic, roomTopic, toWireMessage, toWireMessagePlus } from './wire';

const record = (over: Partial<MessageRecord>): MessageRecord => ({
  roomId: 'lobby',
  seq: 7,
  id: 'msg_1',
  ts: 1_796_173_631_877,
  authorId: 'conn_1',
  name: 'alice',
  avatarId: 3,
  type: 'message',
  text: 'hi',
  ...over,
});

describe('Message+ on the wire', () => {
  test('toWireMessagePlus is the v1 message, in its key order, then seq', () => {
    const m = record({ seq: 12 });
    expect(toWireMessagePlus(m)).toEqual({ ...toWireMessage(m), seq: 12 });
    expect(Object.keys(toWireMessagePlus(m))).toEqual([...Object.keys(toWireMessage(m)), 'seq']);
  });

  test('messageFramePlus is byte for byte what JSON.stringify of the frame object gives', () => {
    const records = [
      record({}),
      record({ type: 'emote', avatarId: -4, ts: 0, seq: 1 }),
      record({ text: 'quote " backslash \\ slash / tab \t newline \n', seq: Number.MAX_SAFE_INTEGER }),
      record({ text: 'émoji 😀 𝄞 中文', name: 'Zoë' }),
      record({ text: 'lone \ud800 surrogate \udfff', name: '\u2028\u2029' }),
    ];
    for (const m of records) {
      expect(messageFramePlus(m)).toBe(JSON.stringify({ type: 'message', roomId: m.roomId, message: toWireMessagePlus(m) }));
      // The v1 frame of the same record is unchanged: no seq.
      expect(JSON.parse(messageFrame(m)).message).not.toHaveProperty('seq');
    }
  });

  test("a room's two topics never collide with each other or another room's", () => {
    expect(roomPlusTopic('lobby')).not.toBe(roomTopic('lobby'));
    expect(roomPlusTopic('a')).not.toBe(roomTopic('+a'));
  });
});
