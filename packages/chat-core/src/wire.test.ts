import type { MessageRecord } from './ports/store';
import { messageFrame, toWireMessage } from './wire';

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

describe('messageFrame', () => {
  test('is byte for byte what JSON.stringify of the frame object gives', () => {
    const records = [
      record({}),
      record({ type: 'emote', avatarId: -4, ts: 0, seq: 1 }),
      record({ text: 'quote " backslash \\ slash / tab \t newline \n' }),
      record({ text: 'émoji 😀 𝄞 中文', name: 'Zoë' }),
      record({ text: 'lone \ud800 surrogate \udfff', name: '\u2028\u2029' }),
      record({ text: '\u0000\u0001\u001f\u007f', roomId: 'a-b_c', id: 'msg_"x"' }),
      record({ text: 'x'.repeat(400), ts: Number.MAX_SAFE_INTEGER, avatarId: Number.MIN_SAFE_INTEGER }),
    ];
    for (const m of records) {
      const frame = messageFrame(m);
      expect(frame).toBe(JSON.stringify({ type: 'message', roomId: m.roomId, message: toWireMessage(m) }));
      expect(JSON.parse(frame)).toEqual({ type: 'message', roomId: m.roomId, message: toWireMessage(m) });
    }
  });
});
