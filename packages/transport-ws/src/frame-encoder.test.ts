import type { Writable } from 'node:stream';
import * as wsModule from 'ws';
import { createFrameEncoder, textFrame } from './frame-encoder';

// ws's frame parser; exported at runtime, missing from @types/ws.
const { Receiver } = wsModule as unknown as {
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => Writable;
};

/** Parses bytes with ws's own frame parser, as a client would. */
function parse(bytes: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const messages: string[] = [];
    // A client-side receiver: server frames are unmasked.
    const receiver = new Receiver({ isServer: false, maxPayload: 0 });
    receiver.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) reject(new Error('binary frame'));
      messages.push(data.toString('utf8'));
    });
    receiver.on('error', reject);
    receiver.write(bytes, () => resolve(messages));
  });
}

test.each([0, 1, 125, 126, 127, 65_535, 65_536, 70_000])('a %d-byte payload is one valid text frame', async (size) => {
  const text = 'x'.repeat(size);
  const frame = textFrame(Buffer.from(text));
  expect(frame.length).toBe(size + (size < 126 ? 2 : size < 65_536 ? 4 : 10));
  expect(await parse(frame)).toEqual([text]);
});

test('frames back to back parse as separate messages, multi-byte UTF-8 intact', async () => {
  const encode = createFrameEncoder();
  const a = JSON.stringify({ type: 'message', text: 'héllo 👋' });
  const b = '{"type":"pong"}';
  expect(await parse(Buffer.concat([encode(a), encode(b), encode(a)]))).toEqual([a, b, a]);
});

test('the encoder reuses the bytes of a frame sent again', () => {
  const encode = createFrameEncoder();
  const frame = JSON.stringify({ type: 'message', text: 'héllo' });
  const first = encode(frame);
  expect(encode(frame)).toBe(first);
  expect(encode('{"type":"pong"}')).not.toBe(first);
});
