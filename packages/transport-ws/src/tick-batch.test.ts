import { createTickBatch } from './tick-batch';
import { createFrameEncoder } from './frame-encoder';

test('deferred work runs once, after the current tick, and one failure does not stop the rest', async () => {
  const errors: unknown[] = [];
  const defer = createTickBatch((err) => errors.push(err));
  const ran: string[] = [];
  defer(() => ran.push('a'));
  defer(() => {
    throw new Error('boom');
  });
  defer(() => ran.push('b'));
  expect(ran).toEqual([]);
  await new Promise((r) => process.nextTick(r));
  expect(ran).toEqual(['a', 'b']);
  expect(errors).toHaveLength(1);
  defer(() => ran.push('c'));
  await new Promise((r) => setImmediate(r));
  expect(ran).toEqual(['a', 'b', 'c']);
});

test('the encoder reuses the bytes of a frame sent again', () => {
  const encode = createFrameEncoder();
  const frame = JSON.stringify({ type: 'message', text: 'héllo' });
  const first = encode(frame);
  expect(first.toString('utf8')).toBe(frame);
  expect(encode(frame)).toBe(first);
  expect(encode('{"type":"pong"}')).not.toBe(first);
});
