import { createTickBatch } from './tick-batch';

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
